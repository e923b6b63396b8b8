// The Okta stand-in over plain HTTP: the behaviours of Okta's Management API that the provider
// relies on, checked without the SDK so each one is visible on the wire.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonObject, OktaStandIn } from '../stand-ins/okta/index.ts';
import { startStandIn } from './helpers.ts';

interface Sent {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

async function send(
  standIn: OktaStandIn,
  method: string,
  path: string,
  body?: unknown,
  authorization = `SSWS ${standIn.apiToken}`,
): Promise<Sent> {
  const response = await fetch(`${standIn.url}${path}`, {
    method,
    headers: {
      authorization,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

function spaApp(label: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'oidc_client',
    label,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'none', pkce_required: true } },
    settings: {
      oauthClient: {
        application_type: 'browser',
        grant_types: ['authorization_code'],
        redirect_uris: ['http://localhost:8000/cb'],
      },
    },
    ...extra,
  };
}

/** An object as the stand-in returns it, with its id. */
type WithId = JsonObject & { id: string };

async function createApp(standIn: OktaStandIn, label: string, extra = {}): Promise<WithId> {
  const created = await send(standIn, 'POST', '/api/v1/apps', spaApp(label, extra));
  expect(created.status).toBe(200);
  return created.body as WithId;
}

describe('stand-in apps', () => {
  it('creates an app with Okta ids and defaults', async () => {
    const standIn = await startStandIn();

    const app = await createApp(standIn, 'Docs');

    expect(app.id).toMatch(/^0oa[0-9A-Za-z]{17}$/);
    expect(app.status).toBe('ACTIVE');
    expect(app.created).toBe('2026-06-01T12:00:00.000Z');
    expect(app.credentials).toMatchObject({
      oauthClient: { client_id: app.id, token_endpoint_auth_method: 'none', pkce_required: true },
      userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' },
    });
    const links = app._links as { self: { href: string }; accessPolicy: { href: string } };
    expect(links.self.href).toBe(`${standIn.url}/api/v1/apps/${app.id}`);
    expect(links.accessPolicy.href).toMatch(/\/api\/v1\/policies\/rst[0-9A-Za-z]{17}$/);
    expect(standIn.assignedPolicyName(app.id)).toBe('Default Policy');
  });

  it('repeats ids for one seed', async () => {
    const first = await startStandIn({ seed: 7 });
    const second = await startStandIn({ seed: 7 });

    const one = await createApp(first, 'Docs');
    const two = await createApp(second, 'Docs');

    expect(one.id).toBe(two.id);
    expect(first.apiToken).toBe(second.apiToken);
  });

  it('lists with q and filter', async () => {
    const standIn = await startStandIn();
    await createApp(standIn, 'Hello World');
    const other = await createApp(standIn, 'Payroll');
    await send(standIn, 'POST', `/api/v1/apps/${other.id}/lifecycle/deactivate`);

    const byLabel = await send(standIn, 'GET', '/api/v1/apps?q=hello');
    const inactive = await send(standIn, 'GET', '/api/v1/apps?filter=status%20eq%20%22INACTIVE%22');
    const wrong = await send(standIn, 'GET', '/api/v1/apps?filter=label%20eq%20%22x%22');

    expect((byLabel.body as JsonObject[]).map((app) => app.label)).toEqual(['Hello World']);
    expect((inactive.body as JsonObject[]).map((app) => app.label)).toEqual(['Payroll']);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ errorCode: 'E0000031' });
  });

  it('pages with Link headers', async () => {
    const standIn = await startStandIn({ pageSize: 2 });
    for (const label of ['A', 'B', 'C', 'D', 'E']) {
      await createApp(standIn, label);
    }

    const labels: unknown[] = [];
    let next: string | undefined = `${standIn.url}/api/v1/apps?q=`;
    const links: string[] = [];
    while (next) {
      const response = await fetch(next, {
        headers: { authorization: `SSWS ${standIn.apiToken}` },
      });
      const link = response.headers.get('link') ?? '';
      links.push(link);
      labels.push(...((await response.json()) as JsonObject[]).map((app) => app.label));
      next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    }

    expect(labels).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(links).toHaveLength(3);
    expect(links[0]).toMatch(
      /rel="self", <http:\/\/127\.0\.0\.1:\d+\/api\/v1\/apps\?q=&after=0oa\w{17}&limit=2>; rel="next"$/,
    );
    expect(links[2]).not.toContain('rel="next"');
  });

  it('replaces the whole app on PUT', async () => {
    const standIn = await startStandIn();
    const app = await createApp(standIn, 'Docs', { profile: { team: 'platform' } });

    const replaced = await send(standIn, 'PUT', `/api/v1/apps/${app.id}`, spaApp('Docs v2'));

    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: app.id, label: 'Docs v2', created: app.created });
    expect((replaced.body as JsonObject).profile).toBeUndefined();
  });

  it('keeps the client id on PUT', async () => {
    const standIn = await startStandIn();
    const app = await createApp(standIn, 'Docs');
    const body = spaApp('Docs');
    (body.credentials as JsonObject).oauthClient = {
      client_id: 'another',
      token_endpoint_auth_method: 'none',
    };

    const replaced = await send(standIn, 'PUT', `/api/v1/apps/${app.id}`, body);

    expect(replaced.status).toBe(400);
    expect(replaced.body).toMatchObject({
      errorCode: 'E0000001',
      errorCauses: [{ errorSummary: 'client_id: The client id of an app cannot be changed.' }],
    });
  });

  it('resets the policy on update when switched on', async () => {
    const standIn = await startStandIn({ resetPolicyOnUpdate: true });
    const app = await createApp(standIn, 'Docs');
    const policies = (await send(standIn, 'GET', '/api/v1/policies?type=ACCESS_POLICY'))
      .body as WithId[];
    const passwordOnly = policies.find((policy) => policy.name === 'Password only');
    const assigned = await send(
      standIn,
      'PUT',
      `/api/v1/apps/${app.id}/policies/${passwordOnly?.id ?? ''}`,
    );
    expect(assigned.status).toBe(204);
    expect(standIn.assignedPolicyName(app.id)).toBe('Password only');

    await send(standIn, 'PUT', `/api/v1/apps/${app.id}`, spaApp('Docs v2'));

    expect(standIn.assignedPolicyName(app.id)).toBe('Default Policy');
  });

  it('deletes only inactive apps', async () => {
    const standIn = await startStandIn();
    const app = await createApp(standIn, 'Docs');
    const path = `/api/v1/apps/${app.id}`;

    const refused = await send(standIn, 'DELETE', path);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      errorCode: 'E0000056',
      errorSummary: 'Delete application forbidden.',
      errorLink: 'E0000056',
      errorCauses: [],
    });
    expect((refused.body as { errorId: string }).errorId).toMatch(/^oae\w{22}$/);

    expect((await send(standIn, 'POST', `${path}/lifecycle/deactivate`)).status).toBe(200);
    expect((await send(standIn, 'DELETE', path)).status).toBe(204);
    const gone = await send(standIn, 'GET', path);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${app.id} (AppInstance)`,
    });
  });

  it('validates the app with field causes', async () => {
    const standIn = await startStandIn();
    const bad = spaApp('', {
      credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
    });
    ((bad.settings as JsonObject).oauthClient as JsonObject).redirect_uris = [
      'https://x.example/cb#top',
    ];

    const rejected = await send(standIn, 'POST', '/api/v1/apps', bad);

    expect(rejected.status).toBe(400);
    expect(rejected.body).toMatchObject({
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: label, token_endpoint_auth_method, redirect_uris',
      errorCauses: [
        { errorSummary: 'label: The field cannot be left blank.' },
        { errorSummary: 'token_endpoint_auth_method: A browser application must use "none".' },
        { errorSummary: "redirect_uris: 'https://x.example/cb#top' must not contain a fragment." },
      ],
    });
    expect(standIn.apps()).toEqual([]);
  });

  it('rejects a body that is not JSON', async () => {
    const standIn = await startStandIn();
    const response = await fetch(`${standIn.url}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
      body: '{"label":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errorCode: 'E0000003' });
  });

  it('finds an app by client id', async () => {
    const standIn = await startStandIn();
    const app = await createApp(standIn, 'Docs', {
      settings: {
        oauthClient: {
          application_type: 'browser',
          grant_types: ['authorization_code'],
          redirect_uris: ['https://b.example/cb/', 'http://localhost:8000/CB'],
          post_logout_redirect_uris: ['https://b.example/'],
        },
      },
    });

    expect(standIn.findAppByClientId(app.id)).toEqual({
      id: app.id,
      clientId: app.id,
      label: 'Docs',
      status: 'ACTIVE',
      applicationType: 'browser',
      tokenEndpointAuthMethod: 'none',
      pkceRequired: true,
      grantTypes: ['authorization_code'],
      redirectUris: ['https://b.example/cb/', 'http://localhost:8000/CB'],
      postLogoutRedirectUris: ['https://b.example/'],
    });
    expect(standIn.findAppByClientId('0oaNoSuchClient00000')).toBeUndefined();
  });
});

describe('stand-in policies and servers', () => {
  it('lists the seeded sign-in policies', async () => {
    const standIn = await startStandIn();

    const listed = await send(standIn, 'GET', '/api/v1/policies?type=ACCESS_POLICY');
    const missingType = await send(standIn, 'GET', '/api/v1/policies');

    expect((listed.body as JsonObject[]).map((policy) => policy.name)).toEqual([
      'Default Policy',
      'Any two factors',
      'Password only',
      'One factor access',
    ]);
    expect(missingType.status).toBe(400);
    expect(missingType.body).toMatchObject({ errorCode: 'E0000001' });
  });

  it('serves policy rules and assigned apps', async () => {
    const standIn = await startStandIn();
    const app = await createApp(standIn, 'Docs');
    const [policy] = (await send(standIn, 'GET', '/api/v1/policies?type=ACCESS_POLICY&q=Default'))
      .body as WithId[];
    const policyId = policy?.id ?? '';

    const rules = await send(standIn, 'GET', `/api/v1/policies/${policyId}/rules`);
    const apps = await send(standIn, 'GET', `/api/v1/policies/${policyId}/app`);

    expect((rules.body as JsonObject[])[0]).toMatchObject({
      name: 'Catch-all Rule',
      type: 'ACCESS_POLICY',
    });
    expect((apps.body as JsonObject[]).map((item) => item.id)).toEqual([app.id]);
  });

  it('serves the default authorization server and its metadata', async () => {
    const standIn = await startStandIn();

    const server = await send(standIn, 'GET', '/api/v1/authorizationServers/default');
    const metadata = await send(
      standIn,
      'GET',
      '/oauth2/default/.well-known/openid-configuration',
      undefined,
      '',
    );

    expect(server.body).toMatchObject({
      id: 'default',
      audiences: ['api://default'],
      issuer: `${standIn.url}/oauth2/default`,
    });
    expect(metadata.body).toMatchObject({
      issuer: `${standIn.url}/oauth2/default`,
      jwks_uri: `${standIn.url}/oauth2/default/v1/keys`,
      code_challenge_methods_supported: ['S256'],
    });
  });
});

describe('stand-in trusted origins', () => {
  it('keeps origins and names unique', async () => {
    const standIn = await startStandIn();
    const origin = { name: 'docs', origin: 'https://docs.example', scopes: [{ type: 'CORS' }] };

    const first = await send(standIn, 'POST', '/api/v1/trustedOrigins', origin);
    const again = await send(standIn, 'POST', '/api/v1/trustedOrigins', {
      ...origin,
      name: 'other',
    });
    const withPath = await send(standIn, 'POST', '/api/v1/trustedOrigins', {
      ...origin,
      name: 'path',
      origin: 'https://docs.example/x',
    });

    expect(first.status).toBe(200);
    expect((first.body as WithId).id).toMatch(/^tos\w{17}$/);
    expect(first.body).toMatchObject({ status: 'ACTIVE' });
    expect(again.body).toMatchObject({
      errorCauses: [{ errorSummary: 'origin: A trusted origin with this origin already exists.' }],
    });
    expect(withPath.status).toBe(400);
  });
});

describe('stand-in state file', () => {
  it('keeps the org across restarts', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'okta-stand-in-')), 'state.json');
    const first = await startStandIn({ stateFile });
    const app = await createApp(first, 'Docs');
    await first.close();

    const second = await startStandIn({ stateFile });
    const next = await createApp(second, 'Docs 2');

    expect(second.apiToken).toBe(first.apiToken);
    expect(second.apps().map((stored) => stored.id)).toEqual([app.id, next.id]);
    expect(next.id).not.toBe(app.id);
    expect(second.assignedPolicyName(app.id)).toBe('Default Policy');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1 });
  });
});
