// Permission checks for callers who assumed a role: their requests are allowed only when the
// role's inline policies allow every action the operation needs, so a test can prove that the
// generated GitHub roles are least-privilege. The stand-in's own admin user may do anything.
import type { ServiceName } from './errors.ts';
import { AwsError } from './errors.ts';
import { evaluateIdentityPolicies, parsePolicy } from './policy.ts';
import type { PolicyDocument } from './policy.ts';
import type { AccessCheck, Runtime } from './runtime.ts';

/** AWS managed policies the stand-in can evaluate; any other attached policy grants nothing. */
const knownManagedPolicies: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
};

function denied(service: ServiceName, message: string): AwsError {
  switch (service) {
    case 'iam':
    case 'sts':
      return new AwsError('AccessDenied', message, 403);
    case 'lambda':
      return new AwsError('AccessDeniedException', message, 403, { messageMember: 'Message' });
    case 'budgets':
      return new AwsError('AccessDeniedException', message, 400, { messageMember: 'Message' });
    default:
      return new AwsError('AccessDeniedException', message, 400);
  }
}

/**
 * Returns the AccessDenied error for the first check the caller's role does not allow, or
 * `undefined` when every check passes. Callers without a role are the admin user.
 */
export function authorize(
  runtime: Runtime,
  service: ServiceName,
  checks: readonly AccessCheck[],
): AwsError | undefined {
  const roleArn = runtime.caller.RoleArn;
  if (roleArn === undefined) {
    return undefined;
  }
  const role = Object.values(runtime.state.iam.roles).find(
    (candidate) => candidate.Arn === roleArn,
  );
  const documents: PolicyDocument[] =
    role === undefined
      ? []
      : [
          ...Object.values(role.InlinePolicies).map((text) => parsePolicy(text, 'identity')),
          ...role.AttachedPolicyArns.flatMap((arn) => {
            const known = knownManagedPolicies[arn];
            return known === undefined ? [] : [known];
          }),
        ];
  for (const check of checks) {
    const context = {
      'aws:principalarn': roleArn,
      'aws:principalaccount': runtime.accountId,
      'aws:requestedregion': runtime.region,
      ...check.context,
    };
    const decision = evaluateIdentityPolicies(documents, check.action, check.resource, context);
    if (decision !== 'allow') {
      const reason =
        decision === 'explicit-deny'
          ? `with an explicit deny in an identity-based policy`
          : `because no identity-based policy allows the ${check.action} action`;
      return denied(
        service,
        `User: ${runtime.caller.Arn} is not authorized to perform: ${check.action} on resource: ${check.resource} ${reason}`,
      );
    }
  }
  return undefined;
}
