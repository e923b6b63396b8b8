// The inputs and clients of the billing action. A session reads the inputs, loads and validates
// the config before any request, assumes the role through GitHub OIDC and reads the Atlas
// credentials. It then opens the Cost Explorer, Budgets and Atlas clients the billing check reads.
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { environmentFile } from '../engine/config/environments.ts';
import { annotateProblems } from '../github/annotations.ts';
import { assumeRoleWithGitHubOidc } from '../github/aws-credentials.ts';
import { readRunContext } from '../github/context.ts';
import type { RunContext } from '../github/context.ts';
import { readInputs } from '../github/inputs.ts';
import type { InputValues } from '../github/inputs.ts';
import { maskSecretForms } from '../github/masking.ts';
import {
  regionFromConfig,
  resolveCredentialSecret,
  resolveRoleArn,
} from '../github/config-defaults.ts';
import { credentialKeys, readCredentialVariables } from '../github/vendor-credentials.ts';
import type { CredentialSource } from '../github/vendor-credentials.ts';
import { providerVariables, reconcileInputs, validateConfig } from '../plan/session.ts';
import { atlasOptionsFromEnvironment, createAtlasProvider } from '../providers/atlas/index.ts';
import type { AtlasClient, AtlasSection } from '../providers/atlas/index.ts';
import type { AwsSection } from '../providers/aws/index.ts';
import { checkEndpoints, disposeProviders } from '../stack.ts';

/** Inputs of the billing action: those of the plan action that a read of costs needs. */
export const billingInputs = {
  environment: reconcileInputs.environment,
  config_dir: reconcileInputs.config_dir,
  role_arn: reconcileInputs.role_arn,
  aws_region: reconcileInputs.aws_region,
  atlas_secret: reconcileInputs.atlas_secret,
  github_token: reconcileInputs.github_token,
  target: reconcileInputs.target,
};

export type BillingInputs = InputValues<typeof billingInputs>;

/** The clients and config of one billing check. Call `dispose` when done. */
export interface BillingSession {
  readonly inputs: BillingInputs;
  readonly context: RunContext;
  readonly aws: AwsSection;
  readonly atlas: AtlasSection;
  readonly costExplorer: CostExplorerClient;
  readonly budgets: BudgetsClient;
  readonly atlasClient: AtlasClient;
  dispose(): void;
}

type Environment = Record<string, string | undefined>;

// Cost Explorer and Budgets are global services, served from us-east-1 whatever region the
// resources are in.
const billingRegion = 'us-east-1';

/** Loads and validates the config with inert providers, so no request is sent before it passes. */
async function loadSections(
  inputs: BillingInputs,
  env: Environment,
  cwd: string,
): Promise<{ aws: AwsSection; atlas: AtlasSection }> {
  const { config, problems } = await validateConfig(inputs, env, cwd);
  annotateProblems(problems);
  const { aws, atlas } = config.sections as { aws?: AwsSection; atlas?: AtlasSection };
  if (aws === undefined || atlas === undefined) {
    throw new Error(
      `${environmentFile(inputs.config_dir, inputs.environment)} has no ${aws === undefined ? 'aws' : 'atlas'} section, so there is no account to read costs from. Add the section, or leave this environment out of the billing workflow.`,
    );
  }
  return { aws, atlas };
}

/** Reads the Atlas credentials from Secrets Manager or the step env and creates the Atlas client. */
async function atlasClientFor(
  env: Environment,
  secretsManager: SecretsManagerClient,
  secretId: string | undefined,
): Promise<{ client: AtlasClient; dispose(): void }> {
  const source: CredentialSource =
    secretId === undefined
      ? { from: 'env', env }
      : { from: 'secretsManager', secretId, client: secretsManager };
  const variables = await readCredentialVariables(source, ['atlas']);
  const atlasEnv: Environment = { ...env, ...providerVariables(variables) };
  const options = atlasOptionsFromEnvironment(atlasEnv);
  const secret =
    options.credentials.type === 'apiKey'
      ? options.credentials.privateKey
      : options.credentials.clientSecret;
  maskSecretForms(secret);
  const provider = createAtlasProvider({ ...options, onSecret: maskSecretForms });
  return { client: provider.client, dispose: () => disposeProviders([provider]) };
}

/** Reads the inputs, checks the config, assumes the role and opens the clients. Never writes. */
export async function billingSession(env: Environment = process.env): Promise<BillingSession> {
  const cwd = env.GITHUB_WORKSPACE?.trim() || process.cwd();
  const inputs = readInputs(billingInputs);
  const context = readRunContext(env);
  const sections = await loadSections(inputs, env, cwd);
  checkEndpoints(env, inputs.target);

  // The config sections stand in for the raw config: the defaults read only `aws` keys.
  const declared = { aws: sections.aws };
  const roleArn = resolveRoleArn(
    inputs.role_arn,
    declared,
    'plan',
    environmentFile(inputs.config_dir, inputs.environment),
  );
  const region = inputs.aws_region ?? regionFromConfig(declared) ?? billingRegion;
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  const credentials = await assumeRoleWithGitHubOidc({
    roleArn,
    region,
    context,
    env,
    ...(endpoint === undefined ? {} : { stsEndpoint: endpoint }),
  });
  const clientConfig = {
    credentials,
    maxAttempts: 3,
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  const secretsManager = new SecretsManagerClient({ ...clientConfig, region });
  const costExplorer = new CostExplorerClient({ ...clientConfig, region: billingRegion });
  const budgets = new BudgetsClient({ ...clientConfig, region: billingRegion });
  const closeAws = () => {
    secretsManager.destroy();
    costExplorer.destroy();
    budgets.destroy();
  };
  try {
    const atlasSecret = resolveCredentialSecret(
      inputs.atlas_secret,
      declared,
      'atlas',
      env,
      Object.keys(credentialKeys),
    );
    const atlas = await atlasClientFor(env, secretsManager, atlasSecret);
    return {
      inputs,
      context,
      ...sections,
      costExplorer,
      budgets,
      atlasClient: atlas.client,
      dispose: () => {
        atlas.dispose();
        closeAws();
      },
    };
  } catch (error) {
    closeAws();
    throw error;
  }
}
