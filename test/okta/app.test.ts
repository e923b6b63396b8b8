// okta:App through the real Okta SDK against the stand-in over HTTP.
import { describe, expect, it } from 'vitest';
import { diffSpec } from '../../actions/engine/compare.ts';
import { ProviderError, type Observation } from '../../actions/engine/provider.ts';
import type { JsonObject } from '../stand-ins/okta/index.ts';
import { recordedContext, sectionFor, setUp, startStandIn, withSpec, writesOf } from './helpers.ts';

function changesBetween(
  setup: ReturnType<typeof setUp>,
  desired: ReturnType<typeof setUp>['app'],
  observed: Observation,
) {
  return diffSpec(desired.spec, observed.spec, { fields: setup.appHandler.fields });
}

describe('okta:App round trip', () => {
  it('creates, observes, updates and deletes', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();

    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();

    const created = await setup.appHandler.create(context, setup.app);
    expect(created.ownership).toBe('owned');
    expect(created.id).toMatch(/^0oa[0-9A-Za-z]{17}$/);
    expect(created.outputs).toEqual({
      id: created.id,
      clientId: created.id,
      issuer: `${standIn.url}/oauth2/default`,
      audience: 'api://default',
    });
    expect(standIn.assignedPolicyName(created.id)).toBe('Password only');
    expect(lines).toContain(
      `info okta: created app "Hello World (SPA)" (okta.apps.spa), id ${created.id}`,
    );

    const observed = await setup.appHandler.observe(context, setup.app);
    expect(observed).toEqual(created);
    expect(changesBetween(setup, setup.app, created)).toEqual([]);

    const renamed = withSpec(setup.app, { label: 'Hello World (docs)', federationBroker: false });
    const changes = changesBetween(setup, renamed, created);
    expect(changes.map((change) => change.path)).toEqual(['federationBroker', 'label']);
    const updated = await setup.appHandler.update(context, renamed, created, changes);
    expect(updated.spec.label).toBe('Hello World (docs)');
    expect(updated.spec.federationBroker).toBe(false);
    expect(updated.id).toBe(created.id);

    await setup.appHandler.delete(context, updated);
    expect(standIn.apps()).toEqual([]);
    expect(writesOf(standIn).slice(-2)).toEqual([
      `POST /api/v1/apps/${created.id}/lifecycle/deactivate`,
      `DELETE /api/v1/apps/${created.id}`,
    ]);
  });

  it('observe sends no writes', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    await setup.appHandler.observe(context, setup.app);
    await setup.appHandler.create(context, setup.app);
    standIn.requests.length = 0;

    await setup.appHandler.observe(context, setup.app);
    await setup.appHandler.list?.(context);

    expect(standIn.requests.length).toBeGreaterThan(0);
    expect(writesOf(standIn)).toEqual([]);
  });

  it('creates the app with the SPA settings', async () => {
    const standIn = await startStandIn();
    const setup = setUp(
      standIn,
      sectionFor(standIn.url, {
        grantTypes: ['authorization_code', 'refresh_token'],
        refreshToken: { rotationType: 'ROTATE', leeway: 10 },
        postLogoutRedirectUris: ['http://localhost:8000/docs'],
      }),
    );
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);

    const [stored] = standIn.apps();
    expect(stored?.credentials).toMatchObject({
      oauthClient: { token_endpoint_auth_method: 'none', pkce_required: true },
    });
    expect(stored?.settings).toMatchObject({
      implicitAssignment: true,
      oauthClient: {
        application_type: 'browser',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        refresh_token: { rotation_type: 'ROTATE', leeway: 10 },
        post_logout_redirect_uris: ['http://localhost:8000/docs'],
      },
    });
    expect(stored?.profile).toEqual({
      gitops: { managedBy: 'gitops', environment: 'dev', address: 'okta.apps.spa' },
    });
    expect(created.spec.refreshToken).toEqual({ rotationType: 'ROTATE', leeway: 10 });
  });

  it('lists only apps of its environment', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const dev = recordedContext('dev');
    const prod = recordedContext('prod');
    const devApp = await setup.appHandler.create(dev.context, setup.app);
    await setup.appHandler.create(prod.context, setup.app);

    const listed = (await setup.appHandler.list?.(dev.context)) ?? [];

    expect(listed.map((item) => [item.address, item.id, item.name])).toEqual([
      ['okta.apps.spa', devApp.id, 'Hello World (SPA)'],
    ]);
  });
});

describe('okta:App redirect URIs', () => {
  it('keeps the order of redirect URIs', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    const [first, second] = setup.app.spec.redirectUris as string[];

    const swapped = withSpec(setup.app, { redirectUris: [second ?? '', first ?? ''] });
    const changes = changesBetween(setup, swapped, created);
    expect(changes).toEqual([
      { path: 'redirectUris', before: [first, second], after: [second, first] },
    ]);

    const updated = await setup.appHandler.update(context, swapped, created, changes);
    expect(updated.spec.redirectUris).toEqual([second, first]);
    expect(standIn.findAppByClientId(String(updated.outputs.clientId))?.redirectUris).toEqual([
      second,
      first,
    ]);
  });

  it('compares redirect URIs byte for byte', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);

    // Each variant means the same page to a browser but is a different string to Okta, which
    // matches redirect URIs exactly.
    const variants = [
      'http://localhost:8000/docs/oauth2-redirect/',
      'http://LOCALHOST:8000/docs/oauth2-redirect',
      'http://localhost:8000/docs/oauth2-redirect?',
      'http://localhost:8000/docs/%6Fauth2-redirect',
    ];
    for (const variant of variants) {
      const desired = withSpec(setup.app, {
        redirectUris: [variant, (setup.app.spec.redirectUris as string[])[1] ?? ''],
      });
      expect(changesBetween(setup, desired, created).map((change) => change.path)).toEqual([
        'redirectUris',
      ]);
    }

    const exact = withSpec(setup.app, {
      redirectUris: [variants[0] ?? '', (setup.app.spec.redirectUris as string[])[1] ?? ''],
    });
    const updated = await setup.appHandler.update(
      context,
      exact,
      created,
      changesBetween(setup, exact, created),
    );
    expect(updated.spec.redirectUris).toEqual(exact.spec.redirectUris);
    expect(standIn.apps()[0]?.settings).toMatchObject({
      oauthClient: { redirect_uris: exact.spec.redirectUris },
    });
  });

  it('rejects an unresolved redirect URI before writing', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const pending = withSpec(setup.app, {
      redirectUris: [
        'http://localhost:8000/docs/oauth2-redirect',
        { $unknown: '${aws.functionUrls.api.url}docs/oauth2-redirect' },
      ],
    });

    const error = await setup.appHandler
      .create(context, pending)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain('redirectUris is not known yet');
    expect(writesOf(standIn)).toEqual([]);
  });

  it('rejects a resolved http redirect URI', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const insecure = withSpec(setup.app, {
      redirectUris: ['http://abc123.lambda-url.us-east-1.on.aws/docs/oauth2-redirect'],
    });

    const error = await setup.appHandler
      .create(context, insecure)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain('redirectUris[0] must use https');
    expect(writesOf(standIn)).toEqual([]);
  });
});

describe('okta:App update', () => {
  it('sends the full observed object', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    // Settings an admin made in the Admin Console, which the config does not manage.
    standIn.editApp(created.id, (app) => {
      app.visibility = {
        autoLaunch: false,
        autoSubmitToolbar: true,
        hide: { iOS: false, web: false },
      };
      app.accessibility = { selfService: false, errorRedirectUrl: 'https://example.com/error' };
      (app.settings as JsonObject).notes = { admin: 'Owned by the platform team' };
      (app.settings as JsonObject).manualProvisioning = true;
      (app.profile as JsonObject).costCenter = 'R&D';
    });
    const before = standIn.apps()[0] as JsonObject;
    standIn.requests.length = 0;

    const renamed = withSpec(setup.app, { label: 'Hello World (v2)' });
    await setup.appHandler.update(
      context,
      renamed,
      created,
      changesBetween(setup, renamed, created),
    );

    const put = standIn.requests.find(
      (request) => request.method === 'PUT' && request.path === `/api/v1/apps/${created.id}`,
    );
    const sent = put?.requestBody as JsonObject;
    expect(sent.label).toBe('Hello World (v2)');
    expect(sent.visibility).toEqual(before.visibility);
    expect(sent.accessibility).toEqual(before.accessibility);
    expect(sent.settings).toMatchObject({
      notes: { admin: 'Owned by the platform team' },
      manualProvisioning: true,
      app: {},
    });
    expect(sent.credentials).toMatchObject({ userNameTemplate: { type: 'BUILT_IN' } });
    expect(sent.profile).toEqual({ ...(before.profile as JsonObject) });
    expect(sent._links).toBeUndefined();

    const after = standIn.apps()[0] as JsonObject;
    expect(after.visibility).toEqual(before.visibility);
    expect(after.settings).toMatchObject({ manualProvisioning: true });
    expect(after.profile).toMatchObject({ costCenter: 'R&D' });
  });

  it('restores the policy a replace reset', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    standIn.behaviours.resetPolicyOnUpdate = true;
    standIn.requests.length = 0;

    const renamed = withSpec(setup.app, { label: 'Hello World (v2)' });
    const updated = await setup.appHandler.update(
      context,
      renamed,
      created,
      changesBetween(setup, renamed, created),
    );

    expect(writesOf(standIn)).toEqual([
      `PUT /api/v1/apps/${created.id}`,
      expect.stringMatching(new RegExp(`^PUT /api/v1/apps/${created.id}/policies/rst`)),
    ]);
    expect(standIn.assignedPolicyName(created.id)).toBe('Password only');
    expect(updated.spec.accessPolicy).toBe('Password only');
    expect(lines).toContain(
      'warning okta: Okta reset the sign-in policy of app "Hello World (SPA)" (okta.apps.spa) to "Default Policy" when the app was updated; assigning "Password only" again',
    );
  });

  it('leaves a kept policy alone', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    standIn.requests.length = 0;

    const renamed = withSpec(setup.app, { label: 'Hello World (v2)' });
    await setup.appHandler.update(
      context,
      renamed,
      created,
      changesBetween(setup, renamed, created),
    );

    expect(writesOf(standIn)).toEqual([`PUT /api/v1/apps/${created.id}`]);
    expect(lines.filter((line) => line.startsWith('warning'))).toEqual([]);
  });

  it('assigns a changed policy without replacing', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    standIn.requests.length = 0;

    const stricter = withSpec(setup.app, { accessPolicy: 'Any two factors' });
    const updated = await setup.appHandler.update(
      context,
      stricter,
      created,
      changesBetween(setup, stricter, created),
    );

    expect(writesOf(standIn)).toEqual([
      expect.stringMatching(new RegExp(`^PUT /api/v1/apps/${created.id}/policies/rst`)),
    ]);
    expect(updated.spec.accessPolicy).toBe('Any two factors');
  });

  it('reverts drift made in the console', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    standIn.editApp(created.id, (app) => {
      ((app.credentials as JsonObject).oauthClient as JsonObject).pkce_required = false;
      app.status = 'INACTIVE';
    });

    const drifted = await setup.appHandler.observe(context, setup.app);
    const changes = changesBetween(setup, setup.app, drifted as Observation);
    expect(changes.map((change) => change.path)).toEqual(['pkceRequired', 'status']);

    const fixed = await setup.appHandler.update(
      context,
      setup.app,
      drifted as Observation,
      changes,
    );
    expect(changesBetween(setup, setup.app, fixed)).toEqual([]);
    expect(standIn.findAppByClientId(created.id)?.pkceRequired).toBe(true);
    expect(standIn.findAppByClientId(created.id)?.status).toBe('ACTIVE');
  });
});

describe('okta:App ownership', () => {
  it('ignores a foreign app with the same label', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    const foreign = await createForeignApp(standIn, 'Hello World (SPA)');
    standIn.requests.length = 0;

    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();
    expect(lines).toContain(
      `warning okta: the org has 1 app(s) labeled "Hello World (SPA)" without the ownership marker of okta.apps.spa (${foreign}); they are left alone and apply creates a new app`,
    );

    const created = await setup.appHandler.create(context, setup.app);
    expect(created.id).not.toBe(foreign);
    expect((await setup.appHandler.observe(context, setup.app))?.id).toBe(created.id);
    expect(writesOf(standIn).some((write) => write.includes(foreign))).toBe(false);
    expect(standIn.apps().find((app) => app.id === foreign)?.profile).toBeUndefined();
  });

  it('ignores the marker of another environment', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const prodApp = await setup.appHandler.create(recordedContext('prod').context, setup.app);

    const { context } = recordedContext('dev');
    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();
    const devApp = await setup.appHandler.create(context, setup.app);

    expect(devApp.id).not.toBe(prodApp.id);
    expect(standIn.apps()).toHaveLength(2);
  });

  it('rejects two apps with the same marker', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const first = await setup.appHandler.create(context, setup.app);
    const copy = await createForeignApp(standIn, 'Copy', standIn.apps()[0]?.profile as JsonObject);

    const error = await setup.appHandler
      .observe(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain([first.id, copy].sort().join(', '));
  });

  it('refuses to delete an app without the marker', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const foreign = await createForeignApp(standIn, 'Someone else');
    standIn.requests.length = 0;

    const error = await setup.appHandler
      .delete(context, { id: foreign, spec: {}, outputs: {}, ownership: 'owned' })
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect(writesOf(standIn)).toEqual([]);
  });

  it('deletes an already deleted app quietly', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    await setup.appHandler.delete(context, created);

    await setup.appHandler.delete(context, created);

    expect(lines).toContain(`info okta: app ${created.id} is already deleted`);
  });
});

describe('okta:App pagination', () => {
  it('finds its app on a later page', async () => {
    const standIn = await startStandIn({ pageSize: 2 });
    const setup = setUp(standIn);
    const { context } = recordedContext();
    for (const label of ['One', 'Two', 'Three', 'Four', 'Five']) {
      await createForeignApp(standIn, label);
    }
    const created = await setup.appHandler.create(context, setup.app);
    standIn.requests.length = 0;

    const observed = await setup.appHandler.observe(context, setup.app);

    expect(observed?.id).toBe(created.id);
    const pages = standIn.requests.filter(
      (request) => request.method === 'GET' && request.path === '/api/v1/apps',
    );
    expect(pages.map((request) => request.query.after ?? 'first')).toEqual([
      'first',
      expect.stringMatching(/^0oa/),
      expect.stringMatching(/^0oa/),
    ]);
  });
});

describe('okta:App create', () => {
  it('converges after a lost create response', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    standIn.faults.dropAfterAction({ match: { method: 'POST', path: '/api/v1/apps' } });

    const lost = await setup.appHandler
      .create(context, setup.app)
      .catch((caught: unknown) => caught);
    expect((lost as ProviderError).code).toBe('UNAVAILABLE');
    expect((lost as ProviderError).retryable).toBe(true);
    expect(standIn.apps()).toHaveLength(1);

    const created = await setup.appHandler.create(context, setup.app);

    expect(standIn.apps()).toHaveLength(1);
    expect(created.id).toBe(standIn.apps()[0]?.id);
    expect(standIn.assignedPolicyName(created.id)).toBe('Password only');
    expect(lines).toContain(
      `info okta: app "Hello World (SPA)" (okta.apps.spa) already exists with id ${created.id} from an earlier apply; updating it`,
    );
  });

  it('rejects an unknown sign-in policy before writing', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn, sectionFor(standIn.url, { accessPolicy: 'Passwordless' }));
    const { context } = recordedContext();

    const error = await setup.appHandler
      .create(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toBe(
      'okta.apps.spa.accessPolicy: no app sign-in policy (ACCESS_POLICY) is named "Passwordless"; the org has "Any two factors", "Default Policy", "One factor access", "Password only". Pick one of those, or create the policy in Okta (Security > Authentication Policies).',
    );
    expect(writesOf(standIn)).toEqual([]);
  });

  it('rejects an unknown authorization server', async () => {
    const standIn = await startStandIn();
    const section = { ...sectionFor(standIn.url), authorizationServerId: 'aus1234567890ABCDEFg' };
    const setup = setUp(standIn, section);
    const { context } = recordedContext();

    const error = await setup.appHandler
      .create(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain(
      'the org has no authorization server "aus1234567890ABCDEFg"',
    );
    expect(writesOf(standIn)).toEqual([]);
  });

  it('reads issuer and audience from the server', async () => {
    const standIn = await startStandIn({
      authorizationServers: [
        { id: 'default' },
        {
          id: 'aus1234567890ABCDEFg',
          audiences: ['api://messages'],
          issuer: 'http://127.0.0.1:9/oidc',
        },
      ],
    });
    const section = { ...sectionFor(standIn.url), authorizationServerId: 'aus1234567890ABCDEFg' };
    const setup = setUp(standIn, section);
    const { context } = recordedContext();

    const created = await setup.appHandler.create(context, setup.app);

    expect(created.outputs.issuer).toBe('http://127.0.0.1:9/oidc');
    expect(created.outputs.audience).toBe('api://messages');
  });
});

/** Creates an app through the API without the marker (or with `profile`), as another tool would. */
async function createForeignApp(
  standIn: { url: string; apiToken: string },
  label: string,
  profile?: JsonObject,
): Promise<string> {
  const response = await fetch(`${standIn.url}/api/v1/apps`, {
    method: 'POST',
    headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'oidc_client',
      label,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'none' } },
      settings: {
        oauthClient: {
          application_type: 'browser',
          grant_types: ['authorization_code'],
          redirect_uris: ['https://elsewhere.example/cb'],
        },
      },
      ...(profile ? { profile } : {}),
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}
