// The resources an `aws:` section declares, in config order, including the ones generated for
// GitHub Actions (the OIDC provider and the plan, deploy and optional preview roles).
import type { DesiredResource, SpecValue } from '../../engine/provider.ts';
import {
  deployPolicy,
  githubIssuerHost,
  githubIssuerUrl,
  githubSubjects,
  githubTrustPolicy,
  planPolicy,
  previewPolicy,
  previewSuffix,
  stsAudience,
} from './github.ts';
import type { GitHubRoleKind } from './github.ts';
import { requiredPermissions } from './handlers/function-url.ts';
import { oidcProviderArn } from './handlers/oidc-provider.ts';
import type { AwsSection } from './schema.ts';

/** Address of the generated OIDC provider; other resources refer to its `arn` output. */
export const oidcProviderAddress = 'aws.oidcProviders.github';

function spec(value: object): Record<string, SpecValue> {
  return value as Record<string, SpecValue>;
}

function githubResources(section: AwsSection): DesiredResource[] {
  const github = section.github;
  if (github === undefined) {
    return [];
  }
  const resources: DesiredResource[] = [];
  // The roles refer to a managed provider by reference, so the engine creates the provider first,
  // because IAM rejects a trust policy that names a provider that does not exist. An unmanaged
  // provider must already exist under its fixed ARN.
  let providerArn = oidcProviderArn(section.accountId, githubIssuerUrl);
  if (github.oidcProvider.managed) {
    providerArn = `\${${oidcProviderAddress}.arn}`;
    resources.push({
      address: oidcProviderAddress,
      kind: 'aws:iam:OpenIDConnectProvider',
      name: githubIssuerHost,
      spec: spec({
        url: githubIssuerUrl,
        clientIDList: [stsAudience],
        ...(github.oidcProvider.thumbprintList === undefined
          ? {}
          : { thumbprintList: github.oidcProvider.thumbprintList }),
      }),
    });
  }
  const fixedProviderArn = oidcProviderArn(section.accountId, githubIssuerUrl);
  const roles: Array<{
    key: GitHubRoleKind;
    role: { roleName: string; maxSessionDuration?: number | undefined };
    description: string;
    policy: Record<string, SpecValue>;
  }> = [
    {
      key: 'plan',
      role: github.planRole,
      description: `GitHub Actions plan role: read-only, for ${github.repository} branches ${[...new Set([github.branch, github.defaultBranch])].join(' and ')}, environment ${github.environment}${github.pullRequests ? ' and pull requests' : ''}`,
      policy: { 'gitops-plan': planPolicy(section, fixedProviderArn) },
    },
    {
      key: 'deploy',
      role: github.deployRole,
      description: `GitHub Actions deploy role: applies the config of ${github.repository} in environment ${github.environment}`,
      policy: { 'gitops-deploy': deployPolicy(section, fixedProviderArn) },
    },
  ];
  if (github.previewRole !== undefined) {
    const functionNames = Object.values(section.functions ?? {}).map((fn) => fn.functionName);
    roles.push({
      key: 'preview',
      role: github.previewRole,
      description: `GitHub Actions preview role: pull request previews ${functionNames.map((name) => `${name}${previewSuffix}*`).join(', ')} of ${github.repository}, swept from branch ${github.defaultBranch}`,
      policy: { 'gitops-preview': previewPolicy(section, fixedProviderArn) },
    });
  }
  for (const { key, role, description, policy } of roles) {
    resources.push({
      address: `aws.githubRoles.${key}`,
      kind: 'aws:iam:Role',
      name: role.roleName,
      spec: spec({
        roleName: role.roleName,
        description,
        assumeRolePolicyDocument: githubTrustPolicy(providerArn, githubSubjects(github, key)),
        managedPolicyArns: [],
        inlinePolicies: policy,
        maxSessionDuration: role.maxSessionDuration ?? 3600,
      }),
    });
  }
  return resources;
}

/** Lists the section's resources: roles, functions, function URLs, budgets, then GitHub's. */
export function awsResources(section: AwsSection): DesiredResource[] {
  const resources: DesiredResource[] = [];
  for (const [key, role] of Object.entries(section.roles ?? {})) {
    resources.push({
      address: `aws.roles.${key}`,
      kind: 'aws:iam:Role',
      name: role.roleName,
      spec: spec(role),
    });
  }
  for (const [key, fn] of Object.entries(section.functions ?? {})) {
    resources.push({
      address: `aws.functions.${key}`,
      kind: 'aws:lambda:Function',
      name: fn.functionName,
      spec: spec(fn),
    });
  }
  for (const [key, url] of Object.entries(section.functionUrls ?? {})) {
    resources.push({
      address: `aws.functionUrls.${key}`,
      kind: 'aws:lambda:FunctionUrl',
      name: `${url.functionName}${url.qualifier === undefined ? '' : `:${url.qualifier}`}`,
      spec: spec({ ...url, permissions: requiredPermissions(url.authType) }),
    });
  }
  for (const [key, budget] of Object.entries(section.budgets ?? {})) {
    resources.push({
      address: `aws.budgets.${key}`,
      kind: 'aws:budgets:Budget',
      name: budget.budgetName,
      spec: spec(budget),
    });
  }
  resources.push(...githubResources(section));
  return resources;
}
