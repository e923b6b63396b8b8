// Checks the stand-in's responses against Okta's published OAuth 2.0 OpenAPI document. The
// document is reference data outside the repository, so these tests run only where it exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcStandIn, type OidcStandIn } from './index.ts';
import { signInWithoutBrowser } from './sign-in.ts';

const SPEC_FOLDER = fileURLToPath(new URL('../../../../shared/specs/okta/', import.meta.url));
const specFile = existsSync(SPEC_FOLDER)
  ? readdirSync(SPEC_FOLDER).find((name) => /^okta-oauth-.*\.json$/.test(name))
  : undefined;

if (specFile === undefined) {
  console.warn(`SKIPPED Okta contract tests: no okta-oauth-*.json in ${SPEC_FOLDER}`);
}

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
};

interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Lists where `value` breaks `schema`: keys the schema does not define, enum values it does not
 * list, wrong primitive types. Enough of JSON Schema for Okta's response shapes, no more.
 */
function schemaProblems(spec: Spec, value: unknown, schema: Schema, at: string): string[] {
  const resolved = resolve(spec, schema);
  const problems: string[] = [];
  if (resolved.enum !== undefined && !resolved.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(resolved.enum)}`);
  }
  if (resolved.type === 'array') {
    if (!Array.isArray(value)) return [...problems, `${at}: expected an array`];
    value.forEach((item, index) =>
      problems.push(...schemaProblems(spec, item, resolved.items ?? {}, `${at}[${index}]`)),
    );
  } else if (resolved.type === 'object' || resolved.properties !== undefined) {
    if (typeof value !== 'object' || value === null)
      return [...problems, `${at}: expected an object`];
    for (const [key, item] of Object.entries(value)) {
      const property = resolved.properties?.[key];
      if (property === undefined) problems.push(`${at}.${key}: not defined by the schema`);
      else problems.push(...schemaProblems(spec, item, property, `${at}.${key}`));
    }
  } else if (resolved.type === 'string' && typeof value !== 'string') {
    problems.push(`${at}: expected a string`);
  } else if (resolved.type === 'boolean' && typeof value !== 'boolean') {
    problems.push(`${at}: expected a boolean`);
  } else if (resolved.type === 'integer' && !Number.isInteger(value)) {
    problems.push(`${at}: expected an integer`);
  }
  return problems;
}

/** Follows `$ref` and merges `allOf` into one schema. */
function resolve(spec: Spec, schema: Schema): Schema {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(spec, { ...spec.components.schemas[name], ...{ ...schema, $ref: undefined } });
  }
  if (schema.allOf === undefined) return schema;
  const parts = schema.allOf.map((part) => resolve(spec, part));
  return {
    ...schema,
    allOf: undefined,
    type: schema.type ?? parts.find((part) => part.type !== undefined)?.type,
    properties: Object.assign(
      {},
      ...parts.map((part) => part.properties),
      schema.properties,
    ) as Record<string, Schema>,
  };
}

describe.skipIf(specFile === undefined)('Okta OAuth contract', () => {
  const redirectUri = 'http://localhost:8000/docs/oauth2-redirect';
  let spec: Spec;
  let oidc: OidcStandIn;

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(join(SPEC_FOLDER, specFile ?? ''), 'utf8')) as Spec;
    oidc = await startOidcStandIn({
      users: [{ login: 'ada@example.com', password: 'pw' }],
      findClient: (clientId) =>
        Promise.resolve(
          clientId === '0oaspec' ? { clientId, redirectUris: [redirectUri] } : undefined,
        ),
    });
  });

  afterAll(async () => {
    await oidc.close();
  });

  const schema = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
  const json = async (path: string) =>
    (await (await fetch(`${oidc.issuer}${path}`)).json()) as Record<string, unknown>;

  it('matches OidcMetadata', async () => {
    const document = await json('/.well-known/openid-configuration');

    expect(schemaProblems(spec, document, schema('OidcMetadata'), 'openid-configuration')).toEqual(
      [],
    );
  });

  it('matches OAuthMetadata', async () => {
    const document = await json('/.well-known/oauth-authorization-server');

    expect(
      schemaProblems(spec, document, schema('OAuthMetadata'), 'oauth-authorization-server'),
    ).toEqual([]);
  });

  it('serves endpoints at Okta paths', async () => {
    const document = await json('/.well-known/openid-configuration');
    const methods: Record<string, string> = {
      authorization_endpoint: 'get',
      token_endpoint: 'post',
      jwks_uri: 'get',
      userinfo_endpoint: 'get',
      introspection_endpoint: 'post',
      revocation_endpoint: 'post',
      end_session_endpoint: 'get',
      pushed_authorization_request_endpoint: 'post',
    };

    for (const [field, method] of Object.entries(methods)) {
      const url = new URL(String(document[field]));
      const path = url.pathname.replace('/oauth2/default/', '/oauth2/{authorizationServerId}/');

      expect(spec.paths[path], `${field} ${url.pathname}`).toBeDefined();
      expect(spec.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });

  it('matches OAuthKeys', async () => {
    const keys = await json('/v1/keys');
    const problems = schemaProblems(spec, keys, schema('OAuthKeys'), 'keys').filter(
      // JsonWebKey names the RSA fields n and e only in its RSA variant.
      (problem) => !/\.(n|e): not defined/.test(problem),
    );

    expect(problems).toEqual([]);
  });

  it('matches TokenResponse', async () => {
    const tokens = await signInWithoutBrowser({
      issuer: oidc.issuer,
      clientId: '0oaspec',
      redirectUri,
      login: 'ada@example.com',
      password: 'pw',
      scopes: ['openid', 'profile'],
    });
    const body = {
      access_token: tokens.accessToken,
      id_token: tokens.idToken,
      scope: tokens.scope,
      expires_in: tokens.expiresIn,
      token_type: 'Bearer',
    };

    expect(schemaProblems(spec, body, schema('TokenResponseCustomAs'), 'token')).toEqual([]);
  });

  it('matches OAuthError', async () => {
    const response = await fetch(`${oidc.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'unknown',
        client_id: '0oaspec',
        redirect_uri: redirectUri,
        code_verifier: 'v'.repeat(43),
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(schemaProblems(spec, body, schema('OAuthError'), 'error')).toEqual([]);
  });
});
