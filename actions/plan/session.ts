// The inputs and the reconcile session that the plan and apply actions share. A session reads the
// inputs, assumes the role through GitHub OIDC and reads the Atlas and Okta credentials. It then
// loads the config and plans it with the providers of `actions/stack.ts`, as the CLI does.
import { relative, resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as core from '@actions/core';
import { environmentFile, readRawEnvironment } from '../engine/config/environments.ts';
import { loadConfig } from '../engine/config/load.ts';
import type { LoadedConfig, LoadResult } from '../engine/config/load.ts';
import type { Target } from '../engine/config/placeholders.ts';
import { ConfigError } from '../engine/config/problems.ts';
import { createEngine } from '../engine/engine.ts';
import type { ApplyResult, Plan } from '../engine/plan-model.ts';
import type { Logger, Provider } from '../engine/provider.ts';
import {
  StepSkipped,
  annotateProblems,
  assumeRoleWithGitHubOidc,
  createRunnerSecretResolver,
  input,
  maskSecretForms,
  readCredentialVariables,
  readInputs,
  readRunContext,
  runnerLogger,
  withProviderGroups,
} from '../github/index.ts';
import type { AwsCredentials, CredentialSource, InputValues, RunContext } from '../github/index.ts';
import {
  regionFromConfig,
  resolveCredentialSecret,
  resolveRoleArn,
} from '../github/config-defaults.ts';
import type { GitHubRoleKind } from '../github/config-defaults.ts';
import { credentialKeys } from '../github/vendor-credentials.ts';
import { createProviders, disposeProviders } from '../stack.ts';
import type { StackOptions } from '../stack.ts';

/** Inputs of both actions. `role_arn` is the plan role for plan and the deploy role for apply. */
export const reconcileInputs = {
  environment: input.text({
    pattern: /^[a-z][a-z0-9-]*$/,
    rule: 'a config name such as dev',
    fix: 'Use the name of a file in the config folder without .yaml, such as dev.',
  }),
  config_dir: input.text({ default: 'config', fix: 'Name the folder of the config files.' }),
  role_arn: input.optional(
    input.roleArn({
      fix: 'Set the variable that holds the role ARN, or leave it empty to use the role the config declares.',
    }),
  ),
  aws_region: input.optional(
    input.region({ fix: 'Use the region of the roles, or leave it empty for aws.region.' }),
  ),
  atlas_secret: input.optional(
    input.text({
      fix: 'Name the Secrets Manager secret with the Atlas credentials, or leave it empty to read them from the step env or the config secret ending in /atlas.',
    }),
  ),
  okta_secret: input.optional(
    input.text({
      fix: 'Name the Secrets Manager secret with the Okta credentials, or leave it empty to read them from the step env or the config secret ending in /okta.',
    }),
  ),
  github_token: input.optional(
    input.text({ secret: true, fix: 'Pass ${{ github.token }} or leave it empty.' }),
  ),
  target: input.choice(['cloud', 'local'], {
    default: 'cloud',
    fix: 'Use cloud; local is only for runs against the stand-ins.',
  }),
  parallelism: input.integer({
    default: 4,
    min: 1,
    max: 32,
    fix: 'Use a number of vendor calls in flight, such as 4.',
  }),
};

export type ReconcileInputs = InputValues<typeof reconcileInputs>;

/** A planned session. Call `apply` to apply its plan, and `dispose` when done. */
export interface Session {
  readonly inputs: ReconcileInputs;
  readonly context: RunContext;
  /** The role assumed: the `role_arn` input, or the one the config declares. */
  readonly roleArn: string;
  /** The region of the STS and Secrets Manager calls: `aws_region`, or the config's `aws.region`. */
  readonly region: string;
  /** The role's temporary credentials, for calls the engine does not make. */
  readonly credentials: AwsCredentials;
  readonly plan: Plan;
  /** Applies `plan`, with each provider's log lines in one group. */
  apply(): Promise<ApplyResult>;
  dispose(): void;
}

type Environment = Record<string, string | undefined>;

/**
 * Renames credential keys for the providers: the glue reads `ATLAS_*` keys, but the Atlas
 * provider reads `MONGODB_ATLAS_*` variables.
 */
export function providerVariables(variables: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key.startsWith('ATLAS_') ? `MONGODB_${key}` : key,
      value,
    ]),
  );
}

/** The inputs that name an environment's config: its folder, the environment and the target. */
export interface ConfigInputs {
  readonly config_dir: string;
  readonly environment: string;
  readonly target: Target;
}

/** An environment's config as its file reads, and as the providers validated it. */
export interface ValidatedConfig {
  readonly raw: unknown;
  readonly config: LoadedConfig;
  /** Warnings; an error would have thrown. */
  readonly problems: LoadResult['problems'];
}

/**
 * Reads and validates an environment's config with inert providers, so a config problem stops a
 * run before any request. Throws `ConfigError`, which `runAction` annotates at each line.
 */
export async function validateConfig(
  inputs: ConfigInputs,
  env: Environment,
  cwd: string,
): Promise<ValidatedConfig> {
  const raw = await readRawEnvironment(resolve(cwd, inputs.config_dir), inputs.environment);
  const providers = createProviders({ env, target: inputs.target, raw, cwd, purpose: 'validate' });
  try {
    const result = await configLoader(inputs, cwd)(providers);
    return { raw, config: result.config!, problems: result.problems };
  } finally {
    disposeProviders(providers);
  }
}

/**
 * Returns a function that loads the config with `providers`. It throws `ConfigError`, which the
 * one catch annotates at each line.
 */
function configLoader(inputs: ConfigInputs, cwd: string) {
  return async (providers: Provider[]) => {
    const result = await loadConfig({
      configDir: resolve(cwd, inputs.config_dir),
      environment: inputs.environment,
      providers,
      target: inputs.target,
      displayRoot: cwd,
    });
    if (result.config === undefined) {
      throw new ConfigError(result.problems);
    }
    return result;
  };
}

async function load(
  inputs: ReconcileInputs,
  options: Omit<StackOptions, 'purpose'>,
  cwd: string,
): Promise<{ config: LoadedConfig; providers: Provider[] }> {
  // The second load, as in the CLI: providers with real credentials may compare config with them.
  const check = configLoader(inputs, cwd);
  const providers = createProviders({ ...options, purpose: 'reconcile' });
  try {
    const second = await check(providers);
    // Warnings only: an error would have thrown.
    annotateProblems(second.problems);
    return { config: second.config!, providers };
  } catch (error) {
    disposeProviders(providers);
    throw error;
  }
}

/**
 * Raised for a pull request when the config sets `aws.github.pullRequests: false`: the plan role
 * does not trust pull requests, so there is no cloud plan, and the step passes with a notice.
 */
export class PullRequestPlansOff extends StepSkipped {
  override readonly name = 'PullRequestPlansOff';

  constructor(readonly environment: string) {
    super(
      'Plan skipped',
      `Cloud plans of pull requests into ${environment} are off: the config sets aws.github.pullRequests to false, so the plan role does not trust pull requests. A pull request runs its own code with that role, which can read the vendor credentials. Set pullRequests: true only when those secrets hold read-only credentials, or review the plan of the push instead.`,
    );
  }
}

/**
 * Reads the inputs and credentials, loads the config and plans it. Never writes to a vendor.
 * `role` names the config's GitHub role to assume when the `role_arn` input is empty.
 */
export async function planSession(
  role: GitHubRoleKind,
  env: Environment = process.env,
): Promise<Session> {
  // Config and artifact paths are relative to the checkout, as on the runner.
  const cwd = env.GITHUB_WORKSPACE?.trim() || process.cwd();
  const inputs = readInputs(reconcileInputs);
  const context = readRunContext(env);
  const validated = await validateConfig(inputs, env, cwd);
  const rawConfig = validated.raw;
  const github = (validated.config.sections.aws as { github?: { pullRequests?: boolean } })?.github;
  if (
    role === 'plan' &&
    context.eventName.startsWith('pull_request') &&
    github?.pullRequests === false
  ) {
    throw new PullRequestPlansOff(inputs.environment);
  }
  const configFile = relative(
    cwd,
    environmentFile(resolve(cwd, inputs.config_dir), inputs.environment),
  );
  const roleArn = resolveRoleArn(inputs.role_arn, rawConfig, role, configFile);
  const region = inputs.aws_region ?? regionFromConfig(rawConfig) ?? 'us-east-1';
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  const credentials = await assumeRoleWithGitHubOidc({
    roleArn,
    region,
    context,
    env,
    ...(endpoint === undefined ? {} : { stsEndpoint: endpoint }),
  });
  const secretsManager = new SecretsManagerClient({
    region,
    credentials,
    maxAttempts: 3,
    ...(endpoint === undefined ? {} : { endpoint }),
  });
  let providers: Provider[] = [];
  const dispose = () => {
    disposeProviders(providers);
    secretsManager.destroy();
  };
  try {
    const vendors: Record<string, string> = {};
    const keys = Object.keys(credentialKeys);
    // Only the vendors the config has a section for: a config without okta needs no Okta token.
    const sections = validated.config.sections as Record<string, unknown>;
    for (const [vendor, secretId] of [
      ['atlas', resolveCredentialSecret(inputs.atlas_secret, rawConfig, 'atlas', env, keys)],
      ['okta', resolveCredentialSecret(inputs.okta_secret, rawConfig, 'okta', env, keys)],
    ] as const) {
      if (sections[vendor] === undefined) {
        continue;
      }
      const source: CredentialSource =
        secretId === undefined
          ? { from: 'env', env }
          : { from: 'secretsManager', secretId, client: secretsManager };
      Object.assign(vendors, await readCredentialVariables(source, [vendor]));
    }
    const stackEnv: Environment = {
      ...env,
      ...providerVariables(vendors),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };
    const loaded = await load(
      inputs,
      { env: stackEnv, target: inputs.target, raw: rawConfig, cwd, onSecret: maskSecretForms },
      cwd,
    );
    providers = loaded.providers;
    const secrets = createRunnerSecretResolver({ env: stackEnv, secretsManager });
    const names = providers.map((provider) => provider.name);
    // The engine keeps the logger it is created with, and each phase gets its own groups.
    let current: Logger = runnerLogger;
    const log: Logger = {
      info: (message) => current.info(message),
      debug: (message) => current.debug(message),
      warning: (message) => current.warning(message),
    };
    const grouped = <T>(body: () => Promise<T>): Promise<T> =>
      withProviderGroups(names, async (groupLog) => {
        current = groupLog;
        try {
          return await body();
        } finally {
          current = runnerLogger;
        }
      });
    const engine = createEngine(providers, {
      log,
      concurrency: inputs.parallelism,
      secrets,
      onSecret: maskSecretForms,
    });
    const plan = await grouped(() => engine.plan(loaded.config));
    core.info(`Planned ${inputs.environment}: ${planSummary(plan)}.`);
    return {
      inputs,
      context,
      roleArn,
      region,
      credentials,
      plan,
      apply: () => grouped(() => engine.apply(plan)),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** Returns the `summary` output: the count of each action, such as `2 create, 1 update`. */
export function planSummary(plan: Plan): string {
  const parts = Object.entries(plan.summary.total)
    .filter(([action, count]) => count > 0 && action !== 'no-op')
    .map(([action, count]) => `${count} ${action}`);
  return parts.length === 0 ? 'no changes' : parts.join(', ');
}
