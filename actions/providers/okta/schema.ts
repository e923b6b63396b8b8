// The `okta:` section of an environment's config. Field names are the config's camelCase forms of
// Okta's own: `redirectUris` is `settings.oauthClient.redirect_uris`, `federationBroker` is
// `settings.implicitAssignment`. Strings that contain `${...}` references (a function URL from
// AWS, say) are checked once the engine has resolved them, before any write.
import { z } from 'zod';

const referencePattern = /\$\{[^${}]+\}/;
const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];

/** Returns whether `value` contains a `${...}` reference, which is checked after resolution. */
export function hasReference(value: string): boolean {
  return referencePattern.test(value);
}

/** Returns whether a URL names this machine, where plain http is acceptable. */
export function isLoopback(url: URL): boolean {
  return loopbackHosts.includes(url.hostname);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Describes what is wrong with an org URL, or returns undefined. The URL must be
 * `https://{your-org}.okta.com` or a custom domain, without path, query or fragment. Plain http
 * is accepted only on loopback, for the stand-in.
 */
export function orgUrlProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url) {
    return `must be an absolute URL such as https://dev-12345678.okta.com (got ${JSON.stringify(value)})`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    return `must use https; plain http is accepted only for 127.0.0.1 or localhost (got ${JSON.stringify(value)})`;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return `must be the org URL alone, without path, query or fragment (got ${JSON.stringify(value)})`;
  }
  if (/-admin\./.test(url.hostname)) {
    return `must be the org URL, not the Admin Console URL: drop "-admin" (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

/**
 * Describes what is wrong with a login or logout redirect URI, or returns undefined. A single-page app's redirect
 * URIs receive authorization codes, so they must be https, except on loopback during development.
 */
export function redirectUriProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url || /\s/.test(value)) {
    return `must be an absolute URL without spaces (got ${JSON.stringify(value)})`;
  }
  if (url.hash !== '' || value.includes('#')) {
    return `must not contain a fragment (#) (got ${JSON.stringify(value)})`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    return `must use https; plain http is accepted only for localhost, 127.0.0.1 or [::1] (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

/** Describes what is wrong with a trusted origin (scheme, host, optional port), or returns undefined. */
export function originProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url) {
    return `must be an origin such as https://example.com (got ${JSON.stringify(value)})`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    return `must use https; plain http is accepted only for localhost or 127.0.0.1 (got ${JSON.stringify(value)})`;
  }
  if (url.origin !== value) {
    return `must be scheme, host and optional port only, without path or trailing slash: ${url.origin} (got ${JSON.stringify(value)})`;
  }
  return undefined;
}

/** Builds a string schema checked by `problem` now, or after resolution when it has a reference. */
function checkedString(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, context) => {
    const message = hasReference(value) ? undefined : problem(value);
    if (message) {
      context.addIssue({ code: 'custom', message });
    }
  });
}

function unique<T>(items: readonly T[]): boolean {
  return new Set(items).size === items.length;
}

const key = z
  .string()
  .regex(/^[A-Za-z0-9][\w-]*$/, 'keys start with a letter or digit, then letters, digits, _ or -');

/** Okta names custom authorization servers `aus` + 17 characters; the built-in one `default`. */
const authorizationServerId = z
  .string()
  .regex(
    /^(default|aus[0-9A-Za-z]{17})$/,
    'must be "default" or the 20-character id of a custom authorization server (aus...)',
  );

const grantType = z.enum(['authorization_code', 'refresh_token', 'interaction_code'], {
  message:
    'a single-page app may use authorization_code, refresh_token and interaction_code only: it cannot keep a client secret',
});

const refreshToken = z.strictObject({
  /** `settings.oauthClient.refresh_token.rotation_type`: ROTATE issues a new token on each use. */
  rotationType: z.enum(['ROTATE', 'STATIC']).default('ROTATE'),
  /** `settings.oauthClient.refresh_token.leeway`: seconds the previous token stays valid. */
  leeway: z.int().min(0).max(60).default(30),
});

/** Characters of a trusted origin name left for the config; the rest hold the marker. */
export const maxTrustedOriginNameLength = 200;
const markerSuffix = /\[gitops:[^\]]*\]\s*$/;

const app = z.strictObject({
  /** `label`: the name users see. Okta does not keep labels unique. */
  label: z
    .string()
    .min(1)
    .max(100)
    .refine((value) => value.trim() === value, {
      message: 'must not start or end with spaces',
    }),
  /** `settings.oauthClient.grant_types`. */
  grantTypes: z
    .array(grantType)
    .min(1)
    .refine((value) => value.includes('authorization_code'), {
      message: 'must include authorization_code: the app signs users in with PKCE',
    })
    .refine(unique, { message: 'must not list a grant type twice' }),
  /** `settings.oauthClient.redirect_uris`, compared in order and byte for byte. */
  redirectUris: z
    .array(checkedString(redirectUriProblem))
    .min(1)
    .refine(unique, { message: 'must not list a redirect URI twice' }),
  /** `settings.oauthClient.post_logout_redirect_uris`. */
  postLogoutRedirectUris: z
    .array(checkedString(redirectUriProblem))
    .refine(unique, { message: 'must not list a redirect URI twice' })
    .default([]),
  /** `settings.oauthClient.refresh_token`; needs the refresh_token grant type. */
  refreshToken: refreshToken.optional(),
  /** `settings.implicitAssignment`: Federation Broker Mode, no per-user assignment. */
  federationBroker: z.boolean().default(false),
  /** Name of the app sign-in policy (type ACCESS_POLICY) to assign, such as `Password only`. */
  accessPolicy: z.string().min(1),
});

const trustedOrigin = z.strictObject({
  /** `name`; the ownership marker is appended to it in Okta. */
  name: z
    .string()
    .min(1)
    .max(
      maxTrustedOriginNameLength,
      `must be at most ${maxTrustedOriginNameLength} characters: Okta allows 255 and the ownership marker takes the rest`,
    )
    .refine((value) => !markerSuffix.test(value), {
      message: 'must not end with [gitops:...]: that suffix is the ownership marker',
    }),
  /** `origin`: scheme, host and port, such as `${aws.functionUrls.api.origin}`. */
  origin: checkedString(originProblem),
  /** `scopes[].type`: what the origin may do. */
  scopes: z
    .array(z.enum(['CORS', 'REDIRECT']))
    .min(1)
    .refine(unique, { message: 'must not list a scope twice' }),
});

/** The `okta:` config section. Collections are keyed maps; the keys form config addresses. */
export const oktaSchema = z.strictObject({
  /** The org URL, such as `https://dev-12345678.okta.com`. */
  orgUrl: z.string().superRefine((value, context) => {
    const message = orgUrlProblem(value);
    if (message) {
      context.addIssue({ code: 'custom', message });
    }
  }),
  /** Authorization server whose issuer and audience the apps' tokens use. */
  authorizationServerId: authorizationServerId.default('default'),
  apps: z.record(key, app).optional(),
  trustedOrigins: z.record(key, trustedOrigin).optional(),
});

export type OktaSection = z.output<typeof oktaSchema>;
export type AppConfig = z.output<typeof app>;
export type TrustedOriginConfig = z.output<typeof trustedOrigin>;
