// The AWS side of GitHub Actions: the OIDC identity provider, a read-only plan role, a
// least-privilege deploy role and an optional pull-request preview role, whose trust policies
// accept only this repository's exact subjects. Their permission policies are generated from the
// config, scoped to the ARNs it declares.
import type { SpecValue } from '../../engine/provider.ts';
import type { AwsSection, GitHubConfig } from './schema.ts';
import { referencePattern } from './schema.ts';

export const githubIssuerHost = 'token.actions.githubusercontent.com';
export const githubIssuerUrl = `https://${githubIssuerHost}`;
/** The audience `aws-actions/configure-aws-credentials` and `core.getIDToken` request for STS. */
export const stsAudience = 'sts.amazonaws.com';

/** The roles generated for GitHub Actions. */
export type GitHubRoleKind = 'plan' | 'deploy' | 'preview';

/** Text between a function's name and the pull request number in its preview's name. */
export const previewSuffix = '-pr-';

/**
 * Lists the `sub` claims a role accepts, in both of GitHub's forms: the name form
 * `repo:OWNER/REPO:...` and the immutable form `repo:OWNER@OWNER_ID/REPO@REPO_ID:...` that GitHub
 * uses for repositories created or renamed since July 2026. The deploy role trusts only the GitHub
 * environment, so its required reviewers cannot be bypassed by a job on the env branch that names
 * no environment. The plan role trusts the environment, the env branch, the default branch and,
 * when `pullRequests` is true, pull requests. The preview role trusts only pull requests and the
 * default branch.
 */
export function githubSubjects(github: GitHubConfig, role: GitHubRoleKind): string[] {
  const [owner = '', repository = ''] = github.repository.split('/');
  const prefixes = [
    `repo:${owner}/${repository}`,
    `repo:${owner}@${github.repositoryOwnerId}/${repository}@${github.repositoryId}`,
  ];
  if (role === 'preview') {
    // Pull requests create and update previews, and the scheduled sweep on the default branch
    // deletes those of closed pull requests. The env branch and the environment never need it.
    const contexts = ['pull_request', `ref:refs/heads/${github.defaultBranch}`];
    return unique(prefixes.flatMap((prefix) => contexts.map((context) => `${prefix}:${context}`)));
  }
  if (role === 'deploy') {
    const contexts = [`environment:${github.environment}`];
    return unique(prefixes.flatMap((prefix) => contexts.map((context) => `${prefix}:${context}`)));
  }
  // Scheduled workflows run on the default branch and plan read-only.
  const contexts = [
    `ref:refs/heads/${github.branch}`,
    `environment:${github.environment}`,
    `ref:refs/heads/${github.defaultBranch}`,
    ...(github.pullRequests ? ['pull_request'] : []),
  ];
  return unique(prefixes.flatMap((prefix) => contexts.map((context) => `${prefix}:${context}`)));
}

/** Builds a trust policy for GitHub's OIDC tokens with the exact audience and subjects. */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): SpecValue {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${githubIssuerHost}:aud`]: stsAudience,
            [`${githubIssuerHost}:sub`]: [...subjects],
          },
        },
      },
    ],
  };
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The ARNs a config declares, which the GitHub roles' permissions are scoped to. */
interface Scope {
  readonly executionRoles: string[];
  readonly githubRoles: string[];
  readonly passedRoles: string[];
  readonly managedPolicies: string[];
  readonly inlinePolicies: boolean;
  readonly oidcProvider: string;
  readonly functions: string[];
  readonly previewFunctions: string[];
  readonly logGroups: string[];
  readonly previewLogGroups: string[];
  readonly logGroupWildcard: string;
  readonly budgets: string[];
  readonly budgetWildcard: string;
  readonly secrets: string[];
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** The role ARN a function's `role` names: a reference to `aws.roles.{key}.arn`, or an ARN. */
function executionRoleArn(section: AwsSection, role: string): string | undefined {
  if (!referencePattern.test(role)) {
    return role;
  }
  const [provider, collection, key, output] = role.slice(2, -1).split('.');
  const roleName =
    provider === 'aws' && collection === 'roles' && output === 'arn'
      ? section.roles?.[key ?? '']?.roleName
      : undefined;
  return roleName === undefined ? undefined : `arn:aws:iam::${section.accountId}:role/${roleName}`;
}

function scopeOf(section: AwsSection, providerArn: string): Scope {
  const account = section.accountId;
  const region = section.region;
  const roles = Object.values(section.roles ?? {});
  const functions = Object.values(section.functions ?? {});
  const github = section.github;
  return {
    executionRoles: unique(roles.map((role) => `arn:aws:iam::${account}:role/${role.roleName}`)),
    githubRoles:
      github === undefined
        ? []
        : unique(
            [
              github.planRole.roleName,
              github.deployRole.roleName,
              ...(github.previewRole === undefined ? [] : [github.previewRole.roleName]),
            ].map((name) => `arn:aws:iam::${account}:role/${name}`),
          ),
    passedRoles: unique(functions.flatMap((fn) => executionRoleArn(section, fn.role) ?? [])),
    managedPolicies: unique(roles.flatMap((role) => role.managedPolicyArns ?? [])),
    inlinePolicies: roles.some((role) => role.inlinePolicies !== undefined),
    oidcProvider: providerArn,
    functions: unique(
      functions.flatMap((fn) => {
        const arn = `arn:aws:lambda:${region}:${account}:function:${fn.functionName}`;
        return [arn, `${arn}:*`];
      }),
    ),
    // The trailing wildcard also matches qualifiers such as `example-backend-dev-pr-7:live`.
    previewFunctions: unique(
      functions.map(
        (fn) => `arn:aws:lambda:${region}:${account}:function:${fn.functionName}${previewSuffix}*`,
      ),
    ),
    previewLogGroups: unique(
      functions.map(
        (fn) =>
          `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/${fn.functionName}${previewSuffix}*`,
      ),
    ),
    logGroups: unique(
      functions.flatMap((fn) => {
        const arn = `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/${fn.functionName}`;
        return [arn, `${arn}:*`];
      }),
    ),
    logGroupWildcard: `arn:aws:logs:${region}:${account}:log-group:*`,
    budgets: unique(
      Object.values(section.budgets ?? {}).map(
        (budget) => `arn:aws:budgets::${account}:budget/${budget.budgetName}`,
      ),
    ),
    budgetWildcard: `arn:aws:budgets::${account}:budget/*`,
    secrets: unique(
      (github?.secretNames ?? []).map(
        (name) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`,
      ),
    ),
  };
}

const roleReadActions = [
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:ListRoleTags',
];

const functionReadActions = [
  'lambda:GetAlias',
  'lambda:GetFunction',
  'lambda:GetFunctionConfiguration',
  'lambda:GetFunctionUrlConfig',
  'lambda:GetPolicy',
  'lambda:ListTags',
  'lambda:ListVersionsByFunction',
];

function statement(
  sid: string,
  actions: string[],
  resources: string[],
  condition?: Statement['Condition'],
): Statement[] {
  if (resources.length === 0 || actions.length === 0) {
    return [];
  }
  return [
    {
      Sid: sid,
      Effect: 'Allow',
      Action: unique(actions),
      Resource: unique(resources),
      ...(condition === undefined ? {} : { Condition: condition }),
    },
  ];
}

function document(statements: Statement[]): SpecValue {
  return { Version: '2012-10-17', Statement: statements as unknown as SpecValue[] };
}

/**
 * Returns tag reads of every role, OIDC provider, function and budget of the account. Pruning
 * lists them all and reads each one's tags to find the ones this environment owns. A real account
 * has others, such as AWS's service-linked roles, so access to the declared ARNs is not enough.
 */
function pruneTagStatements(section: AwsSection): Statement[] {
  const account = section.accountId;
  return [
    ...statement(
      'ReadRoleTagsForPruning',
      ['iam:ListRoleTags'],
      [`arn:aws:iam::${account}:role/*`],
    ),
    ...statement(
      'ReadOidcProvidersForPruning',
      ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags'],
      [`arn:aws:iam::${account}:oidc-provider/*`],
    ),
    ...statement(
      'ReadFunctionTagsForPruning',
      ['lambda:ListTags'],
      [`arn:aws:lambda:${section.region}:${account}:function:*`],
    ),
    ...statement(
      'ReadBudgetTagsForPruning',
      ['budgets:ListTagsForResource'],
      [`arn:aws:budgets::${account}:budget/*`],
    ),
  ];
}

/** Read-only permissions: everything a plan, a drift check and a billing check read. */
export function planPolicy(section: AwsSection, providerArn: string): SpecValue {
  const scope = scopeOf(section, providerArn);
  return document([
    ...statement('ReadRoles', roleReadActions, [...scope.executionRoles, ...scope.githubRoles]),
    ...statement(
      'ReadOidcProvider',
      ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags'],
      [scope.oidcProvider],
    ),
    ...statement(
      'ListForPruning',
      ['iam:ListOpenIDConnectProviders', 'iam:ListRoles', 'lambda:ListFunctions'],
      ['*'],
    ),
    ...pruneTagStatements(section),
    ...statement('ReadFunctions', functionReadActions, scope.functions),
    ...statement('DescribeLogGroups', ['logs:DescribeLogGroups'], [scope.logGroupWildcard]),
    ...statement('ReadLogGroupTags', ['logs:ListTagsForResource'], scope.logGroups),
    ...statement('ListBudgets', ['budgets:ViewBudget'], [scope.budgetWildcard]),
    ...statement('ReadBudgetTags', ['budgets:ListTagsForResource'], scope.budgets),
    ...statement('ReadCosts', ['ce:GetCostAndUsage', 'ce:GetCostForecast'], ['*']),
    ...statement(
      'ReadRunTimeSecrets',
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      scope.secrets,
    ),
  ]);
}

/**
 * Deploy permissions: write access to exactly the resources the config declares. The role may pass
 * only the functions' execution roles, only to Lambda, and attach only the managed policies the
 * config lists. It may read, not change, the GitHub roles and the OIDC provider, so a deploy can
 * never widen its own access: those change only through a bootstrap with admin credentials.
 */
export function deployPolicy(section: AwsSection, providerArn: string): SpecValue {
  const scope = scopeOf(section, providerArn);
  const roleWriteActions = [
    ...roleReadActions,
    'iam:CreateRole',
    'iam:DeleteRole',
    'iam:DetachRolePolicy',
    'iam:TagRole',
    'iam:UntagRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:UpdateRole',
    ...(scope.inlinePolicies ? ['iam:DeleteRolePolicy', 'iam:PutRolePolicy'] : []),
  ];
  const functionWriteActions = [
    ...functionReadActions,
    'lambda:AddPermission',
    'lambda:CreateAlias',
    'lambda:CreateFunction',
    'lambda:CreateFunctionUrlConfig',
    'lambda:DeleteAlias',
    'lambda:DeleteFunction',
    'lambda:DeleteFunctionConcurrency',
    'lambda:DeleteFunctionUrlConfig',
    'lambda:PublishVersion',
    'lambda:PutFunctionConcurrency',
    'lambda:RemovePermission',
    'lambda:TagResource',
    'lambda:UntagResource',
    'lambda:UpdateAlias',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
    'lambda:UpdateFunctionUrlConfig',
  ];
  return document([
    ...statement('ManageExecutionRoles', roleWriteActions, scope.executionRoles),
    ...(scope.managedPolicies.length > 0
      ? statement('AttachListedManagedPolicies', ['iam:AttachRolePolicy'], scope.executionRoles, {
          ArnEquals: { 'iam:PolicyARN': scope.managedPolicies },
        })
      : []),
    ...statement('PassExecutionRolesToLambda', ['iam:PassRole'], scope.passedRoles, {
      StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    }),
    ...statement('ReadGitHubRoles', roleReadActions, scope.githubRoles),
    ...statement(
      'ReadOidcProvider',
      ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags'],
      [scope.oidcProvider],
    ),
    ...statement(
      'ListForPruning',
      ['iam:ListOpenIDConnectProviders', 'iam:ListRoles', 'lambda:ListFunctions'],
      ['*'],
    ),
    ...pruneTagStatements(section),
    ...statement('ManageFunctions', functionWriteActions, scope.functions),
    ...statement('DescribeLogGroups', ['logs:DescribeLogGroups'], [scope.logGroupWildcard]),
    ...statement(
      'ManageLogGroups',
      [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:DeleteRetentionPolicy',
        'logs:ListTagsForResource',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      scope.logGroups,
    ),
    ...statement('ListBudgets', ['budgets:ViewBudget'], [scope.budgetWildcard]),
    ...statement(
      'ManageBudgets',
      [
        'budgets:ListTagsForResource',
        'budgets:ModifyBudget',
        'budgets:TagResource',
        'budgets:UntagResource',
        'budgets:ViewBudget',
      ],
      scope.budgets,
    ),
    ...statement(
      'ReadRunTimeSecrets',
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      scope.secrets,
    ),
  ]);
}

/**
 * Preview permissions: a pull request's copy of each function, named `<functionName>-pr-<N>`, with
 * its alias, public function URL and log group, and the sweep that deletes them. The role may read
 * the base functions but change only names matching `<functionName>-pr-*`. It may pass only the
 * execution roles, only to Lambda, and read the run-time secrets. It has no IAM write access.
 */
export function previewPolicy(section: AwsSection, providerArn: string): SpecValue {
  const scope = scopeOf(section, providerArn);
  const previewFunctionActions = [
    ...functionReadActions,
    'lambda:AddPermission',
    'lambda:CreateAlias',
    'lambda:CreateFunction',
    'lambda:CreateFunctionUrlConfig',
    'lambda:DeleteAlias',
    'lambda:DeleteFunction',
    'lambda:DeleteFunctionUrlConfig',
    'lambda:PublishVersion',
    'lambda:RemovePermission',
    'lambda:TagResource',
    'lambda:UntagResource',
    'lambda:UpdateAlias',
    'lambda:UpdateFunctionCode',
    'lambda:UpdateFunctionConfiguration',
    'lambda:UpdateFunctionUrlConfig',
  ];
  return document([
    ...statement('ReadBaseFunctions', functionReadActions, scope.functions),
    ...statement('ListFunctions', ['lambda:ListFunctions'], ['*']),
    ...statement('ManagePreviewFunctions', previewFunctionActions, scope.previewFunctions),
    ...statement('PassExecutionRolesToLambda', ['iam:PassRole'], scope.passedRoles, {
      StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    }),
    ...statement('DescribeLogGroups', ['logs:DescribeLogGroups'], [scope.logGroupWildcard]),
    ...statement(
      'ManagePreviewLogGroups',
      [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:DeleteRetentionPolicy',
        'logs:ListTagsForResource',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      scope.previewLogGroups,
    ),
    ...statement(
      'ReadRunTimeSecrets',
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      scope.secrets,
    ),
  ]);
}
