// AWS credentials through GitHub OIDC only: the runner issues an ID token for the audience
// `sts.amazonaws.com`, and STS AssumeRoleWithWebIdentity exchanges it for temporary credentials
// of the role named in a repository or environment variable. No long-lived AWS key is involved.
import * as core from '@actions/core';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { decodeJwt } from 'jose';
import type { RunContext } from './context.ts';
import { ActionError } from './errors.ts';

/** The audience AWS expects in GitHub ID tokens, as the IAM OIDC provider's client id. */
export const stsAudience = 'sts.amazonaws.com';

/** Temporary AWS credentials, in the shape AWS SDK clients take as `credentials`. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface AssumeRoleOptions {
  /** ARN of the role to assume, from a repository or environment variable. */
  readonly roleArn: string;
  readonly region: string;
  readonly context: RunContext;
  /** Lifetime of the credentials in seconds, 900 to 43,200 as STS allows. */
  readonly durationSeconds?: number;
  /** STS endpoint URL; the regional endpoint by default, a local stand-in in tests. */
  readonly stsEndpoint?: string;
  /** Attempts of the STS call, including the first, for throttling and server errors. */
  readonly maxAttempts?: number;
  /** The environment, checked for the runner's ID-token variables. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Requests an ID token; `core.getIDToken` by default. */
  readonly getIdToken?: (audience: string) => Promise<string>;
}

const maxSessionNameLength = 64;

/**
 * Builds the STS role session name `OWNER-REPO-RUN_ID`, which CloudTrail shows for every call made
 * with the credentials. Characters STS rejects (outside `[\w+=,.@-]`) become `-`, and a name over
 * 64 characters loses the end of the repository part so the run id stays whole.
 */
export function roleSessionName(context: Pick<RunContext, 'repository' | 'runId'>): string {
  const sanitize = (text: string): string => text.replace(/[^\w+=,.@-]/g, '-');
  const suffix = `-${sanitize(context.runId)}`.slice(0, maxSessionNameLength);
  const repository = sanitize(`${context.repository.owner}-${context.repository.repo}`);
  // A cut that ends on a hyphen would double it against the suffix's.
  const head = repository.slice(0, maxSessionNameLength - suffix.length).replace(/-+$/, '');
  const name = `${head}${suffix}`;
  // STS requires at least 2 characters.
  return name.length >= 2 ? name : `${name}--`.slice(0, 2);
}

/** Throws the error that explains why this run cannot get an ID token, when it cannot. */
function checkIdTokenAvailable(
  context: RunContext,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const fork = context.fork;
  if (fork) {
    const head = fork.headRepository ?? 'a deleted fork';
    const base = `${context.repository.owner}/${context.repository.repo}`;
    const origin =
      fork.pullRequest === undefined
        ? `a ${fork.event} event from the fork ${head}`
        : `pull request #${fork.pullRequest} from the fork ${head}`;
    throw new ActionError(
      'ERR_OIDC_FORK_PULL_REQUEST',
      `This run is for ${origin}. GitHub does not give pull requests from forks the id-token: write permission, and this action does not hand AWS credentials to code from a fork. Push the branch to ${base} and open the pull request from there, or ask a maintainer to run the plan.`,
    );
  }
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError(
      'ERR_OIDC_PERMISSION_MISSING',
      'The runner offers no OIDC ID token because ACTIONS_ID_TOKEN_REQUEST_URL is not set: the job lacks the id-token: write permission. Add "permissions: { id-token: write, contents: read }" to the job (or the workflow) that runs this action.',
    );
  }
}

async function requestIdToken(options: AssumeRoleOptions): Promise<string> {
  const getIdToken = options.getIdToken ?? ((audience: string) => core.getIDToken(audience));
  let token: string;
  try {
    token = await getIdToken(stsAudience);
  } catch (error) {
    throw new ActionError(
      'ERR_OIDC_TOKEN_REQUEST',
      `Could not get an OIDC ID token from the runner for audience ${stsAudience}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // `core.getIDToken` masks the token too; masking here covers an injected `getIdToken`.
  core.setSecret(token);
  return token;
}

/** Describes the `sub` claim of a token for error messages, never showing the token. */
function subjectOf(token: string): string {
  try {
    const subject = decodeJwt(token).sub;
    return subject === undefined ? 'no sub claim' : `sub "${subject}"`;
  } catch {
    return 'an undecodable token';
  }
}

function assumeRoleFailure(error: unknown, options: AssumeRoleOptions, token: string): ActionError {
  const name = (error as { name?: string }).name ?? 'Error';
  const base = `STS AssumeRoleWithWebIdentity for ${options.roleArn} failed with ${name}: ${(error as Error).message}.`;
  let advice = 'Check the region and the STS endpoint, then retry the job.';
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    advice = `The role's trust policy must allow sts:AssumeRoleWithWebIdentity for the principal token.actions.githubusercontent.com with "token.actions.githubusercontent.com:aud" = "${stsAudience}" and a "token.actions.githubusercontent.com:sub" condition matching this token's ${subjectOf(token)}.`;
  } else if (name === 'InvalidIdentityToken' || name === 'IDPRejectedClaim') {
    advice = `Create the IAM OIDC identity provider https://token.actions.githubusercontent.com with the audience ${stsAudience} in the role's account.`;
  } else if (name === 'ValidationError') {
    advice = 'Check the role ARN and the session duration.';
  }
  return new ActionError('ERR_AWS_ASSUME_ROLE', `${base} ${advice}`, { cause: error });
}

/**
 * Exchanges the run's OIDC ID token for temporary credentials of `roleArn`. Every credential part
 * is registered as a secret before it is returned. Throws `ActionError` with a message naming
 * what to change: the job permission, the fork, the trust policy or the identity provider.
 */
export async function assumeRoleWithGitHubOidc(
  options: AssumeRoleOptions,
): Promise<AwsCredentials> {
  checkIdTokenAvailable(options.context, options.env ?? process.env);
  const token = await requestIdToken(options);

  const sts = new STSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.stsEndpoint ? { endpoint: options.stsEndpoint } : {}),
    // AssumeRoleWithWebIdentity is unsigned. A provider that throws keeps the SDK from searching
    // the default credential chain (and the instance metadata endpoint) if that ever changes.
    credentials: () =>
      Promise.reject(new Error('AssumeRoleWithWebIdentity must not need AWS credentials')),
  });
  let response;
  try {
    response = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: options.roleArn,
        RoleSessionName: roleSessionName(options.context),
        WebIdentityToken: token,
        DurationSeconds: options.durationSeconds ?? 3600,
      }),
    );
  } catch (error) {
    throw assumeRoleFailure(error, options, token);
  } finally {
    sts.destroy();
  }

  const credentials = response.Credentials;
  if (
    !credentials?.AccessKeyId ||
    !credentials.SecretAccessKey ||
    !credentials.SessionToken ||
    !credentials.Expiration
  ) {
    throw new ActionError(
      'ERR_AWS_ASSUME_ROLE',
      `STS AssumeRoleWithWebIdentity for ${options.roleArn} returned no complete credentials. Retry the job; if it recurs, check the STS endpoint.`,
    );
  }
  core.setSecret(credentials.AccessKeyId);
  core.setSecret(credentials.SecretAccessKey);
  core.setSecret(credentials.SessionToken);
  core.info(
    `Assumed ${response.AssumedRoleUser?.Arn ?? options.roleArn} until ${credentials.Expiration.toISOString()}.`,
  );
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}

/** Credentials are renewed this long before they expire. */
const refreshMarginMs = 5 * 60_000;

/**
 * Returns a credential provider for AWS SDK clients that assumes the role on first use and again
 * shortly before the credentials expire. Each renewal requests a fresh ID token, because GitHub's
 * expire after minutes and one token cannot renew a long job's credentials.
 */
export function createOidcCredentialProvider(
  options: AssumeRoleOptions & { now?: () => Date },
): () => Promise<AwsCredentials> {
  const now = options.now ?? (() => new Date());
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return () => {
    if (cached && cached.expiration.getTime() - now().getTime() > refreshMarginMs) {
      return Promise.resolve(cached);
    }
    // Callers that arrive during a renewal share it instead of each assuming the role.
    pending ??= assumeRoleWithGitHubOidc(options)
      .then((credentials) => {
        cached = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
