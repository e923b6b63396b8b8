// The smoke test's parts without the action. The tests cover the aliases and function URLs it
// selects, the judging of a /health response, the retry loop against a loopback server, the
// rollback decision and the failure message. A recording `AliasClient` replaces Lambda.
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AliasClient, AliasTarget, SmokeTarget } from '../../actions/apply/aliases.ts';
import { aliasTargets, smokeTargets } from '../../actions/apply/aliases.ts';
import {
  excerptOf,
  healthUrl,
  judgeHealth,
  probeHealth,
  waitForHealth,
} from '../../actions/apply/health.ts';
import {
  decideRollback,
  failureMessage,
  liveVersion,
  runSmokeTest,
  summaryLines,
} from '../../actions/apply/smoke.ts';
import type { OutputValue, Plan, PlannedResource } from '../../actions/engine/plan-model.ts';
import { emptyCounts } from '../../actions/engine/plan-model.ts';
import { startServer } from '../helpers/servers.ts';

const arn = 'arn:aws:lambda:us-east-1:123456789012:function:example-backend-dev';
const healthyBody = JSON.stringify({ status: 'ok', version: '1.2.3', database: 'ok' });
const degradedBody = JSON.stringify({
  status: 'degraded',
  version: '1.2.3',
  database: 'unavailable',
});

function resource(address: string, kind: string): PlannedResource {
  return {
    address,
    provider: 'aws',
    kind,
    name: address,
    action: 'no-op',
    changes: [],
    dependsOn: [],
  };
}

function planOf(resources: PlannedResource[]): Plan {
  return {
    version: 1,
    environment: 'dev',
    prune: false,
    resources,
    pruned: [],
    summary: { changes: false, total: emptyCounts(), byProvider: {} },
    outputs: {},
  };
}

const plan = planOf([
  resource('aws.functions.api', 'aws:lambda:Function'),
  resource('aws.functions.worker', 'aws:lambda:Function'),
  resource('aws.functions.fresh', 'aws:lambda:Function'),
  resource('aws.functionUrls.api', 'aws:lambda:FunctionUrl'),
  resource('aws.functionUrls.latest', 'aws:lambda:FunctionUrl'),
  resource('aws.roles.lambda', 'aws:iam:Role'),
]);

const workerArn = 'arn:aws:lambda:eu-west-1:123456789012:function:worker';
const outputs: Record<string, Record<string, OutputValue>> = {
  'aws.functions.api': {
    functionName: 'example-backend-dev',
    arn,
    qualifiedArn: `${arn}:live`,
    version: '7',
  },
  // No alias: the qualified ARN is the function's own.
  'aws.functions.worker': {
    functionName: 'worker',
    arn: workerArn,
    qualifiedArn: workerArn,
    version: '3',
  },
  // Created by this apply: nothing is known before it.
  'aws.functions.fresh': {
    functionName: { $unknown: '${aws.functions.fresh.functionName}' },
    arn: { $unknown: '${aws.functions.fresh.arn}' },
  },
  'aws.functionUrls.api': {
    url: 'http://127.0.0.1:9/',
    functionArn: `${arn}:live`,
  },
  'aws.functionUrls.latest': {
    url: 'http://127.0.0.1:10/',
    functionArn: workerArn,
  },
  'aws.roles.lambda': { arn: 'arn:aws:iam::123456789012:role/example-backend-dev' },
};

const apiTarget: AliasTarget = {
  address: 'aws.functions.api',
  functionName: 'example-backend-dev',
  alias: 'live',
  qualifiedArn: `${arn}:live`,
  region: 'us-east-1',
  version: '7',
};

/** Returns an `AliasClient` that records UpdateAlias calls and fails them when `failUpdate` is set. */
function recordingClient(failUpdate?: string) {
  const updates: string[] = [];
  const client: AliasClient = {
    getAliasVersion: () => Promise.resolve(undefined),
    updateAlias: (target, version) => {
      updates.push(`${target.functionName}:${target.alias}=${version}`);
      return failUpdate === undefined
        ? Promise.resolve()
        : Promise.reject(new Error(`Lambda UpdateAlias failed with ${failUpdate}`));
    },
    destroy: () => {},
  };
  return { client, updates };
}

/** Starts a server whose responses come from `respond`, one call per request in order. */
async function startHealthServer(respond: (count: number, response: ServerResponse) => void) {
  let count = 0;
  const server = createServer((_request, response) => {
    count += 1;
    respond(count, response);
  });
  const listening = await startServer(server);
  return { url: `${listening.url}/`, requests: () => count, close: () => listening.close() };
}

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

/** Returns a manual clock for the retry loop. */
function manualClock() {
  let current = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => current,
    sleep: (ms: number) => {
      pauses.push(ms);
      current += ms;
      return Promise.resolve();
    },
  };
}

describe('aliasTargets', () => {
  it('keeps functions with an alias', () => {
    expect(aliasTargets(plan, outputs)).toEqual([apiTarget]);
  });

  it('reads the region from the ARN', () => {
    const eu = 'arn:aws:lambda:eu-west-1:123456789012:function:worker';
    const targets = aliasTargets(plan, {
      'aws.functions.worker': {
        functionName: 'worker',
        arn: eu,
        qualifiedArn: `${eu}:blue`,
        version: 4,
      },
    });
    expect(targets).toHaveLength(1);
    expect(targets[0]?.region).toBe('eu-west-1');
    expect(targets[0]?.alias).toBe('blue');
    expect(targets[0]?.version).toBe('4');
  });
});

describe('smokeTargets', () => {
  it('matches URLs of an alias', () => {
    const found = smokeTargets(plan, outputs, aliasTargets(plan, outputs));
    expect(found).toEqual([
      { address: 'aws.functionUrls.api', url: 'http://127.0.0.1:9/', target: apiTarget },
    ]);
  });

  it('skips URLs without alias', () => {
    expect(smokeTargets(plan, outputs, [])).toEqual([]);
  });
});

describe('health URL and excerpt', () => {
  it('appends health to the URL', () => {
    expect(healthUrl('https://abc.lambda-url.us-east-1.on.aws/')).toBe(
      'https://abc.lambda-url.us-east-1.on.aws/health',
    );
    expect(healthUrl('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/health');
  });

  it('keeps one short line', () => {
    expect(excerptOf('  a\n\tb  ')).toBe('a b');
    const long = excerptOf('x'.repeat(500));
    expect(long).toHaveLength(203);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('judgeHealth', () => {
  it.each([
    ['healthy JSON', 200, healthyBody, true, undefined],
    ['degraded with database required', 200, degradedBody, true, 'database is "unavailable"'],
    ['server error', 500, healthyBody, true, 'HTTP 500'],
    ['redirect', 302, '', true, 'HTTP 302'],
    ['body not JSON', 200, '<html>', true, 'not JSON'],
    ['other JSON', 200, '{"ok":true}', true, 'not the service health JSON'],
  ])('judges %s', (_name, status, body, requireDatabase, problem) => {
    const judged = judgeHealth(status, body, requireDatabase);
    if (problem === undefined) {
      expect(judged.problem).toBeUndefined();
      expect(judged.health?.version).toBe('1.2.3');
    } else {
      expect(judged.problem).toContain(problem);
    }
  });

  it.each([
    ['the deployed version', '8', undefined],
    ['the previous version', '7', 'HTTP 200 from Lambda version 7, not the deployed version 8'],
  ])('judges an answer from %s', (_name, functionVersion, problem) => {
    const body = JSON.stringify({ ...JSON.parse(healthyBody), functionVersion });
    const judged = judgeHealth(200, body, true, '8');
    expect(judged.problem).toBe(problem);
  });

  it('accepts a body without a version', () => {
    expect(judgeHealth(200, healthyBody, true, '8').problem).toBeUndefined();
  });

  it('accepts degraded when allowed', () => {
    const judged = judgeHealth(200, degradedBody, false);
    expect(judged.problem).toBeUndefined();
    expect(judged.health?.database).toBe('unavailable');
  });
});

describe('probeHealth', () => {
  it('reports a refused connection', async () => {
    const server = await startHealthServer((_count, response) => reply(response, 200, ''));
    await server.close();
    const probe = await probeHealth(healthUrl(server.url), {
      requireDatabase: true,
      requestTimeoutMs: 5000,
    });
    expect(probe).toEqual({ kind: 'error', problem: 'network error ECONNREFUSED' });
  });

  it('reports a request timeout', async () => {
    // The server never responds; the probe gives up after 50 ms.
    const server = await startHealthServer(() => {});
    const probe = await probeHealth(healthUrl(server.url), {
      requireDatabase: true,
      requestTimeoutMs: 50,
    });
    expect(probe).toEqual({ kind: 'error', problem: 'no response within 0.05 s' });
  });

  it('does not follow redirects', async () => {
    const server = await startHealthServer((_count, response) => {
      response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      response.end();
    });
    const probe = await probeHealth(healthUrl(server.url), {
      requireDatabase: true,
      requestTimeoutMs: 5000,
    });
    expect(probe.kind).toBe('response');
    expect(probe.problem).toBe('HTTP 302');
    expect(server.requests()).toBe(1);
  });
});

describe('waitForHealth', () => {
  it('retries until healthy', async () => {
    const server = await startHealthServer((count, response) =>
      count < 3 ? reply(response, 503, 'starting') : reply(response, 200, healthyBody),
    );
    const clock = manualClock();
    const lines: string[] = [];
    const result = await waitForHealth({
      functionUrl: server.url,
      timeoutMs: 60_000,
      requireDatabase: true,
      intervalMs: 1000,
      ...clock,
      log: (line) => lines.push(line),
    });
    expect(result.healthy).toBe(true);
    expect(result.attempts).toBe(3);
    expect(clock.pauses).toEqual([1000, 1000]);
    expect(lines[0]).toBe(
      `GET ${server.url}health: attempt 1: HTTP 503: starting; retrying in 1 s (0 s of 60 s elapsed)`,
    );
  });

  it('stops at the timeout', async () => {
    const server = await startHealthServer((_count, response) =>
      reply(response, 200, degradedBody),
    );
    const clock = manualClock();
    const result = await waitForHealth({
      functionUrl: server.url,
      timeoutMs: 5000,
      requireDatabase: true,
      intervalMs: 2000,
      ...clock,
    });
    expect(result.healthy).toBe(false);
    // Attempts at 0, 2 and 4 s; a fourth at 6 s would pass the 5 s timeout.
    expect(result.attempts).toBe(3);
    expect(server.requests()).toBe(3);
    expect(result.elapsedMs).toBe(4000);
    expect(result.last.problem).toBe('HTTP 200, but database is "unavailable"');
  });
});

describe('decideRollback', () => {
  it.each([
    ['healthy', true, '6', '7', { kind: 'keep' }],
    ['healthy first deploy', true, undefined, '1', { kind: 'keep' }],
    ['moved alias', false, '6', '7', { kind: 'restore', version: '6' }],
    ['first deploy', false, undefined, '1', { kind: 'first-deploy' }],
    ['alias not moved', false, '7', '7', { kind: 'not-moved' }],
  ])('decides %s', (_name, healthy, previous, deployed, decision) => {
    expect(decideRollback(healthy, previous, deployed)).toEqual(decision);
  });
});

describe('runSmokeTest', () => {
  async function failingTarget(): Promise<SmokeTarget> {
    const server = await startHealthServer((_count, response) =>
      reply(response, 500, '{"detail":"boom"}'),
    );
    return { address: 'aws.functionUrls.api', url: server.url, target: apiTarget };
  }

  const settings = { timeoutMs: 4000, requireDatabase: true, loopbackOnly: true, intervalMs: 2000 };

  it('restores the recorded version', async () => {
    const smoke = await failingTarget();
    const { client, updates } = recordingClient();
    const report = await runSmokeTest({
      ...settings,
      ...manualClock(),
      targets: [smoke],
      previous: new Map([[apiTarget.qualifiedArn, '6']]),
      client,
      log: () => {},
    });
    expect(report.passed).toBe(false);
    expect(updates).toEqual(['example-backend-dev:live=6']);
    const outcome = report.outcomes[0]!;
    expect(outcome.rollback).toEqual({ ok: true });
    expect(liveVersion(outcome)).toBe('6');
    const message = failureMessage(report);
    expect(message).toContain(`GET ${smoke.url}health was not healthy after 3 attempt(s) in 4 s`);
    expect(message).toContain('last seen: HTTP 500: {"detail":"boom"}');
    expect(message).toContain('rolled back from version 7 to version 6');
    // The server fails every request, so the restored version fails its check too.
    expect(outcome.restoredHealth?.healthy).toBe(false);
    expect(message).toContain('Version 6 is not healthy either (HTTP 500');
    expect(summaryLines(report)).toEqual([
      `**Smoke test failed:** \`GET ${smoke.url}health\` returned HTTP 500: {"detail":"boom"}; alias \`live\` rolled back from version 7 to 6.`,
    ]);
  });

  it('reports a failed rollback', async () => {
    const smoke = await failingTarget();
    const { client, updates } = recordingClient('AccessDeniedException: not allowed');
    const report = await runSmokeTest({
      ...settings,
      ...manualClock(),
      targets: [smoke],
      previous: new Map([[apiTarget.qualifiedArn, '6']]),
      client,
      log: () => {},
    });
    expect(updates).toEqual(['example-backend-dev:live=6']);
    const outcome = report.outcomes[0]!;
    expect(outcome.rollback?.ok).toBe(false);
    expect(liveVersion(outcome)).toBe('7');
    const message = failureMessage(report);
    expect(message).toContain('AccessDeniedException: not allowed');
    expect(message).toContain('version 7 is still live');
    expect(message).toContain(
      'aws lambda update-alias --region us-east-1 --function-name example-backend-dev --name live --function-version 6',
    );
  });

  it('keeps an alias it did not move', async () => {
    const smoke = await failingTarget();
    const { client, updates } = recordingClient();
    const report = await runSmokeTest({
      ...settings,
      ...manualClock(),
      targets: [smoke],
      previous: new Map([[apiTarget.qualifiedArn, '7']]),
      client,
      log: () => {},
    });
    expect(updates).toEqual([]);
    expect(failureMessage(report)).toContain(
      'already pointed at version 7 before this apply, so nothing was rolled back',
    );
  });

  it('skips remote URLs when local', async () => {
    const { client, updates } = recordingClient();
    const lines: string[] = [];
    // Skipped before any request: nothing is sent to this host.
    const remote: SmokeTarget = {
      address: 'aws.functionUrls.api',
      url: 'https://abc.lambda-url.us-east-1.on.aws/',
      target: apiTarget,
    };
    const report = await runSmokeTest({
      ...settings,
      targets: [remote],
      previous: new Map(),
      client,
      log: (line) => lines.push(line),
    });
    expect(report.passed).toBe(true);
    expect(report.outcomes).toEqual([]);
    expect(updates).toEqual([]);
    expect(lines).toEqual([
      'Smoke test of https://abc.lambda-url.us-east-1.on.aws/ skipped: target is local and https://abc.lambda-url.us-east-1.on.aws/ is not on this machine',
    ]);
  });

  it('skips when the timeout is 0', async () => {
    const smoke = await failingTarget();
    const { client } = recordingClient();
    const report = await runSmokeTest({
      ...settings,
      timeoutMs: 0,
      targets: [smoke],
      previous: new Map(),
      client,
      log: () => {},
    });
    expect(report.passed).toBe(true);
    expect(report.skipped.map((skipped) => skipped.reason)).toEqual(['smoke_timeout_seconds is 0']);
  });
});
