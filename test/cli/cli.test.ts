import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Composition } from '../../actions/cli/commands.ts';
import { run } from '../../actions/cli/run.ts';
import { createEnvironmentSecretResolver } from '../../actions/engine/secrets.ts';
import { FakeCloud, createFakeProvider } from '../engine/fakes.ts';
import { awsKinds, oktaKinds, seedSections } from '../engine/world.ts';

let root: string | undefined;

afterEach(async () => {
  if (root !== undefined) {
    await rm(root, { recursive: true, force: true });
    root = undefined;
  }
});

/** Makes a working directory with config/dev.yaml and config/prod.yaml over the fake providers. */
async function workspace(sections: Record<string, unknown> = seedSections()) {
  root = await mkdtemp(join(tmpdir(), 'gitops-cli-'));
  await mkdir(join(root, 'config'));
  const write = (environment: string, branch: string, extra: Record<string, unknown> = {}) =>
    writeFile(
      join(root!, 'config', `${environment}.yaml`),
      stringify({ environment, branch, ...extra, ...sections }),
    );
  await write('dev', 'dev');
  await write('prod', 'main');
  const cloud = new FakeCloud();
  const providers = [
    createFakeProvider('aws', cloud, awsKinds),
    createFakeProvider('okta', cloud, oktaKinds),
  ];
  const composition: Composition = {
    sectionSchemas: providers,
    createProviders: () => providers,
    createSecretResolver: (options) => createEnvironmentSecretResolver(options.env),
  };
  return { root, cloud, composition, write };
}

async function cli(argv: string[], composition: Composition, options: { isTTY?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    argv,
    {
      stdout: { write: (text: string) => (stdout += text), isTTY: options.isTTY ?? false },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: root!,
    },
    {
      composition,
      engineOverrides: {
        now: () => new Date(0),
        sleep: () => Promise.resolve(),
        random: () => 0.5,
      },
    },
  );
  return { code, stdout, stderr };
}

describe('gitops arguments', () => {
  it('prints help', async () => {
    const { composition } = await workspace();
    const result = await cli(['--help'], composition);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: gitops <command>');
  });

  it('rejects an unknown command', async () => {
    const { composition } = await workspace();
    const result = await cli(['deploy'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown command "deploy"');
  });

  it('requires --env', async () => {
    const { composition } = await workspace();
    const result = await cli(['plan'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('plan needs --env');
  });

  it('rejects an unknown format', async () => {
    const { composition } = await workspace();
    const result = await cli(['plan', '--env', 'dev', '--format', 'yaml'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--format must be one of text, markdown, json (got "yaml")');
  });

  it('rejects an unknown option', async () => {
    const { composition } = await workspace();
    const result = await cli(['plan', '--env', 'dev', '--dry-run'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unknown option '--dry-run'");
  });

  it('rejects a bad parallelism', async () => {
    const { composition } = await workspace();
    const result = await cli(['plan', '--env', 'dev', '--parallelism', '0'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--parallelism must be a whole number from 1 to 32 (got "0")');
  });
});

describe('gitops validate', () => {
  it('exits 0 for a valid config', async () => {
    const { composition } = await workspace();
    const result = await cli(['validate', '--env', 'dev'], composition);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('dev: the config is valid (config/dev.yaml)');
    expect(result.stdout).toBe('');
  });

  it('exits 1 with positions', async () => {
    const { composition } = await workspace();
    await writeFile(
      join(root!, 'config', 'dev.yaml'),
      'environment: dev\nbranch: dev\nprnue: true\n',
    );
    const result = await cli(['validate', '--env', 'dev'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'config/dev.yaml:3:1 prnue: unknown key "prnue" at the top level. Did you mean "prune"?',
    );
    expect(result.stderr).toContain('nothing was sent to any vendor');
  });

  it('prints problems as JSON', async () => {
    const { composition } = await workspace();
    await writeFile(
      join(root!, 'config', 'dev.yaml'),
      'environment: dev\nbranch: dev\nprnue: true\n',
    );
    const result = await cli(['validate', '--env', 'dev', '--format', 'json'], composition);
    const parsed = JSON.parse(result.stdout) as {
      version: number;
      valid: boolean;
      problems: Array<{ rule: string }>;
    };
    expect(parsed.version).toBe(1);
    expect(parsed.valid).toBe(false);
    expect(parsed.problems.map((problem) => problem.rule)).toEqual(['config.unknown-key']);
  });

  it('makes no vendor call', async () => {
    const { composition, cloud } = await workspace();
    await cli(['validate', '--env', 'dev'], composition);
    expect(cloud.calls).toEqual([]);
  });
});

describe('gitops plan', () => {
  it('exits 2 when there are changes', async () => {
    const { composition, cloud } = await workspace();
    const result = await cli(['plan', '--env', 'dev'], composition);
    expect(result.code).toBe(2);
    expect(result.stdout.split('\n')[0]).toBe(
      'Plan for dev: 4 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged.',
    );
    expect(cloud.writes()).toEqual([]);
  });

  it('exits 0 without changes', async () => {
    const { composition } = await workspace();
    expect((await cli(['apply', '--env', 'dev'], composition)).code).toBe(0);
    const result = await cli(['plan', '--env', 'dev'], composition);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('No changes for dev: 4 unchanged.');
  });

  it('exits 1 on a conflict', async () => {
    const { composition, cloud } = await workspace();
    cloud.seed('aws:iam:Role', { name: 'backend-dev' });
    const result = await cli(['plan', '--env', 'dev'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('conflict with existing ones');
  });

  it('exits 1 on invalid config', async () => {
    const { composition, cloud } = await workspace();
    await writeFile(join(root!, 'config', 'dev.yaml'), 'environment: dev\nbranch: main\n');
    const result = await cli(['plan', '--env', 'dev'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[config.branch-duplicate]');
    expect(cloud.calls).toEqual([]);
  });

  it('writes JSON to stdout', async () => {
    const { composition } = await workspace();
    const result = await cli(['plan', '--env', 'dev', '--format', 'json'], composition);
    const plan = JSON.parse(result.stdout) as {
      version: number;
      summary: { total: { create: number } };
    };
    expect(plan.version).toBe(1);
    expect(plan.summary.total.create).toBe(4);
  });

  it('writes Markdown to --out', async () => {
    const { composition } = await workspace();
    const result = await cli(
      ['plan', '--env', 'dev', '--format', 'markdown', '--out', 'plan.md'],
      composition,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(await readFile(join(root!, 'plan.md'), 'utf8')).toContain('## Plan for `dev`');
  });

  it('colours only a TTY', async () => {
    const { composition } = await workspace();
    expect((await cli(['plan', '--env', 'dev'], composition, { isTTY: true })).stdout).toContain(
      '\u001b[',
    );
    expect(
      (await cli(['plan', '--env', 'dev'], composition, { isTTY: false })).stdout,
    ).not.toContain('\u001b[');
  });
});

describe('gitops apply', () => {
  it('applies and reports', async () => {
    const { composition, cloud } = await workspace();
    const result = await cli(['apply', '--env', 'dev'], composition);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      'Apply succeeded for dev: 4 applied, 0 unchanged, 0 failed, 0 skipped.',
    );
    expect(result.stderr).toContain('aws.roles.lambda: creating aws:iam:Role backend-dev');
    expect(cloud.ofKind('okta:App')).toHaveLength(1);
  });

  it('exits 1 when a resource fails', async () => {
    const { composition, cloud } = await workspace();
    cloud.interceptor = (call) =>
      call.method === 'create' && call.kind === 'okta:App' ? new Error('boom') : undefined;
    const result = await cli(['apply', '--env', 'dev'], composition);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed create okta.apps.spa');
  });

  it('exits 1 when a secret is missing', async () => {
    const sections = seedSections() as {
      aws: { functions: { api: { environment: Record<string, unknown> } } };
    };
    sections.aws.functions.api.environment.DB_PASSWORD = {
      secret: { name: 'DB_PASSWORD', from: 'env' },
    };
    const { composition, cloud } = await workspace(sections);
    const result = await cli(['apply', '--env', 'dev'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[ERR_SECRET_UNRESOLVED]');
    expect(result.stderr).toContain('export the environment variable DB_PASSWORD');
    expect(cloud.writes()).toEqual([]);
  });
});

describe('gitops outputs', () => {
  it('prints known outputs', async () => {
    const { composition } = await workspace();
    await cli(['apply', '--env', 'dev'], composition);
    const result = await cli(['outputs', '--env', 'dev', '--format', 'json'], composition);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      outputs: Record<string, Record<string, unknown>>;
    };
    expect(parsed.outputs['aws.roles.lambda']?.arn).toMatch(/^arn:fake:role-/);
    expect(parsed.outputs['okta.apps.spa']?.clientSecret).toBe('(sensitive)');
  });
});

describe('gitops schema', () => {
  it('writes and checks the schema', async () => {
    const { composition } = await workspace();
    expect((await cli(['schema', '--out', 'schema.json'], composition)).code).toBe(0);
    const schema = JSON.parse(await readFile(join(root!, 'schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'environment',
      'branch',
      'prune',
      'aws',
      'okta',
    ]);
    expect((await cli(['schema', '--check', '--out', 'schema.json'], composition)).code).toBe(0);
    await writeFile(join(root!, 'schema.json'), '{}\n');
    const stale = await cli(['schema', '--check', '--out', 'schema.json'], composition);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('schema.json is stale');
  });
});

describe('gitops environment', () => {
  it('maps a branch to its environment', async () => {
    const { composition } = await workspace();
    const result = await cli(['environment', '--branch', 'main'], composition);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('prod\n');
  });

  it('exits 1 for an unmapped branch', async () => {
    const { composition } = await workspace();
    const result = await cli(['environment', '--branch', 'feature/x'], composition);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has branch: feature/x');
  });
});

describe('bin.js', () => {
  it('runs the CLI through tsx', async () => {
    const bin = new URL('../../actions/cli/bin.js', import.meta.url);
    const { stdout } = await promisify(execFile)(process.execPath, [bin.pathname, '--help']);
    expect(stdout).toContain('Usage: gitops <command>');
  });

  it('passes the exit code on', async () => {
    const bin = new URL('../../actions/cli/bin.js', import.meta.url);
    const error = (await promisify(execFile)(process.execPath, [bin.pathname, 'deploy']).catch(
      (caught: unknown) => caught,
    )) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('unknown command "deploy"');
  });
});
