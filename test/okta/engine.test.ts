// The Okta provider under the real engine: plan (no writes), apply, and a second plan with
// nothing left to do, against the stand-in over HTTP.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../actions/engine/engine.ts';
import { createOktaProvider } from '../../actions/providers/okta/index.ts';
import { frozenNow, recordedContext, sectionFor, startStandIn, writesOf } from './helpers.ts';

function engineFor(orgUrl: string, token: string) {
  const { context, lines, sleeps } = recordedContext();
  const provider = createOktaProvider({ orgUrl, token });
  const engine = createEngine([provider], {
    log: context.log,
    now: () => frozenNow,
    sleep: (milliseconds) => context.sleep(milliseconds),
    random: () => 0,
  });
  return { engine, provider, lines, sleeps };
}

describe('okta provider under the engine', () => {
  it('plans, applies and converges', async () => {
    const standIn = await startStandIn();
    const { engine, provider } = engineFor(standIn.url, standIn.apiToken);
    const section = provider.schema.parse(sectionFor(standIn.url));
    const config = { environment: 'dev', prune: false, sections: { okta: section } };

    const plan = await engine.plan(config);
    expect(writesOf(standIn)).toEqual([]);
    expect(plan.resources.map((resource) => [resource.address, resource.action])).toEqual([
      ['okta.apps.spa', 'create'],
      ['okta.trustedOrigins.docs', 'create'],
    ]);

    const result = await engine.apply(plan);
    expect(result.succeeded).toBe(true);
    const [app] = standIn.apps();
    expect(result.outputs['okta.apps.spa']).toEqual({
      id: app?.id,
      clientId: app?.id,
      issuer: `${standIn.url}/oauth2/default`,
      audience: 'api://default',
    });

    standIn.requests.length = 0;
    const again = await engine.plan(config);
    expect(again.summary.changes).toBe(false);
    expect(again.resources.map((resource) => resource.action)).toEqual(['no-op', 'no-op']);
    expect(writesOf(standIn)).toEqual([]);
  });

  it('retries a throttled observe', async () => {
    const standIn = await startStandIn();
    const { engine, provider, sleeps } = engineFor(standIn.url, standIn.apiToken);
    const section = provider.schema.parse(sectionFor(standIn.url));
    standIn.faults.throttle({ times: 1, resetInSeconds: 3, match: { path: '/api/v1/apps' } });

    const plan = await engine.plan({
      environment: 'dev',
      prune: false,
      sections: { okta: section },
    });

    expect(plan.resources.map((resource) => resource.action)).toEqual(['create', 'create']);
    expect(standIn.requests.filter((request) => request.status === 429)).toHaveLength(1);
    // The engine waited for the reset Okta announced, not for a guessed backoff.
    expect(sleeps).toEqual([3000]);
  });

  it('plans a conflict for a foreign origin', async () => {
    const standIn = await startStandIn();
    const { engine, provider } = engineFor(standIn.url, standIn.apiToken);
    const section = provider.schema.parse(sectionFor(standIn.url));
    await fetch(`${standIn.url}/api/v1/trustedOrigins`, {
      method: 'POST',
      headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Added by hand',
        origin: 'https://abc123.lambda-url.us-east-1.on.aws',
        scopes: [{ type: 'CORS' }],
      }),
    });

    const plan = await engine.plan({
      environment: 'dev',
      prune: false,
      sections: { okta: section },
    });

    expect(plan.resources.find((resource) => resource.kind === 'okta:TrustedOrigin')?.action).toBe(
      'conflict',
    );
  });
});
