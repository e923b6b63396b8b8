import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awsSchema } from '../../actions/providers/aws/index.ts';
import type { AwsSection } from '../../actions/providers/aws/index.ts';
import { checkAwsSection } from '../../actions/providers/aws/check.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function devAws(): Record<string, unknown> {
  const config = parse(readFileSync(resolve(root, 'config/dev.yaml'), 'utf8')) as {
    aws: Record<string, unknown>;
  };
  return config.aws;
}

function issues(section: unknown): Array<{ path: string; message: string }> {
  const result = awsSchema.safeParse(section);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function withGitHub(changes: Record<string, unknown>): Record<string, unknown> {
  const section = devAws();
  return { ...section, github: { ...(section.github as object), ...changes } };
}

function valid(): AwsSection {
  return awsSchema.parse(devAws());
}

describe('awsSchema', () => {
  it('accepts the dev config', () => {
    expect(issues(devAws())).toEqual([]);
  });

  it('converts to JSON Schema', () => {
    const schema = z.toJSONSchema(awsSchema) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'accountId',
      'budgets',
      'functionUrls',
      'functions',
      'github',
      'region',
      'roles',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('rejects unknown keys', () => {
    const section = devAws();
    const roles = section.roles as Record<string, Record<string, unknown>>;
    const result = issues({ ...section, roles: { lambda: { ...roles.lambda, rolename: 'typo' } } });
    expect(result.map((issue) => issue.path)).toEqual(['roles.lambda']);
    expect(result[0]?.message).toContain('rolename');
  });

  it.each([
    ['repository', { repository: 'example-owner/*' }],
    ['branch', { branch: 'release/*' }],
    ['branch', { branch: 'dev?' }],
    ['defaultBranch', { defaultBranch: 'ma*' }],
    ['environment', { environment: '*' }],
  ])('rejects a wildcard %s', (field, changes) => {
    const result = issues(withGitHub(changes));
    expect(result.map((issue) => issue.path)).toEqual([`github.${field}`]);
    expect(result[0]?.message).toContain('without * or ?');
  });

  it('requires defaultBranch', () => {
    const result = issues(withGitHub({ defaultBranch: undefined }));
    expect(result.map((issue) => issue.path)).toEqual(['github.defaultBranch']);
  });

  it('rejects reserved environment keys', () => {
    const section = devAws();
    const functions = section.functions as Record<string, Record<string, unknown>>;
    const result = issues({
      ...section,
      functions: { api: { ...functions.api, environment: { AWS_REGION: 'eu-west-1' } } },
    });
    expect(result).toEqual([
      {
        path: 'functions.api.environment.AWS_REGION',
        message: 'key "AWS_REGION" is reserved by the Lambda runtime and cannot be set',
      },
    ]);
  });

  it('rejects marker tag keys', () => {
    const section = devAws();
    const budgets = section.budgets as Record<string, Record<string, unknown>>;
    const result = issues({
      ...section,
      budgets: { monthly: { ...budgets.monthly, tags: { 'gitops:address': 'x' } } },
    });
    expect(result).toEqual([
      {
        path: 'budgets.monthly.tags.gitops:address',
        message:
          'key "gitops:address" must not start with aws: (reserved by AWS) or gitops: (the ownership marker)',
      },
    ]);
  });

  it('rejects other runtimes and retentions', () => {
    const section = devAws();
    const functions = section.functions as Record<string, Record<string, unknown>>;
    const result = issues({
      ...section,
      functions: { api: { ...functions.api, runtime: 'nodejs18.x', logRetentionInDays: 10 } },
    });
    expect(result.map((issue) => issue.path).sort()).toEqual([
      'functions.api.logRetentionInDays',
      'functions.api.runtime',
    ]);
  });

  it('requires a principal in trust policies', () => {
    const section = devAws();
    const roles = section.roles as Record<string, Record<string, unknown>>;
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
    };
    const result = issues({
      ...section,
      roles: { lambda: { ...roles.lambda, assumeRolePolicyDocument: trust } },
    });
    expect(result).toEqual([
      {
        path: 'roles.lambda.assumeRolePolicyDocument.Statement.0',
        message: 'a trust policy statement needs a Principal',
      },
    ]);
  });
});

describe('checkAwsSection', () => {
  it('finds nothing in the dev config', () => {
    expect(checkAwsSection(valid())).toEqual([]);
  });

  it('rejects a duplicate role name', () => {
    const section = valid();
    const github = section.github;
    if (github === undefined) {
      throw new Error('dev config has no github block');
    }
    const problems = checkAwsSection({
      ...section,
      github: { ...github, deployRole: { roleName: 'example-backend-dev' } },
    });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.unique-role-names', 'github.deployRole.roleName'],
    ]);
  });

  it('rejects a duplicate preview role name', () => {
    const section = valid();
    const github = section.github;
    if (github === undefined) {
      throw new Error('dev config has no github block');
    }
    const problems = checkAwsSection({
      ...section,
      github: { ...github, previewRole: { roleName: github.planRole.roleName } },
    });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.unique-role-names', 'github.previewRole.roleName'],
    ]);
  });

  it('rejects previews without pull requests', () => {
    const section = valid();
    const github = section.github;
    if (github === undefined) {
      throw new Error('dev config has no github block');
    }
    const problems = checkAwsSection({ ...section, github: { ...github, pullRequests: false } });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.preview-pull-requests', 'github.previewRole'],
    ]);
    expect(problems[0]?.message).toContain('set pullRequests: true or remove previewRole');
  });

  it('rejects previews without functions', () => {
    const section = valid();
    const problems = checkAwsSection({ ...section, functions: {}, functionUrls: {} });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.preview-functions', 'github.previewRole'],
    ]);
  });

  it('rejects a function named like a preview', () => {
    const section = valid();
    const fn = section.functions?.api;
    if (fn === undefined) {
      throw new Error('dev config has no function');
    }
    const problems = checkAwsSection({
      ...section,
      functions: { api: fn, worker: { ...fn, functionName: 'example-backend-dev-pr-jobs' } },
    });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.preview-name-clash', 'functions.worker.functionName'],
    ]);
    expect(problems[0]?.message).toContain('example-backend-dev-pr-*');
  });

  it('rejects a URL qualifier that is not the alias', () => {
    const section = valid();
    const url = section.functionUrls?.api;
    if (url === undefined) {
      throw new Error('dev config has no function URL');
    }
    const problems = checkAwsSection({
      ...section,
      functionUrls: { api: { ...url, qualifier: 'stable' } },
    });
    expect(problems.map((problem) => problem.rule)).toEqual(['aws.function-url-qualifier']);
    expect(problems[0]?.message).toContain('"live"');
  });

  it('rejects a role reference outside aws.roles', () => {
    const section = valid();
    const fn = section.functions?.api;
    if (fn === undefined) {
      throw new Error('dev config has no function');
    }
    const problems = checkAwsSection({
      ...section,
      functions: { api: { ...fn, role: '${aws.githubRoles.deploy.arn}' } },
    });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.function-role', 'functions.api.role'],
    ]);
  });

  it('rejects credentials with a wildcard origin', () => {
    const section = valid();
    const url = section.functionUrls?.api;
    if (url === undefined) {
      throw new Error('dev config has no function URL');
    }
    const problems = checkAwsSection({
      ...section,
      functionUrls: { api: { ...url, cors: { ...url.cors, allowCredentials: true } } },
    });
    expect(problems.map((problem) => problem.rule)).toEqual(['aws.cors-credentials-wildcard']);
  });

  it('rejects reserved concurrency over the quota', () => {
    const section = valid();
    const fn = section.functions?.api;
    if (fn === undefined) {
      throw new Error('dev config has no function');
    }
    const problems = checkAwsSection({
      ...section,
      functions: { api: { ...fn, reservedConcurrentExecutions: 901 } },
    });
    expect(problems.map((problem) => problem.rule)).toEqual(['aws.reserved-concurrency']);
  });

  it('rejects repeated thresholds', () => {
    const section = valid();
    const budget = section.budgets?.monthly;
    if (budget === undefined) {
      throw new Error('dev config has no budget');
    }
    const problems = checkAwsSection({
      ...section,
      budgets: { monthly: { ...budget, thresholds: [50, 80, 50] } },
    });
    expect(problems.map((problem) => [problem.rule, problem.path.join('.')])).toEqual([
      ['aws.budget-thresholds-unique', 'budgets.monthly.thresholds.2'],
    ]);
  });
});
