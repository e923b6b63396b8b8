// Benchmarks of the reconcile engine on the seed config (config/dev.yaml), with the real providers
// and SDKs against the AWS, Atlas and Okta stand-ins on 127.0.0.1. They count the HTTP requests a
// no-op plan sends per resource and per prunable kind, and time that plan and an apply from
// empty. Waits are excluded: the engine's sleep returns at once and moves the stand-ins' clock.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { loadConfig } from '../../actions/engine/config/load.ts';
import type { LoadedConfig } from '../../actions/engine/config/load.ts';
import { createEngine } from '../../actions/engine/engine.ts';
import type { Provider, ResourceHandler } from '../../actions/engine/provider.ts';
import { createProviders, disposeProviders } from '../../actions/stack.ts';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { adminCredentials, startAwsStandIn } from '../stand-ins/aws/index.ts';
import { startOktaStandIn } from '../stand-ins/okta/index.ts';

const repository = new URL('../../', import.meta.url);
const planRuns = 7;
const atlasAccount = { clientId: 'mdb_sa_id_bench', clientSecret: 'mdb_sa_sk_bench-secret' };

interface Counts {
  aws: number;
  atlas: number;
  okta: number;
}

/** HTTP requests per vendor, counted by the stand-ins. */
type Counter = () => Counts & { writes: number };

function difference(after: Counts, before: Counts): number {
  return after.aws - before.aws + (after.atlas - before.atlas) + (after.okta - before.okta);
}

/**
 * Wraps every handler's observe and list to record the requests each call sent. Only exact with
 * concurrency 1, when no two calls overlap.
 */
function instrument(providers: readonly Provider[], count: Counter) {
  const observes = new Map<string, number>();
  const lists = new Map<string, number>();
  const wrap = (handler: ResourceHandler): ResourceHandler => ({
    ...handler,
    observe: async (context, resource) => {
      const before = count();
      try {
        return await handler.observe(context, resource);
      } finally {
        observes.set(resource.address, difference(count(), before));
      }
    },
    ...(handler.list === undefined
      ? {}
      : {
          list: async (context) => {
            const before = count();
            try {
              return await handler.list!(context);
            } finally {
              lists.set(handler.kind, difference(count(), before));
            }
          },
        }),
  });
  const wrapped = providers.map((provider): Provider => ({
    ...provider,
    handlers: Object.fromEntries(
      Object.entries(provider.handlers).map(([kind, handler]) => [kind, wrap(handler)]),
    ),
  }));
  return { providers: wrapped, observes, lists };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export default async function engineBench(): Promise<string> {
  let clock = Date.UTC(2026, 5, 15, 12, 0, 0);
  const now = () => clock;
  const aws = await startAwsStandIn({ now, seed: 'bench' });
  const atlas = await startAtlasStandIn({ now, serviceAccounts: [atlasAccount] });
  const okta = await startOktaStandIn({ now: () => new Date(clock), seed: 11 });
  const workspace = await mkdtemp(join(tmpdir(), 'engine-bench-'));
  const created: Provider[] = [];
  try {
    await mkdir(join(workspace, 'config'));
    for (const file of ['dev.yaml', 'prod.yaml']) {
      await copyFile(new URL(`config/${file}`, repository), join(workspace, 'config', file));
    }
    await mkdir(join(workspace, 'dist/service'), { recursive: true });
    const emptyZip = Buffer.alloc(22);
    emptyZip.write('PK\x05\x06', 0, 'binary');
    await writeFile(join(workspace, 'dist/service/lambda.zip'), emptyZip);

    const env = {
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: adminCredentials.secretAccessKey,
      ATLAS_BASE_URL: atlas.url,
      MONGODB_ATLAS_CLIENT_ID: atlasAccount.clientId,
      MONGODB_ATLAS_CLIENT_SECRET: atlasAccount.clientSecret,
      OKTA_ORG_URL: okta.url,
      OKTA_API_TOKEN: okta.apiToken,
    };
    const raw: unknown = parse(await readFile(join(workspace, 'config/dev.yaml'), 'utf8'));
    const count: Counter = () => ({
      aws: aws.requests.entries.length,
      atlas: atlas.requests.length,
      okta: okta.requests.length,
      writes:
        aws.requests.writes().length +
        atlas.writes().length +
        okta.requests.filter((request) => request.write).length,
    });
    const newProviders = () => {
      const providers = createProviders({
        env,
        target: 'local',
        purpose: 'reconcile',
        raw,
        cwd: workspace,
      });
      created.push(...providers);
      return providers;
    };
    const loaded = await loadConfig({
      configDir: join(workspace, 'config'),
      environment: 'dev',
      providers: newProviders(),
      target: 'local',
      displayRoot: workspace,
    });
    const config: LoadedConfig = loaded.config!;
    const engineFor = (providers: readonly Provider[], concurrency: number) =>
      createEngine(providers, {
        log: { info: () => undefined, debug: () => undefined, warning: () => undefined },
        concurrency,
        now: () => new Date(clock),
        sleep: (milliseconds) => {
          clock += milliseconds;
          return Promise.resolve();
        },
        random: () => 0.5,
      });

    // Apply from empty.
    const applyEngine = engineFor(newProviders(), 4);
    const planStarted = performance.now();
    const firstPlan = await applyEngine.plan(config);
    const firstPlanMs = performance.now() - planStarted;
    const beforeApply = count();
    const applyStarted = performance.now();
    const result = await applyEngine.apply(firstPlan);
    const applyMs = performance.now() - applyStarted;
    const afterApply = count();
    if (!result.succeeded) {
      throw new Error(`the bench apply failed: ${JSON.stringify(result.resources)}`);
    }

    // One instrumented no-op plan, one call at a time, to attribute requests to resources.
    const instrumented = instrument(newProviders(), count);
    const beforeCounted = count();
    const counted = await engineFor(instrumented.providers, 1).plan(config);
    const afterCounted = count();
    if (counted.summary.changes) {
      throw new Error('the no-op plan after apply still has changes');
    }

    // Timed no-op plans with fresh providers (so each pays its own STS check and token).
    const timings = { 1: [] as number[], 4: [] as number[] };
    for (const concurrency of [1, 4] as const) {
      for (let run = 0; run < planRuns; run++) {
        const engine = engineFor(newProviders(), concurrency);
        const started = performance.now();
        await engine.plan(config);
        timings[concurrency].push(performance.now() - started);
      }
    }

    const resources = counted.resources.length;
    const observeRows = counted.resources.map(
      (resource) =>
        `| \`${resource.address}\` | ${resource.kind} | ${instrumented.observes.get(resource.address) ?? 0} |`,
    );
    const listRows = [...instrumented.lists.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([kind, requests]) => `| ${kind} | ${requests} |`);
    const observeTotal = [...instrumented.observes.values()].reduce((sum, value) => sum + value, 0);
    const listTotal = [...instrumented.lists.values()].reduce((sum, value) => sum + value, 0);
    const planTotal = difference(afterCounted, beforeCounted);

    return [
      '## Engine: plan and apply of the seed config',
      '',
      `\`config/dev.yaml\` (${resources} resources in 3 providers) with the real providers and SDKs against the AWS, Atlas and Okta stand-ins on 127.0.0.1. Waits are excluded: the engine's sleep returns at once and moves the stand-ins' clock. Requests are HTTP requests the stand-ins received, including the Atlas token request and the AWS provider's one STS GetCallerIdentity account check.`,
      '',
      '| Measure | Value |',
      '| --- | ---: |',
      `| Apply from empty: time (parallelism 4, after a ${firstPlanMs.toFixed(0)} ms plan) | ${applyMs.toFixed(0)} ms |`,
      `| Apply from empty: requests, of which writes | ${difference(afterApply, beforeApply)}, ${afterApply.writes - beforeApply.writes} |`,
      `| No-op plan: median time, parallelism 1 (${planRuns} runs) | ${median(timings[1]).toFixed(0)} ms |`,
      `| No-op plan: median time, parallelism 4 (${planRuns} runs) | ${median(timings[4]).toFixed(0)} ms |`,
      `| No-op plan: requests in all | ${planTotal} |`,
      `| No-op plan: requests by observe (per resource: ${(observeTotal / resources).toFixed(1)}) | ${observeTotal} |`,
      `| No-op plan: requests by list, for pruning (${instrumented.lists.size} prunable kinds) | ${listTotal} |`,
      `| No-op plan: writes | ${afterCounted.writes - beforeCounted.writes} |`,
      '',
      'Requests per resource during the no-op plan (observe, one call at a time):',
      '',
      '| Resource | Kind | Requests |',
      '| --- | --- | ---: |',
      ...observeRows,
      '',
      'Requests per prunable kind (list):',
      '',
      '| Kind | Requests |',
      '| --- | ---: |',
      ...listRows,
      '',
      `Compared with Terraform: \`terraform plan\` refreshes each resource recorded in its state file, which takes one or more provider read calls per resource, comparable to the observe column above, plus reading the state file (and, with a remote backend, taking and releasing a lock). It never lists, because the state file defines what it owns. This engine keeps no state file: it pays the list calls above instead, once per prunable kind, to find owned resources that left the config, and has no state to read, lock or write back. The first observe of each provider also carries its set-up: the AWS account check (STS GetCallerIdentity) and the Atlas token request. On loopback a request takes well under a millisecond, so these times measure the engine, providers and SDKs rather than the network, and parallelism gains little here; against the clouds, where each request takes tens of milliseconds (an estimate, not measured here), it matters more.`,
    ].join('\n');
  } finally {
    disposeProviders(created);
    await Promise.all([aws.close(), atlas.close(), okta.close()]);
    await rm(workspace, { recursive: true, force: true });
  }
}
