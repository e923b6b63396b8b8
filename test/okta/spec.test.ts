// Checks the stand-in's side of a full provider run against Okta's published OpenAPI documents
// when a copy of them is next to the project. A fork has none, so there the suite is skipped
// with a message.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultScopes } from '../../actions/providers/okta/index.ts';
import type { OktaStandIn } from '../stand-ins/okta/index.ts';
import { recordedContext, serviceKey, setUp, startStandIn, withSpec } from './helpers.ts';
import { checkExchanges, type OpenApiDocument } from './spec-check.ts';

// OKTA_SPECS_DIR points the check at another copy of the specs folder (with a trailing slash).
const specs =
  process.env.OKTA_SPECS_DIR ??
  fileURLToPath(new URL('../../../shared/specs/okta/', import.meta.url));
const managementSpec = `${specs}okta-management-2026.06.3.trimmed.json`;
const oauthSpec = `${specs}okta-oauth-2026.06.3.json`;
const present = existsSync(managementSpec) && existsSync(oauthSpec);
if (!present) {
  console.warn(`okta OpenAPI checks skipped: no Okta OpenAPI documents at ${specs}`);
}

function load(path: string): OpenApiDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

// One provider run with each credential, touching every operation the provider and the local
// OpenID Provider use, including a throttled call and a missing object.
async function exercise(standIn: OktaStandIn): Promise<void> {
  const key = serviceKey();
  const { clientId } = standIn.registerServiceApp({
    keys: [key.publicJwk],
    scopes: [...defaultScopes],
  });
  const credentials = [
    { token: standIn.apiToken },
    { clientId, privateKey: key.privatePem, keyId: 'test-key-1' },
  ];
  for (const [index, credential] of credentials.entries()) {
    const setup = setUp(standIn, undefined, credential);
    const { context } = recordedContext(index === 0 ? 'dev' : 'prod');
    const app = withSpec(setup.app, {
      grantTypes: ['authorization_code', 'refresh_token'],
      refreshToken: { rotationType: 'ROTATE', leeway: 30 },
      postLogoutRedirectUris: ['http://localhost:8000/docs'],
    });
    const origin = withSpec(setup.trustedOrigin, { origin: `https://docs${index}.example.com` });

    const created = await setup.appHandler.create(context, app);
    const renamed = withSpec(app, { label: 'Renamed' });
    standIn.behaviours.resetPolicyOnUpdate = true;
    const updated = await setup.appHandler.update(context, renamed, created, [
      { path: 'label', before: 'Hello World (SPA)', after: 'Renamed' },
    ]);
    standIn.behaviours.resetPolicyOnUpdate = false;
    await setup.appHandler.list?.(context);
    const createdOrigin = await setup.originHandler.create(context, origin);
    const wider = withSpec(origin, { scopes: ['CORS', 'REDIRECT'] });
    const updatedOrigin = await setup.originHandler.update(context, wider, createdOrigin, [
      { path: 'scopes', before: ['CORS'], after: ['CORS', 'REDIRECT'] },
    ]);
    await setup.originHandler.list?.(context);
    standIn.faults.throttle();
    await setup.appHandler.observe(context, app).catch(() => undefined);
    await setup.originHandler.delete(context, updatedOrigin);
    await setup.appHandler.delete(context, updated);
    await setup.appHandler.delete(context, updated);
  }

  const headers = { authorization: `SSWS ${standIn.apiToken}` };
  const get = (path: string) => fetch(`${standIn.url}${path}`, { headers });
  const policies = (await (await get('/api/v1/policies?type=ACCESS_POLICY')).json()) as Array<{
    id: string;
  }>;
  const policyId = policies[0]?.id ?? '';
  for (const path of [
    `/api/v1/policies/${policyId}`,
    `/api/v1/policies/${policyId}/rules`,
    `/api/v1/policies/${policyId}/app`,
    '/api/v1/policies?type=PASSWORD',
    '/api/v1/authorizationServers',
    '/api/v1/apps/0oaNoSuchApp00000000',
    '/oauth2/default/.well-known/openid-configuration',
    '/oauth2/default/.well-known/oauth-authorization-server',
  ]) {
    await get(path);
  }
}

describe('okta stand-in against the OpenAPI specs', () => {
  it.skipIf(!present)('matches the Management and OAuth specs', async () => {
    const standIn = await startStandIn({ pageSize: 2 });
    await exercise(standIn);
    const exchanges = standIn.requests.filter((request) => request.status !== 0);

    const management = checkExchanges(load(managementSpec), exchanges);
    const oauth = checkExchanges(load(oauthSpec), exchanges);

    expect(management.problems).toEqual([]);
    expect(oauth.problems).toEqual([]);
    expect([...management.operations].sort()).toEqual([
      'assignApplicationPolicy',
      'createApplication',
      'createTrustedOrigin',
      'deactivateApplication',
      'deleteApplication',
      'deleteTrustedOrigin',
      'getApplication',
      'getAuthorizationServer',
      'getPolicy',
      'getTrustedOrigin',
      'listApplications',
      'listAuthorizationServers',
      'listPolicies',
      'listPolicyApps',
      'listPolicyRules',
      'listTrustedOrigins',
      'replaceApplication',
      'replaceTrustedOrigin',
    ]);
    expect([...oauth.operations].sort()).toEqual([
      'getWellKnownOAuthConfigurationCustomAS',
      'getWellKnownOpenIDConfigurationCustomAS',
      'token',
    ]);
  });

  it.skipIf(!present)('flags exchanges that break the spec', () => {
    const app = {
      id: '0oa1',
      name: 'oidc_client',
      label: 'x',
      signOnMode: 'OPENID_CONNECT',
      status: 'ENABLED',
      credentials: { oauthClient: { pkce_required: 'yes' } },
      settings: { oauthClient: { grant_types: ['magic'] } },
    };
    const { problems } = checkExchanges(load(managementSpec), [
      {
        method: 'GET',
        path: '/api/v1/apps/0oa1',
        status: 200,
        requestBody: undefined,
        responseBody: app,
      },
      {
        method: 'DELETE',
        path: '/api/v1/apps/0oa1',
        status: 409,
        requestBody: undefined,
        responseBody: {},
      },
      {
        method: 'POST',
        path: '/api/v1/apps/0oa1/lifecycle/activate',
        status: 200,
        requestBody: undefined,
        responseBody: {},
      },
    ]);

    expect(problems.map((problem) => problem.problem)).toEqual([
      '/credentials/oauthClient/pkce_required: string where the spec says boolean',
      '/settings/oauthClient/grant_types/0: "magic" is not one of ' +
        JSON.stringify([
          'authorization_code',
          'client_credentials',
          'implicit',
          'interaction_code',
          'password',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
          'urn:ietf:params:oauth:grant-type:saml2-bearer',
          'urn:ietf:params:oauth:grant-type:token-exchange',
          'urn:openid:params:grant-type:ciba',
          'urn:okta:params:oauth:grant-type:otp',
          'urn:okta:params:oauth:grant-type:oob',
          'http://auth0.com/oauth/grant-type/mfa-otp',
          'http://auth0.com/oauth/grant-type/mfa-oob',
        ]),
      '/status: "ENABLED" is not one of ["ACTIVE","DELETED","INACTIVE"]',
      'status 409 is not declared',
      'the response has a body but the spec declares none',
    ]);
  });
});
