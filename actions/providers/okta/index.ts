// The Okta provider: the `okta:` config section, its resources (OpenID Connect apps with their
// sign-in policy, and trusted origins), and the handlers that reconcile them through the Okta
// Management API.
import type { ConfigProblem, DesiredResource, Provider } from '../../engine/provider.ts';
import { OktaApi } from './api.ts';
import { desiredAppSpec } from './app-body.ts';
import { appKind, createAppHandler } from './app.ts';
import { createOktaClient, type OktaProviderOptions } from './client.ts';
import { hasReference, isLoopback, oktaSchema, type OktaSection } from './schema.ts';
import {
  createTrustedOriginHandler,
  desiredTrustedOriginSpec,
  trustedOriginKind,
} from './trusted-origin.ts';

export { oktaSchema, type OktaSection } from './schema.ts';
export {
  defaultScopes,
  type ApiTokenAuth,
  type OktaProviderOptions,
  type PrivateKeyAuth,
} from './client.ts';
export { appKind } from './app.ts';
export { trustedOriginKind } from './trusted-origin.ts';

// The cross-field rules of the section. `orgUrl` is the URL the credentials were given for.
function checkSection(section: OktaSection, orgUrl: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  const clientUrl = new URL(orgUrl);
  if (!isLoopback(clientUrl) && new URL(section.orgUrl).origin !== clientUrl.origin) {
    problems.push({
      path: ['orgUrl'],
      rule: 'okta.org-url-matches-credentials',
      message: `orgUrl is ${section.orgUrl} but the Okta credentials are for ${clientUrl.origin}; use the credentials of this org, or fix orgUrl`,
    });
  }

  for (const [key, app] of Object.entries(section.apps ?? {})) {
    if (app.refreshToken && !app.grantTypes.includes('refresh_token')) {
      problems.push({
        path: ['apps', key, 'refreshToken'],
        rule: 'okta.refresh-token-needs-grant',
        message:
          'refreshToken is set but grantTypes lacks refresh_token; add refresh_token to grantTypes or remove refreshToken',
      });
    }
  }

  const seen = new Map<string, string>();
  for (const [key, origin] of Object.entries(section.trustedOrigins ?? {})) {
    for (const [field, value] of [
      ['name', origin.name],
      ['origin', origin.origin],
    ] as const) {
      if (field === 'origin' && hasReference(value)) continue;
      const first = seen.get(`${field}:${value}`);
      if (first !== undefined) {
        problems.push({
          path: ['trustedOrigins', key, field],
          rule: 'okta.trusted-origin-unique',
          message: `${field} ${JSON.stringify(value)} is already used by trustedOrigins.${first}; Okta keeps trusted origin ${field}s unique`,
        });
      } else {
        seen.set(`${field}:${value}`, key);
      }
    }
  }
  return problems;
}

function declare(section: OktaSection): DesiredResource[] {
  const resources: DesiredResource[] = [];
  for (const [key, app] of Object.entries(section.apps ?? {})) {
    resources.push({
      address: `okta.apps.${key}`,
      kind: appKind,
      name: app.label,
      spec: desiredAppSpec(app, section.authorizationServerId),
    });
  }
  for (const [key, origin] of Object.entries(section.trustedOrigins ?? {})) {
    resources.push({
      address: `okta.trustedOrigins.${key}`,
      kind: trustedOriginKind,
      name: origin.name,
      spec: desiredTrustedOriginSpec(origin),
    });
  }
  return resources;
}

/**
 * Creates the Okta provider. The options are checked here, before any request: a malformed org
 * URL, a missing credential or an unreadable key fails now with an INVALID ProviderError.
 */
export function createOktaProvider(options: OktaProviderOptions): Provider<OktaSection> {
  const client = createOktaClient(options);
  const api = new OktaApi(client);
  return {
    name: 'okta',
    schema: oktaSchema,
    check: (section) => checkSection(section, client.orgUrl),
    resources: declare,
    handlers: {
      [appKind]: createAppHandler(api),
      [trustedOriginKind]: createTrustedOriginHandler(api),
    },
  };
}
export {
  createOktaPreviews,
  type OktaPreviews,
  type PreviewFilter,
  type PreviewOrigin,
  type PreviewOriginRecord,
  type PreviewRedirect,
} from './previews.ts';
