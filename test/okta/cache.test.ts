// The SDK's response cache is off for reconciling. The first tests show the stale reads the
// default cache produces against the same stand-in, which is why it must be off.
import { Client, RequestExecutor } from '@okta/okta-sdk-nodejs';
import { describe, expect, it } from 'vitest';
import { recordedContext, setUp, startStandIn } from './helpers.ts';

describe('okta SDK default cache', () => {
  it('serves a stale app after a console edit', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const created = await setup.appHandler.create(recordedContext().context, setup.app);
    const cached = new Client({
      orgUrl: standIn.url,
      token: standIn.apiToken,
      requestExecutor: new RequestExecutor(),
    });

    await cached.applicationApi.getApplication({ appId: created.id });
    standIn.editApp(created.id, (app) => {
      app.label = 'Renamed in the console';
    });
    const again = await cached.applicationApi.getApplication({ appId: created.id });

    expect(again.label).toBe('Hello World (SPA)');
    expect(standIn.apps()[0]?.label).toBe('Renamed in the console');
  });

  it('serves a stale app after a JSON PUT', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const created = await setup.appHandler.create(recordedContext().context, setup.app);
    const cached = new Client({
      orgUrl: standIn.url,
      token: standIn.apiToken,
      requestExecutor: new RequestExecutor(),
    });
    const url = `${standIn.url}/api/v1/apps/${created.id}`;
    const before = await cached.http.getJson(url);

    // The provider replaces apps with a JSON PUT through the SDK's http layer, which does not
    // tell the cache which object it changed.
    const request = { body: JSON.stringify({ ...before, label: 'Replaced' }) };
    await cached.http.putJson(url, request as Parameters<typeof cached.http.putJson>[1]);
    const after = await cached.http.getJson(url);

    expect(after.label).toBe('Hello World (SPA)');
    expect(standIn.apps()[0]?.label).toBe('Replaced');
  });
});

describe('okta provider without cache', () => {
  it('sees a console edit on the next read', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    await setup.appHandler.observe(context, setup.app);

    standIn.editApp(created.id, (app) => {
      app.label = 'Renamed in the console';
    });
    const observed = await setup.appHandler.observe(context, setup.app);

    expect(observed?.spec.label).toBe('Renamed in the console');
  });

  it('reads the assignment it just made', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    standIn.requests.length = 0;

    const twoFactors = {
      ...setup.app,
      spec: { ...setup.app.spec, accessPolicy: 'Any two factors' },
    };
    const updated = await setup.appHandler.update(context, twoFactors, created, [
      { path: 'accessPolicy', before: 'Password only', after: 'Any two factors' },
    ]);

    expect(updated.spec.accessPolicy).toBe('Any two factors');
    const appReads = standIn.requests.filter(
      (request) => request.method === 'GET' && request.path === `/api/v1/apps/${created.id}`,
    );
    // Read before, after the status check, and after assigning: every one reached the server.
    expect(appReads).toHaveLength(3);
  });
});
