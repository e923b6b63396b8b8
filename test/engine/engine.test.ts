import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import type { Plan } from '../../actions/engine/plan-model.ts';
import type { EngineError } from '../../actions/engine/runtime.ts';
import { createWorld, seedConfig, seedSections } from './world.ts';

describe('plan', () => {
  it('creates everything from empty', async () => {
    const world = createWorld();
    const plan = await world.engine.plan(seedConfig());
    expect(plan.resources.map((resource) => [resource.address, resource.action])).toEqual([
      ['aws.roles.lambda', 'create'],
      ['aws.functions.api', 'create'],
      ['aws.functionUrls.api', 'create'],
      ['okta.apps.spa', 'create'],
    ]);
    expect(plan.summary.changes).toBe(true);
    expect(plan.summary.total.create).toBe(4);
    expect(plan.summary.byProvider).toEqual({
      aws: { create: 3, update: 0, replace: 0, delete: 0, 'no-op': 0, conflict: 0 },
      okta: { create: 1, update: 0, replace: 0, delete: 0, 'no-op': 0, conflict: 0 },
    });
  });

  it('defers the field that closes the cycle', async () => {
    const world = createWorld();
    const plan = await world.engine.plan(seedConfig());
    const api = plan.resources.find((resource) => resource.address === 'aws.functions.api');
    expect(api?.deferred).toEqual([{ path: 'environment', after: ['okta.apps.spa'] }]);
    expect(api?.dependsOn).toEqual(['aws.roles.lambda']);
  });

  it('shows values known after apply', async () => {
    const world = createWorld();
    const plan = await world.engine.plan(seedConfig());
    const api = plan.resources.find((resource) => resource.address === 'aws.functions.api')!;
    const role = api.changes.find((change) => change.path === 'role');
    expect(role?.after).toEqual({ $unknown: '${aws.roles.lambda.arn}' });
    const url = plan.resources.find((resource) => resource.address === 'aws.functionUrls.api')!;
    // A spec field of another resource is known before apply.
    expect(url.changes.find((change) => change.path === 'name')?.after).toBe('backend-dev');
  });

  it('makes no write', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const writes = world.cloud.writes().length;
    const sections = seedSections() as { aws: { functions: { api: { memorySize: number } } } };
    sections.aws.functions.api.memorySize = 1024;
    const plan = await world.engine.plan(seedConfig({ sections, prune: true }));
    expect(plan.summary.changes).toBe(true);
    expect(world.cloud.writes().length).toBe(writes);
  });

  it('is deterministic', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const changed = seedSections() as { aws: { functions: { api: { memorySize: number } } } };
    changed.aws.functions.api.memorySize = 1024;
    const first = JSON.stringify(await world.engine.plan(seedConfig({ sections: changed })));
    const second = JSON.stringify(await world.engine.plan(seedConfig({ sections: changed })));
    expect(first).toBe(second);
  });

  it('skips observe when identity is unknown', async () => {
    const world = createWorld();
    await world.engine.plan(seedConfig());
    const observed = world.cloud.calls
      .filter((call) => call.method === 'observe')
      .map((call) => call.address);
    // The function URL's name is a spec field, so it is known; the app has no identity rule.
    expect(observed).toEqual([
      'aws.roles.lambda',
      'aws.functions.api',
      'aws.functionUrls.api',
      'okta.apps.spa',
    ]);
    const sections = seedSections() as { aws: { functionUrls: { api: { name: string } } } };
    sections.aws.functionUrls.api.name = '${aws.functions.api.arn}';
    world.cloud.calls.length = 0;
    await world.engine.plan(seedConfig({ sections }));
    expect(
      world.cloud.calls.filter((call) => call.method === 'observe').map((call) => call.address),
    ).not.toContain('aws.functionUrls.api');
  });
});

describe('apply', () => {
  it('converges from empty', async () => {
    const world = createWorld();
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(result.succeeded).toBe(true);
    const again = await world.engine.plan(seedConfig());
    expect(again.summary.changes).toBe(false);
    expect(again.resources.every((resource) => resource.action === 'no-op')).toBe(true);
  });

  it('rejects a plan applied twice', async () => {
    const world = createWorld();
    const plan = await world.engine.plan(seedConfig());
    await world.engine.apply(plan);
    const writes = world.cloud.writes().length;
    const error = (await world.engine
      .apply(plan)
      .catch((caught: unknown) => caught)) as EngineError;
    expect(error.code).toBe('ERR_PLAN_APPLIED');
    expect(world.cloud.writes().length).toBe(writes);
  });

  it('rejects a plan from JSON', async () => {
    const world = createWorld();
    const plan = JSON.parse(JSON.stringify(await world.engine.plan(seedConfig()))) as Plan;
    const error = (await world.engine
      .apply(plan)
      .catch((caught: unknown) => caught)) as EngineError;
    expect(error.code).toBe('ERR_PLAN_FOREIGN');
  });

  it('follows the dependency order', async () => {
    const world = createWorld({ concurrency: 4 });
    await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(world.cloud.writes().map((call) => `${call.method} ${call.address}`)).toEqual([
      'create aws.roles.lambda',
      'create aws.functions.api',
      'create aws.functionUrls.api',
      'create okta.apps.spa',
      'update aws.functions.api',
    ]);
  });

  it('applies deferred fields last', async () => {
    const world = createWorld();
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    const created = world.cloud.ofKind('aws:lambda:Function')[0]!;
    const app = world.cloud.ofKind('okta:App')[0]!;
    expect(created.spec.environment).toEqual({ OKTA_CLIENT_ID: `client-${app.id}` });
    const update = world.cloud.writes().find((call) => call.method === 'update');
    // The function was created without the field, so the whole object is written.
    expect(update?.changes).toEqual(['environment']);
    expect(result.outputs['okta.apps.spa']?.clientId).toBe(`client-${app.id}`);
  });

  it('resolves embedded references', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const url = world.cloud.ofKind('aws:lambda:Url')[0]!;
    const app = world.cloud.ofKind('okta:App')[0]!;
    expect(app.spec.redirectUris).toEqual([
      'http://localhost:8000/cb',
      `https://${url.id}.lambda-url.example/cb`,
    ]);
  });

  it('bounds parallelism', async () => {
    const world = createWorld({ concurrency: 2 });
    const roles: Record<string, unknown> = {};
    for (let index = 0; index < 8; index++) {
      roles[`r${index}`] = { name: `role-${index}` };
    }
    const plan = await world.engine.plan(seedConfig({ sections: { aws: { roles } } }));
    world.cloud.maxInFlight = 0;
    await world.engine.apply(plan);
    expect(world.cloud.ofKind('aws:iam:Role')).toHaveLength(8);
    expect(world.cloud.maxInFlight).toBe(2);
  });

  it('runs independent resources in parallel', async () => {
    const world = createWorld({ concurrency: 8 });
    const roles: Record<string, unknown> = {};
    for (let index = 0; index < 8; index++) {
      roles[`r${index}`] = { name: `role-${index}` };
    }
    const plan = await world.engine.plan(seedConfig({ sections: { aws: { roles } } }));
    world.cloud.maxInFlight = 0;
    await world.engine.apply(plan);
    expect(world.cloud.maxInFlight).toBe(8);
  });

  it('updates a changed field', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const sections = seedSections() as { aws: { functions: { api: { memorySize: number } } } };
    sections.aws.functions.api.memorySize = 1024;
    const plan = await world.engine.plan(seedConfig({ sections }));
    const api = plan.resources.find((resource) => resource.address === 'aws.functions.api');
    expect(api?.action).toBe('update');
    expect(api?.changes).toEqual([{ path: 'memorySize', before: 512, after: 1024 }]);
    await world.engine.apply(plan);
    expect(world.cloud.ofKind('aws:lambda:Function')[0]?.spec.memorySize).toBe(1024);
  });

  it('replaces on a replace-only field', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const before = world.cloud.ofKind('aws:iam:Role')[0]!.id;
    const sections = seedSections() as { aws: { roles: { lambda: Record<string, unknown> } } };
    sections.aws.roles.lambda.path = '/service/';
    const plan = await world.engine.plan(seedConfig({ sections }));
    const role = plan.resources.find((resource) => resource.address === 'aws.roles.lambda');
    expect(role?.action).toBe('replace');
    expect(role?.replaceBecause).toEqual(['path']);
    // The function's role ARN changes with the new role.
    expect(
      plan.resources.find((resource) => resource.address === 'aws.functions.api')?.action,
    ).toBe('update');
    const result = await world.engine.apply(plan);
    expect(result.succeeded).toBe(true);
    const roles = world.cloud.ofKind('aws:iam:Role');
    expect(roles).toHaveLength(1);
    expect(roles[0]?.id).not.toBe(before);
    expect(world.cloud.ofKind('aws:lambda:Function')[0]?.spec.role).toBe(
      `arn:fake:${roles[0]?.id}`,
    );
    expect((await world.engine.plan(seedConfig({ sections }))).summary.changes).toBe(false);
  });
});

describe('retries', () => {
  it('retries throttling with backoff', async () => {
    const world = createWorld();
    world.cloud.interceptor = (call, attempt) =>
      call.method === 'create' && call.address === 'aws.roles.lambda' && attempt <= 2
        ? new ProviderError('THROTTLED', 'Rate exceeded', { vendorCode: 'Throttling' })
        : undefined;
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(result.succeeded).toBe(true);
    // Full jitter with random() = 0.5: half of 500 ms, then half of 1000 ms.
    expect(world.sleeps).toEqual([250, 500]);
    expect(world.lines).toContain(
      'warning: create aws.roles.lambda failed with THROTTLED (Throttling): Rate exceeded. Retrying in 250 ms, attempt 2 of 5.',
    );
    expect(world.lines.some((line) => line.includes('attempt 3 of 5'))).toBe(true);
  });

  it('honours retryAfterMs', async () => {
    const world = createWorld();
    world.cloud.interceptor = (call, attempt) =>
      call.method === 'create' && call.address === 'okta.apps.spa' && attempt === 1
        ? new ProviderError('THROTTLED', 'Too many requests', {
            vendorCode: 'E0000047',
            retryAfterMs: 7_000,
          })
        : undefined;
    await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(world.sleeps).toEqual([7_000]);
  });

  it('gives up after max attempts', async () => {
    const world = createWorld({ retry: { maxAttempts: 3 } });
    world.cloud.interceptor = (call) =>
      call.method === 'create' && call.address === 'aws.roles.lambda'
        ? new ProviderError('UNAVAILABLE', 'Service unavailable')
        : undefined;
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(result.succeeded).toBe(false);
    expect(world.sleeps).toHaveLength(2);
    const role = result.resources.find((resource) => resource.address === 'aws.roles.lambda');
    expect(role?.status).toBe('failed');
    expect(role?.message).toContain(
      'create aws.roles.lambda failed [UNAVAILABLE]: Service unavailable',
    );
    const api = result.resources.find((resource) => resource.address === 'aws.functions.api');
    expect(api?.status).toBe('skipped');
  });

  it('does not retry invalid requests', async () => {
    const world = createWorld();
    world.cloud.interceptor = (call) =>
      call.method === 'create' && call.address === 'okta.apps.spa'
        ? new ProviderError('INVALID', 'redirect_uris: invalid')
        : undefined;
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(world.sleeps).toEqual([]);
    expect(result.resources.find((resource) => resource.address === 'okta.apps.spa')?.status).toBe(
      'failed',
    );
    // The function exists, but its deferred environment waited for the app.
    expect(
      result.resources.find((resource) => resource.address === 'aws.functions.api')?.status,
    ).toBe('failed');
  });

  it('observes before retrying a create', async () => {
    const world = createWorld();
    // The vendor creates the role but the response is lost: the first attempt times out.
    world.cloud.interceptor = (call, attempt) => {
      if (call.method === 'create' && call.address === 'aws.roles.lambda' && attempt === 1) {
        world.cloud.seed(
          'aws:iam:Role',
          { name: 'backend-dev', policy: {} },
          'dev/aws.roles.lambda',
        );
        return new ProviderError('TIMEOUT', 'socket hang up');
      }
      return undefined;
    };
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(result.succeeded).toBe(true);
    expect(world.cloud.ofKind('aws:iam:Role')).toHaveLength(1);
    expect(world.cloud.ofKind('aws:iam:Role')[0]?.spec.policy).toEqual(
      seedSections().aws !== undefined
        ? (seedSections() as { aws: { roles: { lambda: { policy: unknown } } } }).aws.roles.lambda
            .policy
        : undefined,
    );
  });
});

describe('crash recovery', () => {
  it('converges after a crash mid-apply', async () => {
    const world = createWorld();
    world.cloud.interceptor = (call) =>
      call.method === 'create' && call.address === 'okta.apps.spa'
        ? new Error('process killed')
        : undefined;
    const first = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(first.succeeded).toBe(false);
    expect(world.cloud.ofKind('aws:lambda:Function')).toHaveLength(1);

    world.cloud.interceptor = undefined;
    const replan = await world.engine.plan(seedConfig());
    expect(replan.resources.map((resource) => [resource.address, resource.action])).toEqual([
      ['aws.roles.lambda', 'no-op'],
      ['aws.functions.api', 'update'],
      ['aws.functionUrls.api', 'no-op'],
      ['okta.apps.spa', 'create'],
    ]);
    const second = await world.engine.apply(replan);
    expect(second.succeeded).toBe(true);
    for (const kind of ['aws:iam:Role', 'aws:lambda:Function', 'aws:lambda:Url', 'okta:App']) {
      expect(world.cloud.ofKind(kind), kind).toHaveLength(1);
    }
    expect((await world.engine.plan(seedConfig())).summary.changes).toBe(false);
  });
});

describe('ownership', () => {
  it('reports a foreign resource as a conflict', async () => {
    const world = createWorld();
    world.cloud.seed('aws:iam:Role', { name: 'backend-dev' });
    const plan = await world.engine.plan(seedConfig());
    const role = plan.resources.find((resource) => resource.address === 'aws.roles.lambda');
    expect(role?.action).toBe('conflict');
    expect(role?.conflict).toContain('without this environment');
    expect(plan.summary.total.conflict).toBe(1);
    const error = (await world.engine
      .apply(plan)
      .catch((caught: unknown) => caught)) as EngineError;
    expect(error.code).toBe('ERR_PLAN_CONFLICT');
    expect(world.cloud.writes()).toEqual([]);
  });

  it('adopts a provably ours resource', async () => {
    const world = createWorld();
    const stored = world.cloud.seed(
      'aws:iam:Role',
      (seedSections() as { aws: { roles: { lambda: never } } }).aws.roles.lambda,
      'provable',
    );
    const plan = await world.engine.plan(seedConfig());
    const role = plan.resources.find((resource) => resource.address === 'aws.roles.lambda');
    expect(role?.action).toBe('update');
    expect(role?.adopt).toBe('the fake cloud says so');
    await world.engine.apply(plan);
    expect(stored.marker).toBe('dev/aws.roles.lambda');
    expect(world.cloud.ofKind('aws:iam:Role')).toHaveLength(1);
  });

  it('treats another environment as foreign', async () => {
    const world = createWorld();
    world.cloud.seed('aws:iam:Role', { name: 'backend-dev' }, 'prod/aws.roles.lambda');
    const plan = await world.engine.plan(seedConfig());
    expect(plan.resources[0]?.action).toBe('conflict');
  });
});

describe('prune', () => {
  async function withLeftover(prune: boolean) {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    world.cloud.seed('aws:iam:Role', { name: 'old-role' }, 'dev/aws.roles.old');
    world.cloud.seed('aws:iam:Role', { name: 'hand-made' });
    world.cloud.seed('aws:iam:Role', { name: 'prod-role' }, 'prod/aws.roles.old');
    const plan = await world.engine.plan(seedConfig({ prune }));
    return { world, plan };
  }

  it('retains leftovers when disabled', async () => {
    const { world, plan } = await withLeftover(false);
    expect(plan.pruned).toEqual([
      expect.objectContaining({ address: 'aws.roles.old', action: 'retain', name: 'old-role' }),
    ]);
    expect(plan.summary.total.delete).toBe(0);
    expect(plan.summary.changes).toBe(false);
    await world.engine.apply(plan);
    expect(world.cloud.ofKind('aws:iam:Role')).toHaveLength(4);
  });

  it('deletes only owned leftovers', async () => {
    const { world, plan } = await withLeftover(true);
    expect(plan.pruned.map((resource) => [resource.address, resource.action])).toEqual([
      ['aws.roles.old', 'delete'],
    ]);
    expect(plan.summary.total.delete).toBe(1);
    const result = await world.engine.apply(plan);
    expect(result.succeeded).toBe(true);
    const names = world.cloud
      .ofKind('aws:iam:Role')
      .map((role) => role.spec.name)
      .sort();
    expect(names).toEqual(['backend-dev', 'hand-made', 'prod-role']);
  });

  it('prunes the old name after a rename', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const sections = seedSections() as { aws: { roles: { lambda: { name: string } } } };
    sections.aws.roles.lambda.name = 'backend-dev-renamed';
    const plan = await world.engine.plan(seedConfig({ sections, prune: true }));
    expect(plan.resources[0]?.action).toBe('create');
    expect(plan.pruned[0]?.reason).toContain('old name');
    await world.engine.apply(plan);
    expect(world.cloud.ofKind('aws:iam:Role').map((role) => role.spec.name)).toEqual([
      'backend-dev-renamed',
    ]);
  });

  it('deletes dependents first', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const plan = await world.engine.plan(seedConfig({ sections: {}, prune: true }));
    expect(plan.pruned.map((resource) => resource.kind)).toEqual([
      'okta:App',
      'aws:lambda:Url',
      'aws:lambda:Function',
      'aws:iam:Role',
    ]);
  });
});

describe('secrets', () => {
  function secretSections() {
    const sections = seedSections() as {
      aws: { functions: { api: { environment: Record<string, string> } } };
    };
    sections.aws.functions.api.environment.DB_PASSWORD = '${secret:env:DB_PASSWORD}';
    return sections;
  }

  it('masks secrets in plans and logs', async () => {
    const world = createWorld({
      secrets: { resolve: () => Promise.resolve('correct-horse-battery') },
    });
    const plan = await world.engine.plan(seedConfig({ sections: secretSections() }));
    const text = JSON.stringify(plan);
    expect(text).not.toContain('correct-horse-battery');
    const result = await world.engine.apply(plan);
    expect(result.succeeded).toBe(true);
    const fn = world.cloud.ofKind('aws:lambda:Function')[0]!;
    expect((fn.spec.environment as Record<string, string>).DB_PASSWORD).toBe(
      'correct-horse-battery',
    );
    fn.spec.environment = { ...(fn.spec.environment as object), DB_PASSWORD: 'drifted-value' };
    const drift = await world.engine.plan(seedConfig({ sections: secretSections() }));
    const change = drift.resources.find((resource) => resource.address === 'aws.functions.api')
      ?.changes[0];
    expect(change).toEqual({
      path: 'environment.DB_PASSWORD',
      before: '(sensitive)',
      after: '(sensitive)',
      sensitive: true,
    });
    expect(world.lines.join('\n')).not.toContain('correct-horse-battery');
  });

  it('reports the secret to mask', async () => {
    const masked: string[] = [];
    const world = createWorld({
      secrets: { resolve: () => Promise.resolve('correct-horse-battery') },
      onSecret: (value) => masked.push(value),
    });
    await world.engine.plan(seedConfig({ sections: secretSections() }));
    expect(masked).toEqual(['correct-horse-battery']);
  });

  it('rejects apply without the secret', async () => {
    const world = createWorld();
    const plan = await world.engine.plan(seedConfig({ sections: secretSections() }));
    expect(
      world.lines.some((line) =>
        line.startsWith('warning: ${secret:env:DB_PASSWORD} is not available'),
      ),
    ).toBe(true);
    const error = (await world.engine
      .apply(plan)
      .catch((caught: unknown) => caught)) as EngineError;
    expect(error.code).toBe('ERR_SECRET_UNRESOLVED');
    expect(world.cloud.writes()).toEqual([]);
  });

  it('masks sensitive outputs', async () => {
    const world = createWorld();
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    expect(result.outputs['okta.apps.spa']?.clientSecret).toBe('(sensitive)');
    const plan = await world.engine.plan(seedConfig());
    expect(plan.outputs['okta.apps.spa']?.clientSecret).toBe('(sensitive)');
  });

  it('masks a field fed by a sensitive output', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const sections = seedSections() as {
      aws: { functions: { api: { environment: Record<string, string> } } };
    };
    sections.aws.functions.api.environment.OKTA_SECRET = '${okta.apps.spa.clientSecret}';
    const plan = await world.engine.plan(seedConfig({ sections }));
    expect(JSON.stringify(plan)).not.toContain('very-secret');
    const api = plan.resources.find((resource) => resource.address === 'aws.functions.api');
    expect(api?.changes[0]?.sensitive).toBe(true);
  });
});
