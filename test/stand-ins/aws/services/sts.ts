// STS over awsQuery: the caller's identity and the two ways to assume a role. A web identity token
// is checked against the account's OIDC providers and the role's trust policy, conditions included,
// so a test can prove which GitHub subjects may assume which role. The token's signature is not
// verified: the stand-in trusts the claims it reads.
import { AwsError } from '../errors.ts';
import { parsePolicy, trustAllows } from '../policy.ts';
import type { ConditionContext } from '../policy.ts';
import type { QueryParams } from '../protocols/query.ts';
import { optionalInteger, requiredString } from '../protocols/query.ts';
import type { Operation, Runtime } from '../runtime.ts';
import type { RoleRecord, SessionRecord } from '../state.ts';

export const stsNamespace = 'https://sts.amazonaws.com/doc/2011-06-15/';

function accessDenied(runtime: Runtime, roleArn: string, action: string): AwsError {
  return new AwsError(
    'AccessDenied',
    `User: ${runtime.caller.Arn} is not authorized to perform: ${action} on resource: ${roleArn}`,
    403,
  );
}

function sessionName(params: QueryParams): string {
  const name = requiredString(params, 'RoleSessionName');
  if (!/^[\w+=,.@-]{2,64}$/.test(name)) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      400,
    );
  }
  return name;
}

function roleFromArn(runtime: Runtime, roleArn: string, action: string): RoleRecord {
  const role = Object.values(runtime.state.iam.roles).find(
    (candidate) => candidate.Arn === roleArn,
  );
  if (role === undefined) {
    throw accessDenied(runtime, roleArn, action);
  }
  return role;
}

function durationSeconds(params: QueryParams, role: RoleRecord): number {
  const duration = optionalInteger(params, 'DurationSeconds') ?? 3600;
  if (duration < 900 || duration > role.MaxSessionDuration) {
    throw new AwsError(
      'ValidationError',
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      400,
    );
  }
  return duration;
}

/** Issues credentials for a role session and remembers them, so later calls know the caller. */
function issueSession(runtime: Runtime, role: RoleRecord, name: string, duration: number) {
  const accessKeyId = runtime.ids.iamId('ASIA');
  const expiration = runtime.now() + duration * 1000;
  const session: SessionRecord = {
    AccessKeyId: accessKeyId,
    Arn: `arn:aws:sts::${runtime.accountId}:assumed-role/${role.RoleName}/${name}`,
    UserId: `${role.RoleId}:${name}`,
    RoleArn: role.Arn,
    Expiration: expiration,
  };
  runtime.state.sts.sessions[accessKeyId] = session;
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: runtime.ids.characters(40),
      SessionToken: runtime.ids.characters(120),
      Expiration: new Date(expiration),
    },
    AssumedRoleUser: { AssumedRoleId: session.UserId, Arn: session.Arn },
  };
}

function invalidToken(message: string): AwsError {
  return new AwsError('InvalidIdentityToken', message, 400);
}

/** Reads a JWT's claims without verifying its signature. */
function tokenClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) {
    throw invalidToken("Couldn't parse the web identity token");
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) {
      throw new Error('claims are not an object');
    }
    return claims as Record<string, unknown>;
  } catch {
    throw invalidToken("Couldn't parse the web identity token");
  }
}

/** Builds the condition context of a web identity: each claim as `{issuer host}:{claim}`. */
function webIdentityContext(host: string, claims: Record<string, unknown>): ConditionContext {
  const context: ConditionContext = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[`${host}:${claim}`.toLowerCase()] = String(value);
    } else if (Array.isArray(value)) {
      context[`${host}:${claim}`.toLowerCase()] = value.map(String);
    }
  }
  return context;
}

export const stsOperations: Record<string, Operation<QueryParams>> = {
  GetCallerIdentity: {
    write: false,
    authorize: () => [],
    run(_params, runtime) {
      return { UserId: runtime.caller.UserId, Account: runtime.accountId, Arn: runtime.caller.Arn };
    },
  },
  AssumeRole: {
    write: false,
    authorize: () => [],
    run(params, runtime) {
      const roleArn = requiredString(params, 'RoleArn');
      const name = sessionName(params);
      const role = roleFromArn(runtime, roleArn, 'sts:AssumeRole');
      const trust = parsePolicy(role.AssumeRolePolicyDocument, 'trust');
      const callerArn = runtime.caller.RoleArn ?? runtime.caller.Arn;
      const allowed = [callerArn, `arn:aws:iam::${runtime.accountId}:root`, runtime.accountId].some(
        (principal) =>
          trustAllows(trust, {
            action: 'sts:AssumeRole',
            principalType: 'AWS',
            principal,
            context: {},
          }),
      );
      if (!allowed) {
        throw accessDenied(runtime, roleArn, 'sts:AssumeRole');
      }
      return issueSession(runtime, role, name, durationSeconds(params, role));
    },
  },
  AssumeRoleWithWebIdentity: {
    write: false,
    authorize: () => [],
    run(params, runtime) {
      const roleArn = requiredString(params, 'RoleArn');
      const name = sessionName(params);
      const claims = tokenClaims(requiredString(params, 'WebIdentityToken'));
      const issuer = typeof claims.iss === 'string' ? claims.iss : '';
      const host = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');

      const providerArn = `arn:aws:iam::${runtime.accountId}:oidc-provider/${host}`;
      const provider = runtime.state.iam.oidcProviders[providerArn];
      if (provider === undefined) {
        throw invalidToken(`No OpenIDConnect provider found in your account for ${issuer}`);
      }

      const audiences = [claims.aud].flat().map(String);
      if (!audiences.some((audience) => provider.ClientIDList.includes(audience))) {
        throw invalidToken('Incorrect token audience');
      }

      if (typeof claims.exp === 'number' && claims.exp * 1000 <= runtime.now()) {
        throw new AwsError(
          'ExpiredTokenException',
          `Token expired: current date/time ${new Date(runtime.now()).toISOString()} must be before the expiration date/time ${new Date(claims.exp * 1000).toISOString()}`,
          400,
        );
      }

      const role = Object.values(runtime.state.iam.roles).find(
        (candidate) => candidate.Arn === roleArn,
      );
      const trust =
        role === undefined ? undefined : parsePolicy(role.AssumeRolePolicyDocument, 'trust');
      const allowed =
        trust !== undefined &&
        trustAllows(trust, {
          action: 'sts:AssumeRoleWithWebIdentity',
          principalType: 'Federated',
          principal: providerArn,
          context: webIdentityContext(host, claims),
        });
      if (role === undefined || !allowed) {
        throw new AwsError(
          'AccessDenied',
          'Not authorized to perform sts:AssumeRoleWithWebIdentity',
          403,
        );
      }

      const session = issueSession(runtime, role, name, durationSeconds(params, role));
      return {
        ...session,
        SubjectFromWebIdentityToken: typeof claims.sub === 'string' ? claims.sub : undefined,
        Provider: issuer,
        Audience: audiences[0],
      };
    },
  },
};
