// The runner's OIDC ID-token service: what `core.getIDToken` calls through
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN. Tokens are real RS256 JWTs with
// the claims GitHub documents for Actions ID tokens. The public half of the signing key is served
// as a JWKS, so a stand-in STS can verify them.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

/** The workflow run an ID token describes. Values are GitHub's claim values. */
export interface RunDescription {
  /** `owner/name`. */
  readonly repository: string;
  readonly repositoryId: number;
  readonly repositoryOwnerId: number;
  readonly repositoryVisibility: 'public' | 'private' | 'internal';
  /** Full ref, such as `refs/heads/dev`. */
  readonly ref: string;
  readonly sha: string;
  /** Workflow event, such as `push`, `pull_request` or `schedule`. */
  readonly eventName: string;
  /** Deployment environment of the job; when set, it is the `sub` claim's context. */
  readonly environment?: string;
  readonly runId: number;
  readonly runNumber: number;
  readonly runAttempt: number;
  readonly actor: string;
  readonly actorId: number;
  readonly workflow: string;
  /** Path of the workflow file, such as `.github/workflows/reconcile.yml`. */
  readonly workflowPath: string;
  /** Head branch of a pull request run; empty otherwise, as GitHub sends it. */
  readonly headRef: string;
  /** Base branch of a pull request run; empty otherwise. */
  readonly baseRef: string;
}

export const defaultRun: RunDescription = {
  repository: 'octo-org/example-backend',
  repositoryId: 700_000_001,
  repositoryOwnerId: 90_000_001,
  repositoryVisibility: 'private',
  ref: 'refs/heads/dev',
  sha: '0123456789abcdef0123456789abcdef01234567',
  eventName: 'push',
  runId: 8_000_000_001,
  runNumber: 42,
  runAttempt: 1,
  actor: 'octocat',
  actorId: 583_231,
  workflow: 'Reconcile',
  workflowPath: '.github/workflows/reconcile.yml',
  headRef: '',
  baseRef: '',
};

/**
 * Returns the `sub` claim: the environment when the job has one, `pull_request` for pull request events,
 * and the ref otherwise. AWS trust policies match on this value.
 */
export function subjectClaim(run: RunDescription): string {
  const prefix = `repo:${run.repository}`;
  if (run.environment) return `${prefix}:environment:${run.environment}`;
  if (run.eventName === 'pull_request') return `${prefix}:pull_request`;
  return `${prefix}:ref:${run.ref}`;
}

export interface IdTokenIssuer {
  /** `iss` of every token, GitHub's by default so trust policies read as they would in AWS. */
  readonly issuer: string;
  /** The public signing key set. */
  readonly jwks: { keys: JWK[] };
  /** Signs a token for `audience`, or GitHub's default audience `https://github.com/OWNER`. */
  issue(audience: string | undefined): Promise<string>;
}

/** Lifetime of GitHub's Actions ID tokens: 5 minutes after `iat`, valid from 10 minutes before. */
const lifetimeSeconds = 300;
const notBeforeSkewSeconds = 600;

// RSA key generation takes a few hundred milliseconds, so every stand-in in a process shares one
// key pair.
let sharedKeyPair: ReturnType<typeof generateKeyPair> | undefined;

export async function createIdTokenIssuer(options: {
  issuer: string;
  run: RunDescription;
  now: () => Date;
  /** Makes `jti` deterministic in tests. */
  nextTokenId?: () => string;
}): Promise<IdTokenIssuer> {
  sharedKeyPair ??= generateKeyPair('RS256');
  const { privateKey, publicKey } = await sharedKeyPair;
  const kid = 'github-stand-in-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const { run } = options;
  const [owner = ''] = run.repository.split('/');
  const nextTokenId = options.nextTokenId ?? (() => randomUUID());

  return {
    issuer: options.issuer,
    jwks: { keys: [publicJwk] },
    async issue(audience) {
      const issuedAt = Math.floor(options.now().getTime() / 1000);
      const refType = run.ref.startsWith('refs/tags/') ? 'tag' : 'branch';
      const workflowRef = `${run.repository}/${run.workflowPath}@${run.ref}`;
      return new SignJWT({
        sub: subjectClaim(run),
        ...(run.environment ? { environment: run.environment } : {}),
        ref: run.ref,
        sha: run.sha,
        repository: run.repository,
        repository_owner: owner,
        repository_owner_id: String(run.repositoryOwnerId),
        repository_id: String(run.repositoryId),
        repository_visibility: run.repositoryVisibility,
        run_id: String(run.runId),
        run_number: String(run.runNumber),
        run_attempt: String(run.runAttempt),
        runner_environment: 'github-hosted',
        actor: run.actor,
        actor_id: String(run.actorId),
        workflow: run.workflow,
        head_ref: run.headRef,
        base_ref: run.baseRef,
        event_name: run.eventName,
        ref_type: refType,
        ref_protected: 'false',
        workflow_ref: workflowRef,
        workflow_sha: run.sha,
        job_workflow_ref: workflowRef,
        job_workflow_sha: run.sha,
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
        .setJti(nextTokenId())
        .setIssuer(options.issuer)
        .setAudience(audience ?? `https://github.com/${owner}`)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt - notBeforeSkewSeconds)
        .setExpirationTime(issuedAt + lifetimeSeconds)
        .sign(privateKey);
    },
  };
}
