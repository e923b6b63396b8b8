// The composition of the engine with the real providers: which providers exist, where their
// endpoints and credentials come from (environment variables), and the run target. The CLI, the
// actions and the local launcher all build their providers here, so there is one path for data.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SectionSchema } from './engine/config/schema.ts';
import type { Target } from './engine/config/placeholders.ts';
import type { Provider } from './engine/provider.ts';
import { ProviderError } from './engine/provider.ts';
import { SecretError, createEnvironmentSecretResolver } from './engine/secrets.ts';
import type { SecretResolver } from './engine/secrets.ts';
import {
  atlasOptionsFromEnvironment,
  atlasSchema,
  createAtlasProvider,
} from './providers/atlas/index.ts';
import { awsSchema, createAwsProvider } from './providers/aws/index.ts';
import type { AwsCredentials, AwsProviderOptions } from './providers/aws/index.ts';
import { createOktaProvider, oktaSchema } from './providers/okta/index.ts';
import type { OktaProviderOptions } from './providers/okta/index.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/** The section schemas of every provider, in config order, without creating any client. */
export const sectionSchemas: readonly SectionSchema[] = [
  { name: 'aws', schema: awsSchema },
  { name: 'atlas', schema: atlasSchema },
  { name: 'okta', schema: oktaSchema },
];

/** Environment variables that point a provider at another endpoint, such as a stand-in. */
export const endpointVariables = ['AWS_ENDPOINT_URL', 'ATLAS_BASE_URL', 'OKTA_ORG_URL'] as const;

/**
 * Environment variable with the time between two reads of an Atlas cluster that is being
 * created, changed or deleted, in milliseconds: a positive integer. Unset, the provider waits
 * 15 000 ms. A local run against the stand-ins can set it low, such as 200.
 */
export const atlasPollIntervalVariable = 'ATLAS_POLL_INTERVAL_MS';

export interface StackOptions {
  /** Environment variables: endpoints, credentials and `ATLAS_POLL_INTERVAL_MS`. */
  readonly env: Environment;
  readonly target: Target;
  /**
   * `validate` builds providers whose clients are never used, with inert credentials, so config
   * can be checked without any; `reconcile` needs real ones.
   */
  readonly purpose: 'validate' | 'reconcile';
  /**
   * The environment's config as read, before validation: providers need `aws.region` and
   * `okta.orgUrl` to be created, and validation needs the providers.
   */
  readonly raw: unknown;
  /** Called with every credential and secret the moment it is read, to mask it. */
  readonly onSecret?: (value: string) => void;
  /** Directory that artifact paths such as `dist/service/lambda.zip` are relative to. */
  readonly cwd?: string;
}

/** A stack problem, such as a missing credential; the message names variables, never values. */
export class StackError extends Error {
  override readonly name = 'StackError';
  readonly code = 'ERR_STACK';
}

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

function rawValue(raw: unknown, ...path: string[]): string | undefined {
  let current = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' ? current : undefined;
}

/**
 * Checks the endpoint variables against the target. `local` needs every endpoint on loopback, so
 * no request can reach a real cloud with the template's placeholder ids. `cloud` rejects loopback
 * endpoints, because they would silently plan against a stand-in.
 */
export function checkEndpoints(env: Environment, target: Target): void {
  const problems: string[] = [];
  for (const name of endpointVariables) {
    const value = read(env, name);
    if (target === 'local' && (value === undefined || !isLoopback(value))) {
      problems.push(
        value === undefined ? `${name} is not set` : `${name} is ${value}, not a loopback address`,
      );
    }
    if (target === 'cloud' && value !== undefined && isLoopback(value)) {
      problems.push(`${name} points at ${value}, a local stand-in`);
    }
  }
  if (problems.length > 0) {
    const fix =
      target === 'local'
        ? 'Target local sends requests only to the stand-ins on this machine: export these variables with the addresses of running stand-ins (npm start prints them on its Stand-ins line).'
        : 'Unset these variables to use the real clouds, or pass --target local to use the stand-ins.';
    throw new StackError(`${problems.join('; ')}. ${fix}`);
  }
}

function register(options: StackOptions, ...values: (string | undefined)[]): void {
  for (const value of values) {
    if (value !== undefined) {
      options.onSecret?.(value);
    }
  }
}

function oktaOptions(options: StackOptions): OktaProviderOptions {
  const { env } = options;
  const orgUrl =
    read(env, 'OKTA_ORG_URL') ??
    rawValue(options.raw, 'okta', 'orgUrl') ??
    'https://example.okta.com';
  if (options.purpose === 'validate') {
    return { orgUrl, token: 'validation-only' };
  }
  const token = read(env, 'OKTA_API_TOKEN');
  const clientId = read(env, 'OKTA_CLIENT_ID');
  const privateKey = read(env, 'OKTA_PRIVATE_KEY');
  register(options, token, privateKey);
  if (clientId !== undefined && privateKey !== undefined) {
    const keyId = read(env, 'OKTA_KEY_ID');
    return { orgUrl, clientId, privateKey, ...(keyId === undefined ? {} : { keyId }) };
  }
  if (token !== undefined) {
    return { orgUrl, token };
  }
  throw new StackError(
    'Okta credentials are not set: set OKTA_CLIENT_ID and OKTA_PRIVATE_KEY (and OKTA_KEY_ID if the service app has several keys) for a service app, or OKTA_API_TOKEN for an API token.',
  );
}

// Credentials the stand-ins accept from anyone. Static credentials also keep the SDK from probing
// the EC2 instance metadata address, which a local run must never reach.
const inertAwsCredentials: AwsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Picks the AWS credentials of a run. Static ones come from the variables when both are set.
 * Otherwise target local gets inert ones, and target cloud gets `undefined`, which lets the SDK
 * use its default chain (environment, web identity from GitHub OIDC, SSO, profiles).
 */
function awsCredentials(options: StackOptions): AwsCredentials | undefined {
  const { env } = options;
  if (options.purpose === 'validate') {
    return inertAwsCredentials;
  }
  const accessKeyId = read(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = read(env, 'AWS_SESSION_TOKEN');
  register(options, secretAccessKey, sessionToken);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    };
  }
  return options.target === 'local' ? inertAwsCredentials : undefined;
}

function awsRegion(options: StackOptions): string {
  return rawValue(options.raw, 'aws', 'region') ?? read(options.env, 'AWS_REGION') ?? 'us-east-1';
}

function awsOptions(options: StackOptions): AwsProviderOptions {
  const endpoint = read(options.env, 'AWS_ENDPOINT_URL');
  const credentials = awsCredentials(options);
  return {
    region: awsRegion(options),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(options.cwd === undefined ? {} : { artifactRoot: options.cwd }),
  };
}

/** Reads `ATLAS_POLL_INTERVAL_MS`, or returns undefined when it is unset or empty. */
function atlasPollInterval(env: Environment): number | undefined {
  const value = read(env, atlasPollIntervalVariable);
  if (value === undefined) {
    return undefined;
  }
  const milliseconds = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(milliseconds) || milliseconds <= 0) {
    throw new StackError(
      `${atlasPollIntervalVariable} must be a positive integer number of milliseconds, such as 1000 (got "${value}"). Unset it to use the default of 15000.`,
    );
  }
  return milliseconds;
}

function atlasOptions(options: StackOptions) {
  if (options.purpose === 'validate') {
    return {
      baseUrl: read(options.env, 'ATLAS_BASE_URL') ?? 'https://cloud.mongodb.com',
      credentials: {
        type: 'apiKey' as const,
        publicKey: 'validation',
        privateKey: 'validation-only',
      },
    };
  }
  try {
    const result = atlasOptionsFromEnvironment(options.env);
    const credentials = result.credentials;
    register(
      options,
      credentials.type === 'apiKey' ? credentials.privateKey : credentials.clientSecret,
    );
    return result;
  } catch (error) {
    if (error instanceof ProviderError) {
      throw new StackError(error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * Creates every provider for one run. Throws `StackError` naming the missing or conflicting
 * variables; never sends a request.
 */
export function createProviders(options: StackOptions): Provider[] {
  if (options.purpose === 'reconcile') {
    checkEndpoints(options.env, options.target);
  }
  // A reconcile needs the credentials of the vendors the config has a section for, and no others:
  // a config without okta runs without an Okta token.
  const raw = (options.raw ?? {}) as Record<string, unknown>;
  const needed = (section: string) =>
    options.purpose !== 'reconcile' || options.raw === undefined || raw[section] !== undefined;
  const providers: Provider[] = [];
  if (needed('aws')) {
    providers.push(createAwsProvider(awsOptions(options)));
  }
  if (needed('atlas')) {
    const clusterPollIntervalMs = atlasPollInterval(options.env);
    providers.push(
      createAtlasProvider({
        ...atlasOptions(options),
        ...(clusterPollIntervalMs === undefined ? {} : { clusterPollIntervalMs }),
        ...(options.onSecret === undefined ? {} : { onSecret: options.onSecret }),
      }),
    );
  }
  if (needed('okta')) {
    providers.push(createOktaProvider(oktaOptions(options)));
  }
  return providers;
}

/** Closes the SDK clients' sockets of providers that hold any, so the process can exit. */
export function disposeProviders(providers: readonly Provider[]): void {
  for (const provider of providers) {
    (provider as Partial<{ destroy(): void }>).destroy?.();
  }
}

/**
 * Resolves `from: env` secrets from the environment and `from: secretsManager` secrets with
 * GetSecretValue, in `aws.region` through the same endpoint as the AWS provider.
 */
export function createSecretResolver(options: StackOptions): SecretResolver {
  const fromEnvironment = createEnvironmentSecretResolver(options.env);
  let client: SecretsManagerClient | undefined;
  return {
    dispose() {
      client?.destroy();
      client = undefined;
    },
    async resolve(reference) {
      if (reference.from === 'env') {
        return fromEnvironment.resolve(reference);
      }
      const endpoint = read(options.env, 'AWS_ENDPOINT_URL');
      const credentials = awsCredentials(options);
      client ??= new SecretsManagerClient({
        region: awsRegion(options),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
        maxAttempts: 3,
      });
      try {
        const response = await client.send(new GetSecretValueCommand({ SecretId: reference.name }));
        if (response.SecretString === undefined) {
          throw new SecretError(
            `secret ${reference.name} in Secrets Manager has no string value; store it as text`,
          );
        }
        return response.SecretString;
      } catch (error) {
        if (error instanceof SecretError) {
          throw error;
        }
        const name = error instanceof Error ? error.name : 'Error';
        throw new SecretError(
          `reading secret ${reference.name} from Secrets Manager failed (${name}); check that it exists in this region and that the role may call secretsmanager:GetSecretValue on it`,
          { cause: error },
        );
      }
    },
  };
}
