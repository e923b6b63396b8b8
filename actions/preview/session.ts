// The preview action's session. Inputs, run context and config are checked first. Then the job
// assumes the preview role through GitHub OIDC, reads the Okta credentials from Secrets Manager
// with it, and builds the AWS, Okta and GitHub clients that the modes use.
import { resolve } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { OwnershipMarker, ProviderContext } from '../engine/provider.ts';
import {
  resolveCredentialSecret,
  resolveRoleArn,
  roleArnFromConfig,
} from '../github/config-defaults.ts';
import {
  StepSkipped,
  ActionError,
  assumeRoleWithGitHubOidc,
  createGitHubClient,
  readInputs,
  readRunContext,
  readVendorCredentials,
  runnerLogger,
} from '../github/index.ts';
import type { CredentialSource, GitHubClient, RunContext } from '../github/index.ts';
import { credentialKeys } from '../github/vendor-credentials.ts';
import { AwsRuntime } from '../providers/aws/runtime.ts';
import type { AwsTiming } from '../providers/aws/runtime.ts';
import { createOktaPreviews } from '../providers/okta/index.ts';
import type { OktaPreviews } from '../providers/okta/index.ts';
import { loadPreviewConfig } from './config.ts';
import type { PreviewConfig } from './config.ts';
import { readPreviewPullRequest } from './event.ts';
import type { PreviewPullRequest } from './event.ts';
import { previewInputs } from './inputs.ts';
import type { PreviewInputs } from './inputs.ts';
import type { PreviewIdentity } from './names.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/** Everything a mode needs: checked inputs and config, and clients with the preview role. */
export interface PreviewSession {
  readonly inputs: PreviewInputs;
  readonly context: RunContext;
  readonly config: PreviewConfig;
  /** The run's pull request; set for deploy and remove, never for sweep. */
  readonly pullRequest: PreviewPullRequest | undefined;
  /** Directory that artifact paths are relative to: the checkout. */
  readonly workspace: string;
  readonly aws: AwsRuntime;
  /** Undefined when the config has no `okta:` section. */
  readonly okta: OktaPreviews | undefined;
  readonly github: GitHubClient;
  /** The context the AWS and Okta calls log and wait with. */
  readonly provider: ProviderContext;
  /** Returns the identity of pull request `number`'s preview in this repository and environment. */
  identityOf(number: number): PreviewIdentity;
  dispose(): void;
}

/** Options for tests: the clock and sleep of waits, and shorter AWS timing. */
export interface SessionOptions {
  readonly env?: Environment;
  readonly now?: () => Date;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly timing?: Partial<AwsTiming>;
}

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * Checks AWS_ENDPOINT_URL and OKTA_ORG_URL against the target, as the stack does for the plan:
 * `local` sends requests only to stand-ins on loopback, `cloud` never to a stand-in.
 */
function checkEndpoints(env: Environment, target: 'cloud' | 'local'): void {
  const problems: string[] = [];
  for (const name of ['AWS_ENDPOINT_URL', 'OKTA_ORG_URL']) {
    const value = read(env, name);
    if (target === 'local' && (value === undefined || !isLoopback(value))) {
      problems.push(
        value === undefined ? `${name} is not set` : `${name} is ${value}, not loopback`,
      );
    }
    if (target === 'cloud' && value !== undefined && isLoopback(value)) {
      problems.push(`${name} points at ${value}, a local stand-in`);
    }
  }
  if (problems.length > 0) {
    const fix =
      target === 'local'
        ? 'Target local needs both variables set to stand-ins on 127.0.0.1.'
        : 'Unset these variables to use the real clouds, or set input target to local.';
    throw new ActionError('ERR_RUN_CONTEXT', `${problems.join('; ')}. ${fix}`);
  }
}

function checkBaseBranch(pull: PreviewPullRequest, config: PreviewConfig, configFile: string) {
  if (pull.baseRef !== '' && pull.baseRef !== config.branch) {
    throw new ActionError(
      'ERR_RUN_CONTEXT',
      `Pull request #${pull.number} targets branch ${pull.baseRef}, but ${configFile} is the config of branch ${config.branch}. Pass the environment whose branch the pull request targets.`,
    );
  }
}

/** Raised when the config declares no preview role and no `role_arn` is given: previews are off. */
export class PreviewsDisabled extends StepSkipped {
  override readonly name = 'PreviewsDisabled';

  constructor(readonly configFile: string) {
    super(
      'Preview skipped',
      `Previews are off: ${configFile} declares no aws.github.previewRole and no role_arn was given. To turn them on, add aws.github.previewRole to the config and run npm run bootstrap for it.`,
    );
  }
}

/** Reads and checks everything, then assumes the role and builds the clients. */
export async function openPreviewSession(options: SessionOptions = {}): Promise<PreviewSession> {
  const env = options.env ?? process.env;
  const workspace = read(env, 'GITHUB_WORKSPACE') ?? process.cwd();
  const inputs = readInputs(previewInputs);
  const context = readRunContext(env);
  const pullRequest =
    inputs.mode === 'sweep' ? undefined : readPreviewPullRequest(context, inputs.mode, env);
  const config = await loadPreviewConfig(inputs, workspace, env);
  if (pullRequest !== undefined) {
    checkBaseBranch(pullRequest, config, `${inputs.config_dir}/${inputs.environment}.yaml`);
  }
  checkEndpoints(env, inputs.target);
  const endpoint = read(env, 'AWS_ENDPOINT_URL');

  const configFile = `${inputs.config_dir}/${inputs.environment}.yaml`;
  if (
    inputs.role_arn === undefined &&
    roleArnFromConfig(config.declared, 'preview') === undefined
  ) {
    throw new PreviewsDisabled(configFile);
  }
  const roleArn = resolveRoleArn(inputs.role_arn, config.declared, 'preview', configFile);
  const region = inputs.aws_region ?? config.region;
  const credentials = await assumeRoleWithGitHubOidc({
    roleArn,
    region,
    context,
    env,
    ...(endpoint === undefined ? {} : { stsEndpoint: endpoint }),
  });
  const github = createGitHubClient({ token: inputs.github_token, baseUrl: context.apiUrl });
  const aws = new AwsRuntime({
    region: config.region,
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
  });
  const dispose = () => aws.clients.destroy();
  try {
    const okta = config.okta === undefined ? undefined : await oktaPreviews();
    const environment = config.environment;
    const provider: ProviderContext = {
      environment,
      log: runnerLogger,
      now: options.now ?? (() => new Date()),
      sleep:
        options.sleep ??
        ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds))),
      marker: (address): OwnershipMarker => ({ managedBy: 'gitops', environment, address }),
    };
    return {
      inputs,
      context,
      config,
      pullRequest,
      workspace: resolve(workspace),
      aws,
      okta,
      github,
      provider,
      identityOf: (number) => ({ repository: context.repository, number, environment }),
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }

  async function oktaPreviews(): Promise<OktaPreviews> {
    const secretsManager = new SecretsManagerClient({
      region,
      credentials,
      maxAttempts: 3,
      ...(endpoint === undefined ? {} : { endpoint }),
    });
    try {
      const secretId = resolveCredentialSecret(
        inputs.okta_secret,
        config.declared,
        'okta',
        env,
        Object.keys(credentialKeys),
      );
      const source: CredentialSource =
        secretId === undefined
          ? { from: 'env', env }
          : { from: 'secretsManager', secretId, client: secretsManager };
      const { okta } = await readVendorCredentials(source, ['okta']);
      const orgUrl = read(env, 'OKTA_ORG_URL') ?? config.okta?.orgUrl ?? '';
      if (okta === undefined) {
        throw new ActionError('ERR_SECRET_INVALID', 'The Okta credentials could not be read.');
      }
      return createOktaPreviews(
        okta.type === 'apiToken'
          ? { orgUrl, token: okta.token }
          : {
              orgUrl,
              clientId: okta.clientId,
              privateKey: okta.privateKey,
              ...(okta.keyId === undefined ? {} : { keyId: okta.keyId }),
            },
      );
    } finally {
      secretsManager.destroy();
    }
  }
}
