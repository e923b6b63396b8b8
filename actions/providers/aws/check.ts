// Cross-field rules of the `aws:` section that the schema cannot express. Each problem names the
// path, the value and the fix; all are reported together before any AWS call.
import type { ConfigProblem } from '../../engine/provider.ts';
import { previewSuffix } from './github.ts';
import type { AwsSection } from './schema.ts';
import { referencePattern } from './schema.ts';

/** Unreserved concurrency Lambda keeps for every account, out of the default quota of 1000. */
const defaultConcurrencyQuota = 1000;
const minimumUnreserved = 100;

function referenceParts(value: string): string[] | undefined {
  return referencePattern.test(value) ? value.slice(2, -1).split('.') : undefined;
}

function duplicates(
  entries: Array<{ path: (string | number)[]; name: string }>,
  rule: string,
  what: string,
): ConfigProblem[] {
  const seen = new Map<string, (string | number)[]>();
  const problems: ConfigProblem[] = [];
  for (const entry of entries) {
    const first = seen.get(entry.name);
    if (first === undefined) {
      seen.set(entry.name, entry.path);
    } else {
      problems.push({
        path: entry.path,
        rule,
        message: `${what} "${entry.name}" is also used at aws.${first.join('.')}; give each its own name.`,
      });
    }
  }
  return problems;
}

function checkFunctions(section: AwsSection): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let reserved = 0;
  for (const [key, fn] of Object.entries(section.functions ?? {})) {
    const parts = referenceParts(fn.role);
    if (parts !== undefined) {
      const [provider, collection, roleKey, output] = parts;
      if (
        provider !== 'aws' ||
        collection !== 'roles' ||
        output !== 'arn' ||
        section.roles?.[roleKey ?? ''] === undefined
      ) {
        problems.push({
          path: ['functions', key, 'role'],
          rule: 'aws.function-role',
          message: `role "${fn.role}" must refer to the arn of a role under aws.roles, such as \${aws.roles.lambda.arn}.`,
        });
      }
    } else if (!fn.role.startsWith(`arn:aws:iam::${section.accountId}:`)) {
      problems.push({
        path: ['functions', key, 'role'],
        rule: 'aws.function-role',
        message: `role "${fn.role}" is in another account than aws.accountId ${section.accountId}; use a role of account ${section.accountId}.`,
      });
    }
    reserved += fn.reservedConcurrentExecutions ?? 0;
  }
  if (reserved > defaultConcurrencyQuota - minimumUnreserved) {
    problems.push({
      path: ['functions'],
      rule: 'aws.reserved-concurrency',
      message: `the functions reserve ${reserved} concurrent executions in total, but Lambda keeps ${minimumUnreserved} of the default quota of ${defaultConcurrencyQuota} unreserved; reserve at most ${defaultConcurrencyQuota - minimumUnreserved}, or raise the account quota first.`,
    });
  }
  return problems;
}

function checkFunctionUrls(section: AwsSection): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, url] of Object.entries(section.functionUrls ?? {})) {
    const parts = referenceParts(url.functionName);
    if (parts !== undefined) {
      const [provider, collection, functionKey, output] = parts;
      const target =
        provider === 'aws' && collection === 'functions'
          ? section.functions?.[functionKey ?? '']
          : undefined;
      if (target === undefined || output !== 'functionName') {
        problems.push({
          path: ['functionUrls', key, 'functionName'],
          rule: 'aws.function-url-target',
          message: `functionName "${url.functionName}" must refer to the functionName of a function under aws.functions, such as \${aws.functions.api.functionName}.`,
        });
      } else if (url.qualifier !== undefined && url.qualifier !== target.alias) {
        problems.push({
          path: ['functionUrls', key, 'qualifier'],
          rule: 'aws.function-url-qualifier',
          message: `qualifier "${url.qualifier}" must be the alias of aws.functions.${functionKey ?? ''} (${target.alias === undefined ? 'which has none: set its alias' : `"${target.alias}"`}), because every deploy moves that alias to the new version.`,
        });
      }
    }
    const cors = url.cors;
    if (cors?.allowCredentials === true && (cors.allowOrigins ?? []).includes('*')) {
      problems.push({
        path: ['functionUrls', key, 'cors', 'allowCredentials'],
        rule: 'aws.cors-credentials-wildcard',
        message:
          'allowCredentials is true while allowOrigins contains "*"; browsers reject that combination, so list the exact origins.',
      });
    }
  }
  return problems;
}

function checkBudgets(section: AwsSection): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, budget] of Object.entries(section.budgets ?? {})) {
    const seen = new Set<number>();
    budget.thresholds.forEach((threshold, index) => {
      if (seen.has(threshold)) {
        problems.push({
          path: ['budgets', key, 'thresholds', index],
          rule: 'aws.budget-thresholds-unique',
          message: `threshold ${threshold}% is listed twice; list each percentage once.`,
        });
      }
      seen.add(threshold);
    });
  }
  return problems;
}

/**
 * Checks the preview role's preconditions, and that no function's name falls under another
 * function's preview pattern `<functionName>-pr-*`, which the preview role may change or delete.
 */
function checkPreviews(section: AwsSection): ConfigProblem[] {
  const github = section.github;
  if (github?.previewRole === undefined) {
    return [];
  }
  const problems: ConfigProblem[] = [];
  if (!github.pullRequests) {
    problems.push({
      path: ['github', 'previewRole'],
      rule: 'aws.preview-pull-requests',
      message:
        'previewRole is set while pullRequests is false, but previews run in pull_request workflows; set pullRequests: true or remove previewRole.',
    });
  }
  const functions = Object.entries(section.functions ?? {});
  if (functions.length === 0) {
    problems.push({
      path: ['github', 'previewRole'],
      rule: 'aws.preview-functions',
      message:
        'previewRole is set but aws.functions is empty, so there is nothing to preview; add a function or remove previewRole.',
    });
  }
  for (const [key, fn] of functions) {
    for (const [baseKey, base] of functions) {
      const pattern = `${base.functionName}${previewSuffix}`;
      if (baseKey !== key && fn.functionName.startsWith(pattern)) {
        problems.push({
          path: ['functions', key, 'functionName'],
          rule: 'aws.preview-name-clash',
          message: `functionName "${fn.functionName}" matches the preview names ${pattern}* of aws.functions.${baseKey}, so the preview role could change or delete it; rename it.`,
        });
      }
    }
  }
  return problems;
}

/** Checks the rules the schema cannot express and returns every problem found. */
export function checkAwsSection(section: AwsSection): ConfigProblem[] {
  const roleNames = [
    ...Object.entries(section.roles ?? {}).map(([key, role]) => ({
      path: ['roles', key, 'roleName'],
      name: role.roleName,
    })),
    ...(section.github === undefined
      ? []
      : [
          { path: ['github', 'planRole', 'roleName'], name: section.github.planRole.roleName },
          { path: ['github', 'deployRole', 'roleName'], name: section.github.deployRole.roleName },
          ...(section.github.previewRole === undefined
            ? []
            : [
                {
                  path: ['github', 'previewRole', 'roleName'],
                  name: section.github.previewRole.roleName,
                },
              ]),
        ]),
  ];
  return [
    ...duplicates(roleNames, 'aws.unique-role-names', 'roleName'),
    ...duplicates(
      Object.entries(section.functions ?? {}).map(([key, fn]) => ({
        path: ['functions', key, 'functionName'],
        name: fn.functionName,
      })),
      'aws.unique-function-names',
      'functionName',
    ),
    ...duplicates(
      Object.entries(section.budgets ?? {}).map(([key, budget]) => ({
        path: ['budgets', key, 'budgetName'],
        name: budget.budgetName,
      })),
      'aws.unique-budget-names',
      'budgetName',
    ),
    ...checkFunctions(section),
    ...checkFunctionUrls(section),
    ...checkBudgets(section),
    ...checkPreviews(section),
  ];
}
