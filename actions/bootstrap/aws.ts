// AWS and GitHub endpoints and credentials of a bootstrap run, read from the environment the way
// `actions/stack.ts` reads them for the CLI: AWS_ENDPOINT_URL points every AWS client at a
// stand-in, and without static keys the SDK's default credential chain applies.
import { GetOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Target } from '../engine/config/placeholders.ts';
import { githubIssuerUrl } from '../providers/aws/github.ts';
import { oidcProviderArn } from '../providers/aws/handlers/oidc-provider.ts';
import type { AwsCredentials } from '../providers/aws/index.ts';

type Environment = Readonly<Record<string, string | undefined>>;

export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
  readonly code = 'ERR_BOOTSTRAP';
}

export interface AwsConnection {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentials;
}

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

/**
 * Checks an endpoint variable against the target: `local` needs a loopback address, so that no
 * request with the template's placeholder ids reaches a real cloud, and `cloud` rejects one.
 */
export function checkEndpoint(env: Environment, name: string, target: Target): void {
  const value = read(env, name);
  if (target === 'local' && (value === undefined || !isLoopback(value))) {
    throw new BootstrapError(
      `${name} is ${value === undefined ? 'not set' : `${value}, not a loopback address`}, but --target local sends requests only to stand-ins on this machine. Set ${name} to a stand-in's address, such as http://127.0.0.1:4566.`,
    );
  }
  if (target === 'cloud' && value !== undefined && isLoopback(value)) {
    throw new BootstrapError(
      `${name} points at ${value}, a local stand-in, but the target is cloud. Unset it to use the real service, or pass --target local.`,
    );
  }
}

/** Builds the AWS client settings: static keys when both are set, else the default chain. */
export function awsConnection(env: Environment, region: string, target: Target): AwsConnection {
  checkEndpoint(env, 'AWS_ENDPOINT_URL', target);
  const endpoint = read(env, 'AWS_ENDPOINT_URL');
  const accessKeyId = read(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = read(env, 'AWS_SESSION_TOKEN');
  let credentials: AwsCredentials | undefined;
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    credentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    };
  } else if (target === 'local') {
    // The stand-ins accept any key. Static keys also keep the SDK from probing the EC2 instance
    // metadata address, which a local run must never reach.
    credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return {
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** Returns the GitHub REST base URL: GITHUB_API_URL, or api.github.com for target cloud. */
export function githubApiUrl(env: Environment, target: Target): string {
  checkEndpoint(env, 'GITHUB_API_URL', target);
  return read(env, 'GITHUB_API_URL') ?? 'https://api.github.com';
}

/**
 * Checks that the account's GitHub OIDC provider exists when this environment does not manage it
 * (`oidcProvider.managed: false`). IAM rejects a trust policy that names a missing provider, and
 * its error would not say which environment should create it.
 */
export async function checkUnmanagedOidcProvider(
  connection: AwsConnection,
  accountId: string,
  file: string,
): Promise<void> {
  const arn = oidcProviderArn(accountId, githubIssuerUrl);
  const iam = new IAMClient({ ...connection, maxAttempts: 3 });
  try {
    await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') {
      throw new BootstrapError(
        `the GitHub OIDC provider ${arn} does not exist, and ${file} sets aws.github.oidcProvider.managed: false. Bootstrap the environment that manages it first, or set managed: true in ${file}.`,
      );
    }
    throw new BootstrapError(
      `GetOpenIDConnectProvider of ${arn} failed with ${name}; check that the AWS credentials may call iam:GetOpenIDConnectProvider.`,
      { cause: error },
    );
  } finally {
    iam.destroy();
  }
}
