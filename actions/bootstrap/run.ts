// `npm run bootstrap`: the one run with admin AWS credentials that creates what the workflows need
// before their first run. It validates the config, plans and applies only the `aws.github`
// resources through the engine, stores the vendor credentials in Secrets Manager, and prints (and
// optionally sets) the GitHub variables. Every check runs before the first write.
import { resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CliIo } from '../cli/io.ts';
import { stderrLogger } from '../cli/io.ts';
import { readRawEnvironment } from '../engine/config/environments.ts';
import { loadConfig } from '../engine/config/load.ts';
import type { LoadedConfig } from '../engine/config/load.ts';
import { formatProblem } from '../engine/config/problems.ts';
import { createEngine } from '../engine/engine.ts';
import type { Engine } from '../engine/engine.ts';
import type { Plan } from '../engine/plan-model.ts';
import type { Logger } from '../engine/provider.ts';
import { renderApplyText, renderPlanText } from '../engine/render/text.ts';
import { createAwsProvider } from '../providers/aws/index.ts';
import type { AwsSection } from '../providers/aws/index.ts';
import type { GitHubConfig } from '../providers/aws/schema.ts';
import { createProviders, disposeProviders } from '../stack.ts';
import type { BootstrapArguments } from './args.ts';
import { UsageError, parseBootstrapArguments, usage } from './args.ts';
import { BootstrapError, awsConnection, checkUnmanagedOidcProvider, githubApiUrl } from './aws.ts';
import type { AwsConnection } from './aws.ts';
import { applySecretChange, describeSecretChange, planSecrets, vendorOfSecret } from './secrets.ts';
import type { SecretPlan } from './secrets.ts';
import { githubOnlyProvider } from './subset.ts';
import { formatVariables, repositoryVariables, setVariables } from './variables.ts';
import type { GitHubTarget, RoleArns } from './variables.ts';

/** The process surface of a bootstrap run, injectable for tests. */
export interface BootstrapIo extends CliIo {
  /** Asks a yes/no question on the terminal; absent when stdin is not a terminal. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export interface BootstrapOptions {
  /** Test hooks: frozen clock and instant sleep for the engine. */
  readonly engineOverrides?: {
    now?: () => Date;
    sleep?: (milliseconds: number) => Promise<void>;
    random?: () => number;
  };
}

interface Session {
  readonly args: BootstrapArguments;
  readonly io: BootstrapIo;
  readonly log: Logger;
  readonly options: BootstrapOptions;
}

/** Loads and validates the whole config, printing every problem. */
async function loadValidConfig(session: Session): Promise<LoadedConfig | undefined> {
  const { args, io } = session;
  const configDir = resolve(io.cwd, args.configDir);
  const raw = await readRawEnvironment(configDir, args.env);
  const providers = createProviders({ env: io.env, target: args.target, purpose: 'validate', raw });
  const result = await loadConfig({
    configDir,
    environment: args.env,
    providers,
    target: args.target,
    displayRoot: io.cwd,
  });
  for (const problem of result.problems) {
    io.stderr.write(`${formatProblem(problem)}\n`);
  }
  return result.config;
}

function githubSection(
  config: LoadedConfig,
  file: string,
): { aws: AwsSection; github: GitHubConfig } {
  const aws = config.sections.aws as AwsSection | undefined;
  if (aws?.github === undefined) {
    throw new BootstrapError(
      `${file} has no aws.github section, so there is nothing to bootstrap. Add aws.github (see config/README.md) and run again.`,
    );
  }
  return { aws, github: aws.github };
}

function roleArn(
  outputs: Plan['outputs'],
  role: 'plan' | 'deploy' | 'preview',
  fallback: string,
): string {
  const arn = outputs[`aws.githubRoles.${role}`]?.arn;
  return typeof arn === 'string' ? arn : fallback;
}

/** Takes each role ARN from the outputs; before the first apply, from the account and name. */
function roleArns(aws: AwsSection, github: GitHubConfig, outputs: Plan['outputs']): RoleArns {
  const arnOf = (name: string) => `arn:aws:iam::${aws.accountId}:role/${name}`;
  return {
    plan: roleArn(outputs, 'plan', arnOf(github.planRole.roleName)),
    deploy: roleArn(outputs, 'deploy', arnOf(github.deployRole.roleName)),
    preview:
      github.previewRole === undefined
        ? undefined
        : roleArn(outputs, 'preview', arnOf(github.previewRole.roleName)),
  };
}

/** Asks before writing, unless `--yes`. Without a terminal, `--yes` is required. */
async function confirmed(session: Session, question: string): Promise<boolean> {
  if (session.args.yes) {
    return true;
  }
  if (session.io.confirm === undefined) {
    throw new BootstrapError(
      'there are changes to apply, but stdin is not a terminal to confirm them. Review the plan above, then run again with --yes.',
    );
  }
  return session.io.confirm(question);
}

function printSecretPlan(session: Session, secrets: SecretPlan): void {
  // Planned writes are listed before the confirmation, so the question covers them too.
  for (const change of secrets.changes) {
    session.log.info(describeSecretChange(change, true));
  }
  for (const name of secrets.skipped) {
    session.log.info(
      `secret ${name}: not an Atlas or Okta credential secret (its last path segment is not atlas or okta), so bootstrap leaves it alone`,
    );
  }
}

/**
 * Returns where to set the variables, or `undefined` when no token was given. Checks the token
 * variable and the API URL before anything is written.
 */
function githubTarget(session: Session, github: GitHubConfig): GitHubTarget | undefined {
  const { args, io } = session;
  if (args.githubTokenEnv === undefined || args.dryRun) {
    return undefined;
  }
  const token = io.env[args.githubTokenEnv];
  if (token === undefined || token === '') {
    throw new BootstrapError(
      `--github-token-env names ${args.githubTokenEnv}, which is not set. Export a token with the Variables (read and write) and Environments (read) repository permissions in it, or leave out --github-token-env.`,
    );
  }
  const [owner = '', repo = ''] = github.repository.split('/');
  return { token, baseUrl: githubApiUrl(io.env, args.target), repository: { owner, repo } };
}

async function publishVariables(
  session: Session,
  github: GitHubConfig,
  variables: ReturnType<typeof repositoryVariables>,
  target: GitHubTarget | undefined,
): Promise<void> {
  const { args, io } = session;
  io.stdout.write(
    `\nGitHub Actions variables of ${github.repository}:\n${formatVariables(variables)}`,
  );
  if (args.dryRun) {
    return;
  }
  if (target === undefined) {
    const environments = [...new Set(variables.flatMap((variable) => variable.environment ?? []))];
    const where =
      environments.length === 0
        ? ''
        : ` (create the environment ${environments.join(', ')} under Settings > Environments first)`;
    io.stdout.write(
      `The workflows read these values from the config, so the variables are optional overrides. To set them, use Settings > Secrets and variables > Actions${where}, or run again with --github-token-env VAR.\n`,
    );
    return;
  }
  const lines = await setVariables(target, variables);
  for (const line of lines) {
    session.log.info(line);
  }
}

/** Values and clients that the steps after validation share. */
interface Prepared {
  readonly config: LoadedConfig;
  readonly aws: AwsSection;
  readonly github: GitHubConfig;
  readonly target: GitHubTarget | undefined;
  readonly engine: Engine;
  readonly secretsClient: SecretsManagerClient;
}

function variablesFor(session: Session, prepared: Prepared, outputs: Plan['outputs']) {
  const { aws, github } = prepared;
  return repositoryVariables(
    github,
    aws.region,
    roleArns(aws, github, outputs),
    session.args.variablesScope,
  );
}

/**
 * Checks that each vendor section of the config has its credential secret in `secretNames`, the
 * entry whose last path segment names the vendor. A misspelt name would otherwise be skipped, and
 * the actions would find no credentials.
 */
function checkVendorSecrets(config: LoadedConfig, secretNames: readonly string[]): void {
  for (const vendor of ['atlas', 'okta'] as const) {
    if (config.sections[vendor] === undefined) {
      continue;
    }
    if (!secretNames.some((name) => vendorOfSecret(name) === vendor)) {
      throw new BootstrapError(
        `the config has an ${vendor} section, but no entry of aws.github.secretNames ends in /${vendor} (got ${secretNames.length === 0 ? 'none' : secretNames.join(', ')}). Add one, such as example-backend-${config.environment}/${vendor}: the actions read the ${vendor === 'atlas' ? 'Atlas' : 'Okta'} credentials from it.`,
      );
    }
  }
}

/**
 * Plans the GitHub resources and the secrets, reading only, then applies both after confirmation
 * and publishes the variables.
 */
async function reconcile(session: Session, prepared: Prepared): Promise<number> {
  const { args, io, log } = session;
  const { aws, github, config, engine, secretsClient } = prepared;
  checkVendorSecrets(config, github.secretNames ?? []);

  // Plan: the engine observes, and the secrets are read to compare.
  const plan = await engine.plan({
    environment: config.environment,
    prune: false,
    sections: { aws },
  });
  io.stdout.write(renderPlanText(plan, { color: io.stdout.isTTY === true && !io.env.NO_COLOR }));
  if (plan.summary.total.conflict > 0) {
    throw new BootstrapError(
      `${plan.summary.total.conflict} resource(s) already exist without this environment's ownership marker. Delete or rename them, or change their names in aws.github, then run again.`,
    );
  }
  const secrets = await planSecrets(secretsClient, github.secretNames ?? [], io.env);
  printSecretPlan(session, secrets);
  if (secrets.problems.length > 0) {
    for (const problem of secrets.problems) {
      io.stderr.write(`error: ${problem}\n`);
    }
    log.warning('nothing was written, because of the secret problems above');
    return 1;
  }
  const secretWrites = secrets.changes.filter(
    (change) => change.action === 'create' || change.action === 'update',
  );

  // A dry run stops before the first write.
  if (args.dryRun) {
    await publishVariables(
      session,
      github,
      variablesFor(session, prepared, plan.outputs),
      undefined,
    );
    log.info('dry run: nothing was written');
    return 0;
  }

  // Confirm, then apply the plan and write the secrets.
  const changes = plan.summary.changes || secretWrites.length > 0;
  const question = `Apply these changes to AWS account ${aws.accountId}?`;
  if (changes && !(await confirmed(session, question))) {
    log.warning('not confirmed; nothing was written');
    return 1;
  }
  let outputs: Plan['outputs'] = plan.outputs;
  if (plan.summary.changes) {
    const result = await engine.apply(plan);
    io.stdout.write(renderApplyText(result));
    if (!result.succeeded) {
      log.warning(
        'the apply failed, so no secret or variable was written; fix the error above and run again',
      );
      return 1;
    }
    outputs = result.outputs;
  }
  const description = `Credentials that GitHub Actions of ${github.repository} read for environment ${config.environment}; written by npm run bootstrap`;
  for (const change of secretWrites) {
    await applySecretChange(secretsClient, change, description);
    log.info(describeSecretChange(change, false));
  }

  // The variables the workflows read.
  await publishVariables(
    session,
    github,
    variablesFor(session, prepared, outputs),
    prepared.target,
  );
  return 0;
}

async function bootstrap(session: Session): Promise<number> {
  const { args, io, log } = session;

  // Every check that needs no request: the whole config, endpoints and the GitHub token.
  const config = await loadValidConfig(session);
  if (config === undefined) {
    log.warning(`${args.env}: the config has problems; nothing was sent to AWS or GitHub`);
    return 1;
  }
  const file = config.files[0] ?? `${args.env}.yaml`;
  const { aws, github } = githubSection(config, file);
  const connection: AwsConnection = awsConnection(io.env, aws.region, args.target);
  const target = githubTarget(session, github);
  if (!github.oidcProvider.managed) {
    await checkUnmanagedOidcProvider(connection, aws.accountId, file);
  }

  const provider = createAwsProvider({ ...connection, artifactRoot: io.cwd });
  const secretsClient = new SecretsManagerClient({ ...connection, maxAttempts: 3 });
  try {
    const engine = createEngine([githubOnlyProvider(provider)], {
      log,
      ...session.options.engineOverrides,
    });
    return await reconcile(session, { config, aws, github, target, engine, secretsClient });
  } finally {
    secretsClient.destroy();
    disposeProviders([provider]);
  }
}

/** Runs the bootstrap with `argv` (without node and the script) and returns the exit code. */
export async function runBootstrap(
  argv: readonly string[],
  io: BootstrapIo,
  options: BootstrapOptions = {},
): Promise<number> {
  let args: BootstrapArguments | undefined;
  try {
    args = parseBootstrapArguments(argv, io.env);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`bootstrap: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (args === undefined) {
    io.stdout.write(usage);
    return 0;
  }
  const session: Session = { args, io, log: stderrLogger(io, false), options };
  try {
    return await bootstrap(session);
  } catch (error) {
    const code =
      typeof (error as { code?: unknown }).code === 'string'
        ? ` [${(error as { code: string }).code}]`
        : '';
    io.stderr.write(
      `bootstrap failed${code}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}
