import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { createAdapterFactory, type FindClient } from './adapter.ts';
import type { SigningJwk } from './keys.ts';
import { oktaMetadata } from './metadata.ts';
import { PAGE_HEADERS, renderOAuthError } from './pages.ts';
import { oktaAccessTokenClaims } from './tokens.ts';
import type { Account } from './users.ts';

/** The scopes every Okta authorization server has, before custom scopes are added. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** The endpoints under the issuer, as Okta names them. */
export const OKTA_ROUTES = {
  authorization: '/v1/authorize',
  token: '/v1/token',
  jwks: '/v1/keys',
  userinfo: '/v1/userinfo',
  introspection: '/v1/introspect',
  revocation: '/v1/revoke',
  end_session: '/v1/logout',
  pushed_authorization_request: '/v1/par',
} as const;

export interface ProviderSettings {
  issuer: string;
  audience: string;
  /** Every scope the server grants, the OpenID ones included. */
  scopes: readonly string[];
  accessTokenTtlSeconds: number;
  key: SigningJwk;
  /** Keys that sign the provider's cookies. */
  cookieKeys: string[];
  /** Test users by Okta user id, the provider's account id. */
  accounts: ReadonlyMap<string, Account>;
  findClient: FindClient;
  /** Path of the sign-in pages; the interaction uid is appended. */
  signInPath: string;
}

/** Configures oidc-provider to behave like an Okta custom authorization server for SPA apps. */
export function createProvider(settings: ProviderSettings): Provider {
  const provider = new Provider(settings.issuer, configuration(settings));
  provider.use(async (ctx, next) => {
    await next();
    if (
      (ctx as KoaContextWithOIDC).oidc?.route === 'discovery' &&
      typeof ctx.body === 'object' &&
      ctx.body !== null
    ) {
      ctx.body = oktaMetadata(ctx.body as Record<string, unknown>, ctx.req);
    }
  });
  // Let Koa log nothing itself: errors reach the client as OAuth errors or the error page.
  provider.silent = true;
  return provider;
}

function configuration(settings: ProviderSettings): Configuration {
  const { accounts, audience } = settings;

  return {
    adapter: createAdapterFactory(settings.findClient),
    jwks: { keys: [settings.key] },
    cookies: { keys: settings.cookieKeys },
    routes: OKTA_ROUTES,
    scopes: [...settings.scopes],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    responseTypes: ['code'],
    clientAuthMethods: ['none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      // Okta's authorization codes last 60 seconds.
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 7200,
      Grant: 7200,
    },
    features: {
      devInteractions: { enabled: false },
      // Okta asks for DPoP proofs only from apps that opt in, and the template's app does not.
      dPoP: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Okta takes the audience from the authorization server, not from a `resource` parameter.
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== audience) {
            throw new errors.InvalidTarget(
              `this authorization server issues tokens for ${audience} only`,
            );
          }
          return {
            audience,
            scope: settings.scopes.join(' '),
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        jwt(ctx, token, jwt) {
          // Only the authorization code grant is enabled, so every token has a user.
          const accountId = 'accountId' in token ? token.accountId : undefined;
          const account = accounts.get(accountId ?? '');
          if (account === undefined) throw new Error(`no test user has id "${accountId}"`);
          const payload = jwt.payload as { jti: string; iat: number; exp: number };

          jwt.header = { typ: undefined };
          jwt.payload = {
            ...oktaAccessTokenClaims({
              jti: payload.jti,
              issuer: settings.issuer,
              audience,
              issuedAt: payload.iat,
              expiresAt: payload.exp,
              clientId: token.clientId ?? '',
              userId: account.id,
              login: account.login,
              scopes: (token.scope ?? '').split(' ').filter(Boolean),
              authTime: authTime(ctx),
            }),
          };
        },
      },
    },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      return {
        accountId: account.id,
        claims: () => ({
          sub: account.id,
          name: account.name,
          preferred_username: account.login,
          email: account.login,
          email_verified: true,
        }),
      };
    },
    interactions: {
      url: (_ctx, interaction) => `${settings.signInPath}/${interaction.uid}`,
    },
    // Shown when the error cannot go back to the client, such as for an unknown client or an
    // unregistered redirect URI. The default page loads a web font from the internet.
    renderError: (ctx, out) => {
      ctx.set(PAGE_HEADERS);
      ctx.body = renderOAuthError(out.error, out.error_description);
    },
    // Okta accepts browser requests from the origins of an SPA app's redirect URIs.
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
  };
}

function authTime(ctx: KoaContextWithOIDC): number | undefined {
  const code = ctx.oidc?.entities.AuthorizationCode as { authTime?: number } | undefined;
  return code?.authTime;
}
