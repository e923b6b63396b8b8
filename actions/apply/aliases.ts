// The Lambda aliases a deploy moves and the function URLs that serve them, read from the outputs
// of the plan and of the apply result. Also the two Lambda calls behind a rollback: GetAlias
// records the version an alias points at before the apply, and UpdateAlias points it back.
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { OutputValue, Plan } from '../engine/plan-model.ts';

/** Handler kinds of the AWS provider whose outputs name functions and function URLs. */
const functionKind = 'aws:lambda:Function';
const functionUrlKind = 'aws:lambda:FunctionUrl';

type Outputs = Readonly<Record<string, Readonly<Record<string, OutputValue>>>>;

/** A function of the config that has an alias. */
export interface AliasTarget {
  /** Config address, such as `aws.functions.api`. */
  readonly address: string;
  readonly functionName: string;
  readonly alias: string;
  /** `arn:aws:lambda:{region}:{account}:function:{functionName}:{alias}`. */
  readonly qualifiedArn: string;
  readonly region: string;
  /** The version the alias points at, as the outputs report it. */
  readonly version: string;
}

/** A function URL whose qualifier is the alias of `target`. */
export interface SmokeTarget {
  /** Config address, such as `aws.functionUrls.api`. */
  readonly address: string;
  /** The URL as Lambda reports it, ending with `/`. */
  readonly url: string;
  readonly target: AliasTarget;
}

function text(value: OutputValue | undefined): string | undefined {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  return typeof value === 'number' ? String(value) : undefined;
}

function addressesOf(plan: Plan, kind: string): string[] {
  return plan.resources
    .filter((resource) => resource.kind === kind)
    .map((resource) => resource.address)
    .sort();
}

/**
 * Returns the functions with an alias whose outputs are known, sorted by address. The function
 * handler reports `qualifiedArn` as `{arn}:{alias}` when the config sets an alias, and `version`
 * as the version the alias points at. Before the apply, a function that does not exist yet has
 * unknown outputs and is left out.
 */
export function aliasTargets(plan: Plan, outputs: Outputs): AliasTarget[] {
  const targets: AliasTarget[] = [];
  for (const address of addressesOf(plan, functionKind)) {
    const values = outputs[address] ?? {};
    const functionName = text(values.functionName);
    const arn = text(values.arn);
    const qualifiedArn = text(values.qualifiedArn);
    const version = text(values.version);
    if (
      functionName === undefined ||
      arn === undefined ||
      qualifiedArn === undefined ||
      version === undefined ||
      !qualifiedArn.startsWith(`${arn}:`)
    ) {
      continue;
    }
    targets.push({
      address,
      functionName,
      alias: qualifiedArn.slice(arn.length + 1),
      qualifiedArn,
      // arn:aws:lambda:{region}:...
      region: arn.split(':')[3] ?? '',
      version,
    });
  }
  return targets;
}

/**
 * Returns the function URLs whose `functionArn` output is the qualified ARN of one of `targets`,
 * that is the URLs whose qualifier is a function's alias, sorted by address.
 */
export function smokeTargets(plan: Plan, outputs: Outputs, targets: AliasTarget[]): SmokeTarget[] {
  const byArn = new Map(targets.map((target) => [target.qualifiedArn, target]));
  const found: SmokeTarget[] = [];
  for (const address of addressesOf(plan, functionUrlKind)) {
    const values = outputs[address] ?? {};
    const url = text(values.url);
    const target = byArn.get(text(values.functionArn) ?? '');
    if (url !== undefined && target !== undefined) {
      found.push({ address, url, target });
    }
  }
  return found;
}

/** The two alias calls of a rollback, so the decision logic can be tested without Lambda. */
export interface AliasClient {
  /** Returns the version `alias` points at, or undefined when the alias does not exist. */
  getAliasVersion(target: AliasTarget): Promise<string | undefined>;
  /** Points `alias` at `version`. */
  updateAlias(target: AliasTarget, version: string): Promise<void>;
  destroy(): void;
}

export interface LambdaAliasClientOptions {
  readonly credentials: NonNullable<LambdaClientConfig['credentials']>;
  /** Endpoint URL for every region, such as a stand-in's; the regional endpoint by default. */
  readonly endpoint?: string;
}

function describeError(error: unknown): string {
  const name = (error as { name?: unknown }).name;
  const message = error instanceof Error ? error.message : String(error);
  return typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
}

/** Returns an `AliasClient` over the Lambda SDK, with one client per region. */
export function createLambdaAliasClient(options: LambdaAliasClientOptions): AliasClient {
  const clients = new Map<string, LambdaClient>();
  const clientFor = (region: string): LambdaClient => {
    let client = clients.get(region);
    if (client === undefined) {
      client = new LambdaClient({
        region,
        credentials: options.credentials,
        maxAttempts: 3,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      });
      clients.set(region, client);
    }
    return client;
  };
  return {
    async getAliasVersion(target) {
      try {
        const alias = await clientFor(target.region).send(
          new GetAliasCommand({ FunctionName: target.functionName, Name: target.alias }),
        );
        return alias.FunctionVersion;
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ResourceNotFoundException') {
          return undefined;
        }
        throw new Error(
          `Lambda GetAlias of function ${target.functionName} alias ${target.alias} failed with ${describeError(error)}. The version to roll back to is unknown, so nothing was applied. Check that the deploy role may call lambda:GetAlias on ${target.qualifiedArn}, then run again.`,
          { cause: error },
        );
      }
    },
    async updateAlias(target, version) {
      try {
        await clientFor(target.region).send(
          new UpdateAliasCommand({
            FunctionName: target.functionName,
            Name: target.alias,
            FunctionVersion: version,
          }),
        );
      } catch (error) {
        throw new Error(`Lambda UpdateAlias failed with ${describeError(error)}`, { cause: error });
      }
    },
    destroy() {
      for (const client of clients.values()) {
        client.destroy();
      }
    },
  };
}

/**
 * Records the version each target's alias points at now, by qualified ARN. An alias that does not
 * exist yet has no entry: its first deploy has nothing to roll back to.
 */
export async function recordAliasVersions(
  client: AliasClient,
  targets: readonly AliasTarget[],
): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (const target of targets) {
    const version = await client.getAliasVersion(target);
    if (version !== undefined) {
      versions.set(target.qualifiedArn, version);
    }
  }
  return versions;
}
