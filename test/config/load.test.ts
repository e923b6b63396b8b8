import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../actions/engine/config/load.ts';
import type { LoadResult } from '../../actions/engine/config/load.ts';
import type { Target } from '../../actions/engine/config/placeholders.ts';
import { formatProblem } from '../../actions/engine/config/problems.ts';
import type { Problem } from '../../actions/engine/config/problems.ts';
import { testProviders } from './providers.ts';

// A valid dev config; tests replace lines of it. Line numbers matter: line 1 is `environment`.
const valid = `environment: dev
branch: dev
aws:
  accountId: '210987654321'
  region: us-east-1
  roles:
    lambda:
      roleName: backend-dev
  functions:
    api:
      functionName: backend-dev
      role: \${aws.roles.lambda.arn}
      runtime: nodejs22.x
      memorySize: 512
      environment:
        OKTA_CLIENT_ID: \${okta.apps.spa.clientId}
  functionUrls:
    api:
      functionName: \${aws.functions.api.functionName}
      authType: NONE
okta:
  orgUrl: https://dev-98765432.okta.com
  apps:
    spa:
      label: Backend (dev)
      redirectUris:
        - http://localhost:8000/cb
        - \${aws.functionUrls.api.url}cb
`;

const prodBranch = 'environment: prod\nbranch: prod\n';

let root: string | undefined;

afterEach(async () => {
  if (root !== undefined) {
    await rm(root, { recursive: true, force: true });
    root = undefined;
  }
});

async function load(
  files: Record<string, string>,
  options: { environment?: string; target?: Target } = {},
): Promise<LoadResult> {
  root = await mkdtemp(join(tmpdir(), 'gitops-config-'));
  const configDir = join(root, 'config');
  await mkdir(configDir);
  for (const [name, text] of Object.entries({ 'prod.yaml': prodBranch, ...files })) {
    await writeFile(join(configDir, name), text);
  }
  return loadConfig({
    configDir,
    environment: options.environment ?? 'dev',
    providers: testProviders,
    target: options.target ?? 'local',
    displayRoot: root,
  });
}

function replaceLine(text: string, line: number, replacement: string): string {
  const lines = text.split('\n');
  lines.splice(line - 1, 1, ...replacement.split('\n'));
  return lines.join('\n');
}

function only(result: LoadResult, rule: string): Problem {
  const matching = result.problems.filter((problem) => problem.rule === rule);
  expect(matching, result.problems.map(formatProblem).join('\n')).toHaveLength(1);
  return matching[0]!;
}

function where(problem: Problem): string {
  return `${problem.position?.file}:${problem.position?.line}:${problem.position?.column}`;
}

describe('loadConfig', () => {
  it('loads a valid config', async () => {
    const result = await load({ 'dev.yaml': valid });
    expect(result.problems).toEqual([]);
    expect(result.config?.environment).toBe('dev');
    expect(result.config?.branch).toBe('dev');
    expect(result.config?.prune).toBe(false);
    expect(Object.keys(result.config?.sections ?? {})).toEqual(['aws', 'okta']);
    expect(result.config?.files).toEqual(['config/dev.yaml']);
  });

  it('reports YAML syntax errors', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 5, '  region: [us-east-1') });
    const problem = result.problems[0]!;
    expect(problem.rule).toBe('config.yaml-syntax');
    expect(problem.position?.file).toBe('config/dev.yaml');
    expect(result.config).toBeUndefined();
  });

  it('reports duplicate keys', async () => {
    const result = await load({
      'dev.yaml': replaceLine(valid, 5, '  region: us-east-1\n  region: eu-west-1'),
    });
    const problem = only(result, 'config.duplicate-key');
    expect(where(problem)).toBe('config/dev.yaml:6:3');
  });

  it('rejects a file that is not a map', async () => {
    const result = await load({ 'dev.yaml': '- just\n- a list\n' });
    expect(only(result, 'config.not-a-map').path).toBe('');
  });

  it('names a missing environment file', async () => {
    const result = await load({ 'dev.yaml': valid }, { environment: 'prd' });
    const problem = only(result, 'config.file-missing');
    expect(problem.message).toContain('Did you mean "prod"?');
    expect(problem.message).toContain('Environments: dev, prod.');
  });

  it('reports unknown top-level keys', async () => {
    const result = await load({ 'dev.yaml': `${valid}prnue: true\n` });
    const problem = only(result, 'config.unknown-key');
    expect(problem.path).toBe('prnue');
    expect(where(problem)).toBe('config/dev.yaml:29:1');
    expect(problem.message).toContain('Did you mean "prune"?');
  });

  it('reports unknown nested keys', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 8, '      roleNmae: backend-dev') });
    const unknown = only(result, 'config.unknown-key');
    expect(unknown.path).toBe('aws.roles.lambda.roleNmae');
    expect(where(unknown)).toBe('config/dev.yaml:8:7');
    expect(unknown.message).toContain('Did you mean "roleName"?');
    // The misspelt key also leaves the required one missing.
    const missing = only(result, 'schema.missing');
    expect(missing.path).toBe('aws.roles.lambda.roleName');
    expect(where(missing)).toBe('config/dev.yaml:7:5');
  });

  it('reports a wrong type with the value', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 14, '      memorySize: lots') });
    const problem = only(result, 'schema.invalid_type');
    expect(problem.path).toBe('aws.functions.api.memorySize');
    expect(where(problem)).toBe('config/dev.yaml:14:19');
    expect(problem.message).toBe('expected number, got string (got "lots"); write a number here');
  });

  it('reports an out-of-range number', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 14, '      memorySize: 64') });
    const problem = only(result, 'schema.too_small');
    expect(problem.message).toContain('(got 64)');
  });

  it('suggests the closest enum value', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 13, '      runtime: nodejs22') });
    const problem = only(result, 'schema.invalid_value');
    expect(where(problem)).toBe('config/dev.yaml:13:16');
    expect(problem.message).toContain(
      'must be one of "nodejs20.x", "nodejs22.x", "nodejs24.x" (got "nodejs22")',
    );
    expect(problem.message).toContain('Did you mean "nodejs22.x"?');
  });

  it('explains the closest union branch', async () => {
    const text = replaceLine(
      valid,
      5,
      '  region: us-east-1\n  logging:\n    destination: cloudwatch\n    retentionInDays: forever',
    );
    const result = await load({ 'dev.yaml': text });
    const problem = only(result, 'schema.invalid_type');
    expect(problem.path).toBe('aws.logging.retentionInDays');
    expect(where(problem)).toBe('config/dev.yaml:8:22');
  });

  it('reports an unknown union variant', async () => {
    const text = replaceLine(valid, 5, '  region: us-east-1\n  logging:\n    destination: s3');
    const result = await load({ 'dev.yaml': text });
    const problem = result.problems.find((item) => item.path.startsWith('aws.logging'));
    expect(problem?.rule).toMatch(/^schema\./);
    expect(problem?.message).toContain('"s3"');
    expect(problem?.message).toContain('"cloudwatch"');
  });

  it('runs the provider rules', async () => {
    const second = '  functionUrls:';
    const text = replaceLine(
      valid,
      17,
      `    worker:\n      functionName: backend-dev\n      role: \${aws.roles.lambda.arn}\n      runtime: nodejs22.x\n${second}`,
    );
    const result = await load({ 'dev.yaml': text });
    const problem = only(result, 'aws.function-name-unique');
    expect(problem.path).toBe('aws.functions.worker.functionName');
    expect(where(problem)).toBe('config/dev.yaml:18:21');
  });

  it('reports every problem at once', async () => {
    let text = replaceLine(valid, 14, '      memorySize: lots');
    text = replaceLine(text, 13, '      runtime: nodejs22');
    text = `${text}prnue: true\n`;
    const result = await load({ 'dev.yaml': text });
    expect(result.problems.map((problem) => problem.rule)).toEqual([
      'schema.invalid_value',
      'schema.invalid_type',
      'config.unknown-key',
    ]);
  });

  it('checks the environment name', async () => {
    const result = await load({ 'dev.yaml': replaceLine(valid, 1, 'environment: develop') });
    const problem = only(result, 'config.environment-mismatch');
    expect(where(problem)).toBe('config/dev.yaml:1:14');
  });

  it('checks branches are unique', async () => {
    const result = await load({
      'dev.yaml': valid,
      'prod.yaml': 'environment: prod\nbranch: dev\n',
    });
    const problem = only(result, 'config.branch-duplicate');
    expect(where(problem)).toBe('config/dev.yaml:2:9');
    expect(problem.message).toContain('prod.yaml');
  });

  it('defaults prune to false', async () => {
    const result = await load({ 'dev.yaml': `${valid}prune: true\n` });
    expect(result.config?.prune).toBe(true);
  });
});

describe('secrets in config', () => {
  it('rejects a literal secret', async () => {
    const text = replaceLine(
      valid,
      16,
      '        OKTA_CLIENT_ID: ${okta.apps.spa.clientId}\n        DB_PASSWORD: hunter2-hunter2',
    );
    const result = await load({ 'dev.yaml': text });
    const problem = only(result, 'secret.literal');
    expect(problem.path).toBe('aws.functions.api.environment.DB_PASSWORD');
    expect(where(problem)).toBe('config/dev.yaml:17:22');
    expect(problem.message).not.toContain('hunter2');
    expect(problem.message).toContain('{ secret: { name: NAME, from: env } }');
  });

  it('rejects a private key anywhere', async () => {
    const text = replaceLine(valid, 25, '      label: "-----BEGIN RSA PRIVATE KEY-----"');
    const result = await load({ 'dev.yaml': text });
    expect(only(result, 'secret.literal').path).toBe('okta.apps.spa.label');
  });

  it('accepts a secret reference', async () => {
    const text = replaceLine(
      valid,
      16,
      '        OKTA_CLIENT_ID: ${okta.apps.spa.clientId}\n        DB_PASSWORD: { secret: { name: DB_PASSWORD, from: env } }',
    );
    const result = await load({ 'dev.yaml': text });
    expect(result.problems).toEqual([]);
    const aws = result.config?.sections.aws as {
      functions: { api: { environment: Record<string, string> } };
    };
    expect(aws.functions.api.environment.DB_PASSWORD).toBe('${secret:env:DB_PASSWORD}');
  });

  it('rejects a malformed secret reference', async () => {
    const text = replaceLine(
      valid,
      16,
      '        OKTA_CLIENT_ID: ${okta.apps.spa.clientId}\n        DB_PASSWORD: { secret: { name: DB_PASSWORD, from: vault } }',
    );
    const result = await load({ 'dev.yaml': text });
    const problem = only(result, 'secret.invalid-reference');
    expect(problem.message).toContain('"from" must be env or secretsManager (got "vault")');
  });

  it('hides values under secret keys in schema errors', async () => {
    const text = replaceLine(
      valid,
      16,
      '        OKTA_CLIENT_ID: ${okta.apps.spa.clientId}\n        API_TOKEN: 12345678',
    );
    const result = await load({ 'dev.yaml': text });
    const messages = result.problems.map(formatProblem).join('\n');
    expect(messages).not.toContain('12345678');
  });
});

describe('placeholders', () => {
  const placeholderConfig = replaceLine(
    replaceLine(valid, 4, "  accountId: '123456789012'"),
    22,
    '  orgUrl: https://dev-12345678.okta.com',
  );

  it('allows placeholders locally', async () => {
    const result = await load({ 'dev.yaml': placeholderConfig }, { target: 'local' });
    expect(result.problems).toEqual([]);
  });

  it('rejects placeholders for the cloud', async () => {
    const result = await load({ 'dev.yaml': placeholderConfig }, { target: 'cloud' });
    const problems = result.problems.filter((problem) => problem.rule === 'config.placeholder');
    expect(problems.map(where)).toEqual(['config/dev.yaml:4:14', 'config/dev.yaml:22:11']);
    expect(problems[0]?.message).toContain(
      `"123456789012" is the template's placeholder AWS account id`,
    );
    expect(problems[0]?.message).toContain('--target local');
    expect(result.config).toBeUndefined();
  });
});

describe('references', () => {
  it('reports an unknown resource', async () => {
    const result = await load({
      'dev.yaml': replaceLine(valid, 12, '      role: ${aws.roles.lamda.arn}'),
    });
    const problem = only(result, 'reference.unknown-resource');
    expect(problem.path).toBe('aws.functions.api.role');
    expect(where(problem)).toBe('config/dev.yaml:12:13');
    expect(problem.message).toContain('Did you mean "aws.roles.lambda"?');
  });

  it('reports an unknown output', async () => {
    const result = await load({
      'dev.yaml': replaceLine(valid, 12, '      role: ${aws.roles.lambda.ARN}'),
    });
    const problem = only(result, 'reference.unknown-output');
    expect(problem.message).toContain('has no output "ARN"');
    expect(problem.message).toContain('Did you mean "arn"?');
  });

  it('allows a spec field as output', async () => {
    const result = await load({ 'dev.yaml': valid });
    expect(result.problems.filter((problem) => problem.rule.startsWith('reference.'))).toEqual([]);
  });

  it('reports a malformed reference', async () => {
    const result = await load({
      'dev.yaml': replaceLine(valid, 12, '      role: ${aws.roles.lambda}'),
    });
    const problem = only(result, 'reference.malformed');
    expect(problem.message).toContain('provider.collection.key.output');
  });

  it('reports a cycle with its path', async () => {
    // The role now needs the function URL, which needs the function, which needs the role.
    const text = replaceLine(
      valid,
      8,
      '      roleName: backend-dev\n      description: ${aws.functionUrls.api.url}',
    );
    const result = await load({ 'dev.yaml': text });
    const problem = only(result, 'reference.cycle');
    expect(problem.message).toContain(
      'aws.roles.lambda.description -> aws.functionUrls.api.functionName -> aws.functions.api.role -> aws.roles.lambda',
    );
    expect(where(problem)).toBe('config/dev.yaml:9:20');
  });

  it('allows a cycle through a deferrable field', async () => {
    // The seed config's cycle: function environment -> app -> function URL -> function.
    const result = await load({ 'dev.yaml': valid });
    expect(result.problems).toEqual([]);
    expect(result.config).toBeDefined();
  });
});

describe('base file', () => {
  const base = `aws:
  region: eu-central-1
  roles:
    lambda:
      roleName: from-base
      description: Shared role
`;

  it('merges defaults under the environment', async () => {
    const text = replaceLine(valid, 5, '');
    const result = await load({ 'dev.yaml': text, 'base.yaml': base });
    expect(result.problems).toEqual([]);
    const aws = result.config?.sections.aws as {
      region: string;
      roles: { lambda: { roleName: string; description: string } };
    };
    expect(aws.region).toBe('eu-central-1');
    expect(aws.roles.lambda).toEqual({ roleName: 'backend-dev', description: 'Shared role' });
    expect(result.config?.files).toEqual(['config/dev.yaml', 'config/base.yaml']);
  });

  it('locates problems in the base file', async () => {
    const result = await load({
      'dev.yaml': valid,
      'base.yaml': base.replace('description', 'descripton'),
    });
    const problem = only(result, 'config.unknown-key');
    expect(where(problem)).toBe('config/base.yaml:6:7');
  });

  it('is not an environment', async () => {
    const result = await load({ 'dev.yaml': valid, 'base.yaml': base }, { environment: 'base' });
    expect(only(result, 'config.file-missing').message).toContain('Environments: dev, prod.');
  });
});

describe('formatProblem', () => {
  it('formats file, path, message and rule', () => {
    expect(
      formatProblem({
        rule: 'schema.invalid_type',
        path: 'aws.functions.api.memorySize',
        message: 'expected number',
        position: { file: 'config/dev.yaml', line: 14, column: 19 },
        severity: 'error',
      }),
    ).toBe(
      'config/dev.yaml:14:19 aws.functions.api.memorySize: expected number [schema.invalid_type]',
    );
  });
});
