// Shared set-up for the AWS tests. It starts the stand-in on loopback with a manual clock and builds
// a provider context whose sleep advances that clock and a provider wired to the stand-in. A small
// apply loop resolves references and retries the way the engine does.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  SpecValue,
} from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import { createAwsProvider } from '../../actions/providers/aws/index.ts';
import type {
  AwsProvider,
  AwsProviderOptions,
  AwsSection,
} from '../../actions/providers/aws/index.ts';
import { startServer } from '../helpers/servers.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import type { AwsStandIn, AwsStandInOptions } from '../stand-ins/aws/index.ts';

/** A clock that moves only when `advance` is called; `sleep` in the test context calls it. */
export class ManualClock {
  current = Date.UTC(2026, 5, 15, 12, 0, 0);
  readonly now = (): number => this.current;
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

export interface TestContext extends ProviderContext {
  readonly lines: string[];
  readonly slept: number[];
}

/** Creates a provider context for environment `dev` whose sleep is instant and advances the clock. */
export function testContext(clock: ManualClock, environment = 'dev'): TestContext {
  const lines: string[] = [];
  const slept: number[] = [];
  return {
    environment,
    lines,
    slept,
    log: {
      info: (message) => lines.push(`info: ${message}`),
      debug: (message) => lines.push(`debug: ${message}`),
      warning: (message) => lines.push(`warning: ${message}`),
    },
    now: () => new Date(clock.now()),
    sleep: (milliseconds) => {
      slept.push(milliseconds);
      clock.advance(milliseconds);
      return Promise.resolve();
    },
    marker: (address) => ({ managedBy: 'gitops', environment, address }),
  };
}

/** Starts the stand-in on 127.0.0.1 with the manual clock; it stops when the test ends. */
export function startTestStandIn(
  clock: ManualClock,
  options: AwsStandInOptions = {},
): Promise<AwsStandIn> {
  return startAwsStandIn({ now: clock.now, listen: startServer, ...options });
}

/** Creates a folder with a build artifact at `dist/service/lambda.zip`. */
export function artifactRoot(content = 'v1'): { root: string; write(content: string): void } {
  const root = mkdtempSync(join(tmpdir(), 'gitops-aws-'));
  const write = (text: string) => {
    const path = join(root, 'dist/service/lambda.zip');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, zipWithComment(text));
  };
  write(content);
  return { root, write };
}

/** Returns an empty but valid zip file whose archive comment is `comment`, so contents can differ. */
export function zipWithComment(comment: string): Buffer {
  const text = Buffer.from(comment);
  const end = Buffer.alloc(22);
  end.write('PK\x05\x06', 0, 'binary');
  end.writeUInt16LE(text.length, 20);
  return Buffer.concat([end, text]);
}

export function testProvider(
  standIn: AwsStandIn,
  options: Partial<AwsProviderOptions> = {},
): AwsProvider {
  const config = standIn.clientConfig();
  return createAwsProvider({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
    timing: {
      pollIntervalMs: 1_000,
      rolePropagationIntervalMs: 2_000,
      rolePropagationTimeoutMs: 60_000,
    },
    ...options,
  });
}

/** Returns the dev config's aws section, with literal values in place of Okta and Atlas references. */
export function devSection(overrides: Partial<AwsSection> = {}): AwsSection {
  return {
    accountId: '123456789012',
    region: 'us-east-1',
    roles: {
      lambda: {
        roleName: 'example-backend-dev',
        description: 'Execution role of the message service',
        assumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    },
    functions: {
      api: {
        functionName: 'example-backend-dev',
        role: '${aws.roles.lambda.arn}',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        architectures: ['arm64'],
        memorySize: 512,
        timeout: 10,
        code: { artifact: 'dist/service/lambda.zip' },
        environment: {
          OKTA_ISSUER: 'https://dev-12345678.okta.com/oauth2/default',
          MONGODB_HOST: 'cluster0.example.mongodb.net',
        },
        alias: 'live',
        logRetentionInDays: 14,
      },
    },
    functionUrls: {
      api: {
        functionName: '${aws.functions.api.functionName}',
        qualifier: 'live',
        authType: 'NONE',
        cors: {
          allowOrigins: ['*'],
          allowMethods: ['*'],
          allowHeaders: ['authorization', 'content-type'],
        },
      },
    },
    budgets: {
      monthly: {
        budgetName: 'example-backend-dev-monthly',
        limitAmount: 10,
        unit: 'USD',
        thresholds: [50, 80, 100],
        subscribers: [{ subscriptionType: 'EMAIL', address: 'alerts@example.com' }],
      },
    },
    ...overrides,
  };
}

const referenceInString =
  /\$\{([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\}/g;

/** Replaces `${address.output}` references with known outputs, or `{ $unknown }` when not yet known. */
export function resolveSpec(
  value: SpecValue,
  outputs: ReadonlyMap<string, Observation['outputs']>,
): SpecValue {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\.([^.}]+)\}$/.exec(value);
    if (whole?.[1] !== undefined && whole[2] !== undefined) {
      const known = outputs.get(whole[1])?.[whole[2]];
      return known === undefined ? { $unknown: `${whole[1]}.${whole[2]}` } : known;
    }
    return value.replace(referenceInString, (match, address: string, output: string) =>
      String(outputs.get(address)?.[output] ?? match),
    );
  }
  if (Array.isArray(value)) {
    return value.map((item) => resolveSpec(item, outputs));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, SpecValue>).map(([key, item]) => [
        key,
        resolveSpec(item, outputs),
      ]),
    );
  }
  return value;
}

export function resolveResource(
  resource: DesiredResource,
  outputs: ReadonlyMap<string, Observation['outputs']>,
): DesiredResource {
  return {
    ...resource,
    spec: resolveSpec(resource.spec, outputs) as Record<string, SpecValue>,
  };
}

/** Retries retryable provider errors up to `attempts` times, as the engine's retry policy does. */
export async function retrying<T>(
  context: ProviderContext,
  run: () => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable || attempt >= attempts) {
        throw error;
      }
      await context.sleep(error.retryAfterMs ?? 1_000);
    }
  }
}

/**
 * Observes each resource in order and creates or updates it, resolving references from earlier
 * outputs. The order of `awsResources` plus the OIDC provider first is a valid dependency order
 * for the configs these tests use. Returns the outputs by address.
 */
export async function applySection(
  provider: AwsProvider,
  section: AwsSection,
  context: ProviderContext,
): Promise<Map<string, Observation['outputs']>> {
  const outputs = new Map<string, Observation['outputs']>();
  const resources = provider.resources(section);
  const ordered = [
    ...resources.filter((resource) => resource.kind === 'aws:iam:OpenIDConnectProvider'),
    ...resources.filter((resource) => resource.kind !== 'aws:iam:OpenIDConnectProvider'),
  ];
  for (const raw of ordered) {
    const handler = provider.handlers[raw.kind];
    if (handler === undefined) {
      throw new Error(`no handler for ${raw.kind}`);
    }
    const resource = resolveResource(raw, outputs);
    const observed = await retrying(context, () => handler.observe(context, resource));
    if (observed?.ownership === 'foreign' && observed.ownershipProof === undefined) {
      // The engine plans a conflict for a foreign resource without proof; it never updates it.
      throw new ProviderError(
        'NOT_OWNED',
        `${raw.address} exists without this environment's marker`,
      );
    }
    const result =
      observed === undefined
        ? await retrying(context, () => handler.create(context, resource))
        : await retrying(context, () => handler.update(context, resource, observed, []));
    outputs.set(raw.address, result.outputs);
  }
  return outputs;
}

function stable(value: unknown, path: string, sets: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => stable(item, path, sets));
    return sets.has(path) ? items.map((item) => JSON.stringify(item)).sort() : items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [
          key,
          stable(
            (value as Record<string, unknown>)[key],
            path === '' ? key : `${path}.${key}`,
            sets,
          ),
        ]),
    );
  }
  return value;
}

/**
 * Returns the top-level desired fields whose observed value differs. Like the engine, it compares
 * only desired fields and ignores list order under `set` rules. Policies arrive already normalised
 * by the handlers' observe.
 */
export function driftedFields(
  provider: AwsProvider,
  resource: DesiredResource,
  observed: Observation,
): string[] {
  const rules = provider.handlers[resource.kind]?.fields ?? {};
  const sets = new Set(
    Object.entries(rules)
      .filter(([, rule]) => rule.compare === 'set')
      .map(([path]) => path),
  );
  return Object.keys(resource.spec)
    .filter(
      (key) =>
        JSON.stringify(stable(resource.spec[key], key, sets)) !==
        JSON.stringify(stable(observed.spec[key], key, sets)),
    )
    .sort();
}

/** Observes every resource of the section and returns the drifted fields by address. */
export async function observeSection(
  provider: AwsProvider,
  section: AwsSection,
  context: ProviderContext,
  outputs: ReadonlyMap<string, Observation['outputs']>,
): Promise<Record<string, string[] | 'missing'>> {
  const report: Record<string, string[] | 'missing'> = {};
  for (const raw of provider.resources(section)) {
    const resource = resolveResource(raw, outputs);
    const handler = provider.handlers[raw.kind];
    const observed =
      handler === undefined
        ? undefined
        : await retrying(context, () => handler.observe(context, resource));
    report[raw.address] =
      observed === undefined ? 'missing' : driftedFields(provider, resource, observed);
  }
  return report;
}
