// `npm run bootstrap` end to end: the real engine, AWS SDK and Octokit against the AWS and GitHub
// stand-ins on 127.0.0.1, with the repository's config/dev.yaml copied into a scratch folder.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runBootstrap } from '../../actions/bootstrap/run.ts';
import type { BootstrapIo } from '../../actions/bootstrap/run.ts';
import { startServer } from '../helpers/servers.ts';
import { adminCredentials, startAwsStandIn } from '../stand-ins/aws/index.ts';
import type { AwsStandIn } from '../stand-ins/aws/index.ts';
import { startGitHubStandIn } from '../stand-ins/github/index.ts';
import type { GitHubStandIn } from '../stand-ins/github/index.ts';

const repository = new URL('../../', import.meta.url);
const githubToken = 'ghp_bootstrap-admin-token-0123456789';

/** Vendor keys a person would export before running bootstrap; none may reach the output. */
const vendorKeys = {
  ATLAS_CLIENT_ID: 'mdb_sa_id_bootstrap',
  ATLAS_CLIENT_SECRET: 'mdb_sa_sk_bootstrap-client-secret-value',
  OKTA_API_TOKEN: '00bootstrap-okta-api-token-value',
};

let workspace: string | undefined;

afterEach(async () => {
  if (workspace !== undefined) {
    await rm(workspace, { recursive: true, force: true });
    workspace = undefined;
  }
});

interface World {
  readonly aws: AwsStandIn;
  readonly github: GitHubStandIn;
  readonly env: Record<string, string>;
  /** Runs bootstrap and returns its exit code and everything it wrote. */
  run(
    argv: string[],
    options?: { env?: Record<string, string | undefined>; confirm?: BootstrapIo['confirm'] },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts both stand-ins on one frozen clock, with the dev environment created on GitHub. */
async function startWorld(): Promise<World> {
  const clock = Date.UTC(2026, 5, 15, 12, 0, 0);
  const aws = await startAwsStandIn({ now: () => clock, listen: startServer, seed: 'bootstrap' });
  const github = await startGitHubStandIn({
    repositories: ['example-owner/example-backend'],
    tokens: [githubToken],
    now: () => new Date(clock),
    listen: startServer,
  });
  // A person creates the GitHub environment once, under Settings > Environments.
  await fetch(`${github.url}/repos/example-owner/example-backend/environments/dev`, {
    method: 'PUT',
    headers: { authorization: `token ${githubToken}` },
  });
  github.requests.length = 0;

  workspace = await mkdtemp(join(tmpdir(), 'gitops-bootstrap-'));
  await mkdir(join(workspace, 'config'));
  for (const file of ['dev.yaml', 'prod.yaml']) {
    await copyFile(new URL(`config/${file}`, repository), join(workspace, 'config', file));
  }
  const cwd = workspace;
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: adminCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: adminCredentials.secretAccessKey,
    GITHUB_API_URL: github.url,
    GH_ADMIN_TOKEN: githubToken,
    GITOPS_TARGET: 'local',
    ...vendorKeys,
  };

  return {
    aws,
    github,
    env,
    async run(argv, options = {}) {
      let stdout = '';
      let stderr = '';
      const io: BootstrapIo = {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: { ...env, ...options.env },
        cwd,
        ...(options.confirm === undefined ? {} : { confirm: options.confirm }),
      };
      const code = await runBootstrap(argv, io, {
        engineOverrides: { now: () => new Date(clock), sleep: () => Promise.resolve() },
      });
      return { code, stdout, stderr };
    },
  };
}

const fullRun = ['--env', 'dev', '--yes', '--github-token-env', 'GH_ADMIN_TOKEN'];

function githubWrites(github: GitHubStandIn) {
  return github.requests.filter((request) => request.method !== 'GET');
}

function secretString(aws: AwsStandIn, name: string): string | undefined {
  const versions = aws.state().secretsmanager.secrets[name]?.Versions ?? [];
  return versions.find((version) => version.VersionStages.includes('AWSCURRENT'))?.SecretString;
}

describe('bootstrap', () => {
  it('creates roles, secrets and variables', async () => {
    const world = await startWorld();

    const result = await world.run(fullRun);

    expect(result.stderr).not.toContain('failed');
    expect(result.code).toBe(0);
    const state = world.aws.state();
    expect(Object.keys(state.iam.roles).sort()).toEqual([
      'example-backend-dev-github-deploy',
      'example-backend-dev-github-plan',
      'example-backend-dev-github-preview',
    ]);
    expect(Object.values(state.iam.oidcProviders).map((provider) => provider.Url)).toEqual([
      'token.actions.githubusercontent.com',
    ]);
    expect(state.iam.roles['example-backend-dev-github-preview']?.Tags).toContainEqual({
      Key: 'gitops:address',
      Value: 'aws.githubRoles.preview',
    });
    expect(Object.keys(state.lambda.functions)).toEqual([]);
    expect(JSON.parse(secretString(world.aws, 'example-backend-dev/atlas') ?? '{}')).toEqual({
      ATLAS_CLIENT_ID: vendorKeys.ATLAS_CLIENT_ID,
      ATLAS_CLIENT_SECRET: vendorKeys.ATLAS_CLIENT_SECRET,
    });
    expect(JSON.parse(secretString(world.aws, 'example-backend-dev/okta') ?? '{}')).toEqual({
      OKTA_API_TOKEN: vendorKeys.OKTA_API_TOKEN,
    });
    const hosted = world.github.repository();
    const environmentVariables = hosted.environmentVariables.get('dev');
    expect(
      Object.fromEntries(
        [...(environmentVariables?.values() ?? [])].map((variable) => [
          variable.name,
          variable.value,
        ]),
      ),
    ).toEqual({
      AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/example-backend-dev-github-deploy',
      AWS_REGION: 'us-east-1',
      ATLAS_SECRET_NAME: 'example-backend-dev/atlas',
      OKTA_SECRET_NAME: 'example-backend-dev/okta',
    });
    // Jobs outside an environment read no variables, so the repository gets none.
    expect([...hosted.variables.values()]).toEqual([]);
  });

  it('changes nothing on a second run', async () => {
    const world = await startWorld();
    await world.run(fullRun);
    world.aws.requests.clear();
    world.github.requests.length = 0;

    const result = await world.run(fullRun);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No changes for dev: 4 unchanged.');
    expect(result.stderr).toContain('secret example-backend-dev/atlas: unchanged');
    expect(result.stderr).toContain('variable AWS_DEPLOY_ROLE_ARN (environment dev): unchanged');
    expect(world.aws.requests.writes()).toEqual([]);
    expect(githubWrites(world.github)).toEqual([]);
  });

  it('writes nothing on a dry run', async () => {
    const world = await startWorld();

    const result = await world.run([
      '--env',
      'dev',
      '--dry-run',
      '--github-token-env',
      'GH_ADMIN_TOKEN',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan for dev: 4 to create');
    expect(result.stdout).toContain('AWS_DEPLOY_ROLE_ARN');
    expect(result.stderr).toContain(
      'secret example-backend-dev/okta: would create with OKTA_API_TOKEN',
    );
    expect(result.stderr).toContain('dry run: nothing was written');
    expect(world.aws.requests.writes()).toEqual([]);
    expect(githubWrites(world.github)).toEqual([]);
  });

  it('fails without keys for a missing secret', async () => {
    const world = await startWorld();

    const result = await world.run(fullRun, { env: { OKTA_API_TOKEN: undefined } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'secret example-backend-dev/okta does not exist and no Okta keys are set: set OKTA_API_TOKEN',
    );
    expect(world.aws.requests.writes()).toEqual([]);
    expect(githubWrites(world.github)).toEqual([]);
  });

  it('keeps a secret when its keys are unset', async () => {
    const world = await startWorld();
    await world.run(fullRun);
    world.aws.requests.clear();

    const result = await world.run(fullRun, {
      env: { ATLAS_CLIENT_ID: undefined, ATLAS_CLIENT_SECRET: undefined },
    });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'secret example-backend-dev/atlas: no Atlas keys are set, so the existing value is kept',
    );
    expect(world.aws.requests.writes()).toEqual([]);
  });

  it('puts a changed secret value', async () => {
    const world = await startWorld();
    await world.run(fullRun);
    world.aws.requests.clear();

    const result = await world.run(fullRun, { env: { OKTA_API_TOKEN: '00rotated-okta-token' } });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('secret example-backend-dev/okta: put a new value');
    expect(world.aws.requests.writes().map((entry) => entry.operation)).toEqual(['PutSecretValue']);
    expect(secretString(world.aws, 'example-backend-dev/okta')).toBe(
      '{"OKTA_API_TOKEN":"00rotated-okta-token"}',
    );
  });

  it('rejects incomplete vendor keys', async () => {
    const world = await startWorld();

    const result = await world.run(fullRun, { env: { ATLAS_CLIENT_SECRET: undefined } });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Atlas keys are incomplete: ATLAS_CLIENT_ID is set');
    expect(world.aws.requests.writes()).toEqual([]);
  });

  it('prints no secret value', async () => {
    const world = await startWorld();
    const first = await world.run(fullRun);
    const second = await world.run(fullRun, { env: { OKTA_API_TOKEN: '00rotated-okta-token' } });
    const output = [first.stdout, first.stderr, second.stdout, second.stderr].join('\n');
    const secrets = [
      vendorKeys.ATLAS_CLIENT_SECRET,
      vendorKeys.OKTA_API_TOKEN,
      '00rotated-okta-token',
      githubToken,
      adminCredentials.secretAccessKey,
      secretString(world.aws, 'example-backend-dev/atlas') ?? 'missing atlas secret',
    ];

    for (const secret of secrets) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(Buffer.from(secret).toString('base64'));
      expect(output).not.toContain(Buffer.from(secret).toString('base64url'));
    }
  });

  it('plans only the GitHub resources', async () => {
    const world = await startWorld();
    // The environment's execution role, as a deploy made it: owned by dev, outside aws.github.
    const iam = new IAMClient({ ...world.aws.clientConfig(), maxAttempts: 1 });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'example-backend-dev',
        AssumeRolePolicyDocument:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
        Tags: [
          { Key: 'gitops:managed-by', Value: 'gitops' },
          { Key: 'gitops:environment', Value: 'dev' },
          { Key: 'gitops:address', Value: 'aws.roles.lambda' },
        ],
      }),
    );
    world.aws.requests.clear();

    const result = await world.run(fullRun);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan for dev: 4 to create');
    expect(result.stdout).not.toContain('aws.roles.lambda');
    expect(result.stdout).not.toContain('not in the config');
    const operations = world.aws.requests.operations();
    expect(operations.filter((operation) => operation.startsWith('lambda:'))).toEqual([]);
    expect(operations.filter((operation) => operation.startsWith('budgets:'))).toEqual([]);
    expect(world.aws.state().iam.roles['example-backend-dev']?.Tags).toHaveLength(3);
  });

  it('needs the shared OIDC provider first', async () => {
    const world = await startWorld();

    const result = await world.run(['--env', 'prod', '--yes']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the GitHub OIDC provider arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com does not exist',
    );
    expect(result.stderr).toContain('config/prod.yaml sets aws.github.oidcProvider.managed: false');
    expect(world.aws.requests.writes()).toEqual([]);
  });

  it('bootstraps prod after dev', async () => {
    const world = await startWorld();
    await world.run(fullRun);
    world.aws.requests.clear();

    const result = await world.run(['--env', 'prod', '--yes']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Plan for prod: 2 to create');
    expect(result.stdout).toMatch(
      /AWS_DEPLOY_ROLE_ARN +arn:aws:iam::123456789012:role\/example-backend-prod-github-deploy {2}\(environment prod\)/,
    );
    expect(result.stdout).not.toContain('AWS_PREVIEW_ROLE_ARN');
    expect(Object.keys(world.aws.state().secretsmanager.secrets).sort()).toEqual([
      'example-backend-dev/atlas',
      'example-backend-dev/okta',
      'example-backend-prod/atlas',
      'example-backend-prod/okta',
    ]);
  });

  it('sets repository variables on request', async () => {
    const world = await startWorld();

    const result = await world.run([...fullRun, '--variables-scope', 'repository']);

    expect(result.code).toBe(0);
    const hosted = world.github.repository();
    expect([...hosted.variables.keys()].sort()).toEqual([
      'ATLAS_SECRET_NAME',
      'AWS_DEPLOY_ROLE_ARN',
      'AWS_REGION',
      'OKTA_SECRET_NAME',
    ]);
    expect(hosted.environmentVariables.get('dev')?.size).toBe(0);
  });

  it('prints where to set variables', async () => {
    const world = await startWorld();

    // A GITHUB_TOKEN in the shell, as in Codespaces, is not used without --github-token-env.
    const result = await world.run(['--env', 'dev', '--yes'], {
      env: { GITHUB_TOKEN: 'ghs_codespaces-token' },
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'To set them, use Settings > Secrets and variables > Actions (create the environment dev under Settings > Environments first)',
    );
    expect(githubWrites(world.github)).toEqual([]);
  });

  it('asks before writing', async () => {
    const world = await startWorld();
    const questions: string[] = [];

    const result = await world.run(['--env', 'dev'], {
      confirm: (question) => {
        questions.push(question);
        return Promise.resolve(false);
      },
    });

    expect(result.code).toBe(1);
    expect(questions).toEqual(['Apply these changes to AWS account 123456789012?']);
    expect(result.stderr).toContain(
      'secret example-backend-dev/atlas: would create with ATLAS_CLIENT_ID, ATLAS_CLIENT_SECRET',
    );
    expect(result.stderr).toContain('not confirmed; nothing was written');
    expect(world.aws.requests.writes()).toEqual([]);
  });

  it('requires --yes without a terminal', async () => {
    const world = await startWorld();

    const result = await world.run(['--env', 'dev']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stdin is not a terminal');
    expect(result.stderr).toContain('--yes');
    expect(world.aws.requests.writes()).toEqual([]);
  });
});

describe('bootstrap input', () => {
  it.each([
    [['--env', 'dev', '--bogus'], "Unknown option '--bogus'"],
    [['--yes'], '--env is required, such as --env dev'],
    [['--env', 'dev', '--target', 'moon'], '--target must be one of local, cloud (got "moon")'],
    [['--env', 'dev', '--github-token-env', 'not a name'], '--github-token-env must name'],
    [
      ['--env', 'dev', '--variables-scope', 'org'],
      '--variables-scope must be one of environment, repository (got "org")',
    ],
  ])('rejects %j', async (argv, message) => {
    const world = await startWorld();

    const result = await world.run(argv);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('prints help', async () => {
    const world = await startWorld();

    const result = await world.run(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run bootstrap -- --env NAME [options]');
  });

  it('reports a missing config file', async () => {
    const world = await startWorld();

    const result = await world.run(['--env', 'staging', '--yes']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('staging.yaml');
    expect(result.stderr).toContain('Environments: dev, prod');
    expect(world.aws.requests.entries).toEqual([]);
  });

  it('rejects a config without aws.github', async () => {
    const world = await startWorld();
    const file = join(workspace!, 'config', 'dev.yaml');
    const document = parseDocument(await readFile(file, 'utf8'));
    document.deleteIn(['aws', 'github']);
    await writeFile(file, document.toString());

    const result = await world.run(['--env', 'dev', '--yes']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'config/dev.yaml has no aws.github section, so there is nothing to bootstrap',
    );
    expect(world.aws.requests.entries).toEqual([]);
  });

  it('rejects a misspelt vendor secret', async () => {
    const world = await startWorld();
    const file = join(workspace!, 'config', 'dev.yaml');
    const document = parseDocument(await readFile(file, 'utf8'));
    document.setIn(['aws', 'github', 'secretNames', 1], 'example-backend-dev/oktaa');
    await writeFile(file, document.toString());

    const result = await world.run(['--env', 'dev', '--yes']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no entry of aws.github.secretNames ends in /okta (got example-backend-dev/atlas, example-backend-dev/oktaa)',
    );
    expect(world.aws.requests.writes()).toEqual([]);
  });

  it('rejects a stand-in for target cloud', async () => {
    const world = await startWorld();

    const result = await world.run(['--env', 'dev', '--yes', '--target', 'cloud']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('placeholder');
    expect(world.aws.requests.entries).toEqual([]);
  });

  it('reports a missing token variable', async () => {
    const world = await startWorld();

    const result = await world.run([
      '--env',
      'dev',
      '--yes',
      '--github-token-env',
      'NO_SUCH_TOKEN',
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--github-token-env names NO_SUCH_TOKEN, which is not set');
    expect(world.aws.requests.entries).toEqual([]);
  });
});
