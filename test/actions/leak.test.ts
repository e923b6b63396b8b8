// Every action that has a run.ts runs under the runner contract with fake, distinctive secrets, once
// with step debug logging off and once on. No secret may reach stdout, stderr, the output and
// summary files, files in RUNNER_TEMP, or the bodies sent to GitHub: not raw, base64, base64url or
// URL-encoded. The only exception is the `::add-mask::` line that registers a secret with the runner.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { frozenNow } from '../github/helpers.ts';
import { pullRequestEvent, startAppliedWorld, stubPreview } from '../preview/helpers.ts';
import {
  atlasAccount,
  atlasSecret,
  deployPolicy,
  planPolicy,
  removeRunnerFiles,
  startWorld,
  stubRunner,
} from './world.ts';
import type { World } from './world.ts';

const actionsDir = fileURLToPath(new URL('../../actions/', import.meta.url));

/** Folders of `actions/` that are actions (an action.yml) with a `run()` entry (a run.ts). */
const actionNames = readdirSync(actionsDir)
  .filter((name) => existsSync(join(actionsDir, name, 'action.yml')))
  .filter((name) => existsSync(join(actionsDir, name, 'run.ts')))
  .sort();

// ---------------------------------------------------------------------------------------------
// The scanner

/** One form a secret can take in output. */
interface SecretForm {
  readonly encoding: string;
  readonly text: string;
}

/**
 * Returns the parts of the base64 encoding of `secret` that do not depend on the bytes around it,
 * for each of the three alignments it can have inside a longer encoded value.
 */
function base64Fragments(secret: string, alphabet: 'base64' | 'base64url'): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString(alphabet)
      .replace(/=+$/, '');
    // With `offset` bytes before the secret, the first offset + 1 characters carry their bits.
    const start = offset === 0 ? 0 : offset + 1;
    // Unless the bytes end on a 3-byte boundary, the last character carries bits of what follows.
    const end = (offset + bytes.length) % 3 === 0 ? encoded.length : encoded.length - 1;
    return encoded.slice(start, end);
  });
}

/** Returns every form of `secret` the scan looks for. */
function secretForms(secret: string): SecretForm[] {
  const forms: SecretForm[] = [{ encoding: 'raw', text: secret }];
  for (const [index, text] of base64Fragments(secret, 'base64').entries()) {
    forms.push({ encoding: `base64, offset ${index}`, text });
  }
  for (const [index, text] of base64Fragments(secret, 'base64url').entries()) {
    forms.push({ encoding: `base64url, offset ${index}`, text });
  }
  forms.push({ encoding: 'URL-encoded', text: encodeURIComponent(secret) });
  forms.push({
    encoding: 'form-encoded',
    text: new URLSearchParams({ v: secret }).toString().slice(2),
  });
  return forms;
}

/** Text the action produced, by where it went. */
type Sources = Record<string, string>;

// A JSON Web Token: a header and claims of base64url JSON objects, and a signature.
const jwtPattern = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/;

/**
 * Returns one finding per line of `sources` that contains a form of a secret or a JWT, such as
 * `stdout:12: Okta API token (base64, offset 1)`. Findings name the secret by its label, never by
 * its value. Lines of stdout that start with `::add-mask::` are skipped, because registering a
 * secret with the runner is how the runner learns to hide it.
 */
function findLeaks(sources: Sources, secrets: Record<string, string>): string[] {
  const forms = Object.entries(secrets).flatMap(([label, secret]) =>
    secretForms(secret).map((form) => ({ label, ...form })),
  );
  const findings: string[] = [];
  for (const [source, text] of Object.entries(sources)) {
    for (const [index, line] of text.split('\n').entries()) {
      if (source === 'stdout' && line.startsWith('::add-mask::')) continue;
      for (const form of forms) {
        if (line.includes(form.text)) {
          findings.push(`${source}:${index + 1}: ${form.label} (${form.encoding})`);
        }
      }
      if (jwtPattern.test(line)) findings.push(`${source}:${index + 1}: a JSON Web Token`);
    }
  }
  return [...new Set(findings)];
}

// ---------------------------------------------------------------------------------------------
// Running an action and gathering what it produced

interface Capture {
  stdout(): string;
  stderr(): string;
}

/** Captures what is written to stdout and stderr until the test ends. */
function captureStreams(): Capture {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  for (const name of ['stdout', 'stderr'] as const) {
    vi.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks[name].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  return { stdout: () => chunks.stdout.join(''), stderr: () => chunks.stderr.join('') };
}

/**
 * Returns the secrets of a finished run: the fixed credentials of the world, and those the
 * stand-ins issued during the run (the STS session keys and the Atlas access tokens).
 */
function runSecrets(world: World): Record<string, string> {
  const secrets: Record<string, string> = {
    'GitHub token': world.github.token,
    'ID token request token': world.github.idTokenRequestToken,
    'Atlas client secret': atlasAccount.clientSecret,
    'Okta API token': world.okta.apiToken,
  };
  const sessions = world.aws.requests.entries.filter(
    (entry) => entry.operation === 'AssumeRoleWithWebIdentity' && entry.status === 200,
  );
  for (const [index, entry] of sessions.entries()) {
    const credentials = (
      entry.response as { Credentials: { SecretAccessKey: string; SessionToken: string } }
    ).Credentials;
    secrets[`AWS secret access key ${index + 1}`] = credentials.SecretAccessKey;
    secrets[`AWS session token ${index + 1}`] = credentials.SessionToken;
  }
  const tokens = world.atlas.requests.filter(
    (exchange) => exchange.path === '/api/oauth/token' && exchange.status === 200,
  );
  for (const [index, exchange] of tokens.entries()) {
    secrets[`Atlas access token ${index + 1}`] = (
      exchange.responseBody as { access_token: string }
    ).access_token;
  }
  return secrets;
}

/** Gathers every place a run's text can go, keyed by a name the findings show. */
async function runSources(world: World, capture: Capture): Promise<Sources> {
  const sources: Sources = {
    stdout: capture.stdout(),
    stderr: capture.stderr(),
    GITHUB_OUTPUT: await readFile(world.outputPath, 'utf8'),
    GITHUB_STEP_SUMMARY: await readFile(world.summaryPath, 'utf8'),
  };
  const runnerTemp = join(world.root, 'temp');
  for (const name of (await readdir(runnerTemp)).sort()) {
    sources[`RUNNER_TEMP/${name}`] = await readFile(join(runnerTemp, name), 'utf8');
  }
  for (const [index, request] of world.github.requests.entries()) {
    if (request.body === undefined) continue;
    const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    sources[`GitHub request ${index + 1} ${request.method} ${request.path}`] = body;
  }
  const repository = world.github.repository();
  for (const comment of repository.comments.values()) {
    sources[`GitHub comment ${comment.id}`] = comment.body;
  }
  for (const issue of repository.issues.values()) {
    sources[`GitHub issue ${issue.number}`] = `${issue.title}\n${issue.body ?? ''}`;
  }
  return sources;
}

interface ActionRun {
  readonly world: World;
  readonly sources: Sources;
  readonly secrets: Record<string, string>;
  readonly exitCode: number | undefined;
}

interface RunOptions {
  /** Runner variables that turn step debug logging on, or none. */
  readonly debug: Record<string, string>;
  /** Changes the seed config before the run. */
  readonly editConfig?: (config: string, world: World) => string;
  /**
   * Changes the world once the runner variables are set, such as with a fault, and returns the
   * secrets it added, by label.
   */
  readonly alter?: (world: World) => Promise<Record<string, string>>;
}

/** How one action is run: its world and runner variables, and what a full run must receive. */
interface ActionSetup {
  /** Starts the world, writes the config and sets the runner variables of the step. */
  prepare(options: RunOptions): Promise<World>;
  /** The argument of the action's `run()`, such as a frozen clock. */
  readonly runArgument?: unknown;
  /** Labels of `runSecrets` that a successful run receives, so the scan covers them. */
  readonly received: readonly string[];
  /** Labels of secrets the run registers with `::add-mask::`, which shows they reached it. */
  readonly masked: readonly string[];
}

async function editConfig(world: World, options: RunOptions): Promise<void> {
  if (!options.editConfig) return;
  const path = join(world.root, 'config/dev.yaml');
  await writeFile(path, options.editConfig(await readFile(path, 'utf8'), world));
}

/** Runs the action on a pull request of the stand-in repository, with the world's one role. */
function pullRequestSetup(
  policy: object,
  received: readonly string[],
  masked: readonly string[],
): ActionSetup {
  return {
    received,
    masked,
    async prepare(options) {
      const world = await startWorld({ name: 'gitops-leak', policy });
      await editConfig(world, options);
      world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
      await stubRunner(world, {}, options.debug);
      return world;
    },
  };
}

const awsSession = ['AWS secret access key 1', 'AWS session token 1'];
const vendorSecrets = [...awsSession, 'Atlas access token 1'];
const vendorCredentials = ['Atlas client secret', 'Okta API token'];

/**
 * The set-up of each action. An action added later without one here runs with the deploy role on
 * a pull request, and is scanned, but its run may fail early and so cover less.
 */
const setups: Record<string, ActionSetup> = {
  plan: pullRequestSetup(planPolicy, vendorSecrets, vendorCredentials),
  apply: pullRequestSetup(deployPolicy, vendorSecrets, vendorCredentials),
  drift: pullRequestSetup(planPolicy, vendorSecrets, vendorCredentials),
  // The world's plan policy has no Cost Explorer read, so billing runs with the deploy role.
  billing: {
    ...pullRequestSetup(deployPolicy, vendorSecrets, ['Atlas client secret']),
    runArgument: { now: () => frozenNow },
  },
  preview: {
    // Dev is applied first (its credentials are key 1), then the preview deploys pull request 1.
    received: [...vendorSecrets, 'AWS secret access key 2', 'AWS session token 2'],
    masked: ['Okta API token'],
    async prepare(options) {
      const world = await startAppliedWorld();
      await editConfig(world, options);
      const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
      await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
      for (const [name, value] of Object.entries(options.debug)) vi.stubEnv(name, value);
      return world;
    },
  },
};

const fallbackSetup = pullRequestSetup(deployPolicy, [], []);

/** Runs action `name` under the runner contract and returns what it produced. */
async function runAction(name: string, options: RunOptions): Promise<ActionRun> {
  const setup = setups[name] ?? fallbackSetup;
  const world = await setup.prepare(options);
  worlds.push(world);
  const added = (await options.alter?.(world)) ?? {};
  const capture = captureStreams();

  const module = (await import(`../../actions/${name}/run.ts`)) as {
    run: (argument?: unknown) => Promise<void>;
  };
  await module.run(setup.runArgument);

  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  vi.restoreAllMocks();
  const secrets = { ...runSecrets(world), ...added };
  return { world, sources: await runSources(world, capture), secrets, exitCode };
}

const worlds: World[] = [];

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await Promise.all(worlds.splice(0).map((world) => world.remove()));
});

afterAll(removeRunnerFiles);

// ---------------------------------------------------------------------------------------------
// The tests

describe('leak scan', () => {
  it('covers plan, apply and drift', () => {
    for (const name of ['apply', 'drift', 'plan']) {
      expect(actionNames).toContain(name);
    }
  });

  const debugOn = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' };
  const cases = actionNames.flatMap((name) => [
    { name, debug: {}, mode: 'debug off' },
    { name, debug: debugOn, mode: 'debug on' },
  ]);

  it.each(cases)('finds no secret: $name, $mode', async ({ name, debug }) => {
    const result = await runAction(name, { debug });

    if (name in setups) {
      expect(result.exitCode).toBeUndefined();
    } else {
      // NOTE: without a set-up of its own the run may fail early, so only its early output is scanned.
      console.warn(`leak test: ${name} has no set-up; its run exited with ${result.exitCode}`);
    }
    for (const label of setups[name]?.received ?? []) {
      expect(Object.keys(result.secrets)).toContain(label);
    }
    for (const label of setups[name]?.masked ?? []) {
      expect(result.sources.stdout, label).toContain(`::add-mask::${result.secrets[label]}`);
    }
    if (Object.keys(debug).length > 0) expect(result.sources.stdout).toContain('::debug::');
    expect(findLeaks(result.sources, result.secrets)).toEqual([]);
  });
});

describe('leak scan of failed runs', () => {
  // Error messages can carry a rejected request, its response or its cause, so each may expose a
  // credential.
  const debug = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' };

  it('finds no secret when a write fails', async () => {
    const result = await runAction('apply', {
      debug,
      alter: (world) => {
        world.okta.faults.fail({
          times: 1,
          status: 403,
          match: { method: 'POST', path: '/api/v1/apps' },
        });
        return Promise.resolve({});
      },
    });

    expect(result.exitCode).toBe(1);
    expect(findLeaks(result.sources, result.secrets)).toEqual([]);
  });

  it('finds no secret when Atlas rejects it', async () => {
    const wrongSecret = 'mdb_sa_sk_rejected-leak-test-secret';
    const result = await runAction('plan', {
      debug,
      alter: async (world) => {
        const secrets = new SecretsManagerClient(world.aws.clientConfig());
        await secrets.send(
          new PutSecretValueCommand({
            SecretId: atlasSecret,
            SecretString: JSON.stringify({
              ATLAS_CLIENT_ID: atlasAccount.clientId,
              ATLAS_CLIENT_SECRET: wrongSecret,
            }),
          }),
        );
        secrets.destroy();
        return { 'rejected Atlas client secret': wrongSecret };
      },
    });

    expect(result.exitCode).toBe(1);
    const tokenRequests = result.world.atlas.requests.filter(
      (exchange) => exchange.path === '/api/oauth/token',
    );
    expect(tokenRequests.map((exchange) => exchange.status)).toContain(401);
    expect(findLeaks(result.sources, result.secrets)).toEqual([]);
  });

  it('finds no secret when GitHub rejects the token', async () => {
    const wrongToken = 'ghs_rejected-leak-test-token';
    const result = await runAction('plan', {
      debug,
      alter: () => {
        vi.stubEnv('INPUT_GITHUB_TOKEN', wrongToken);
        return Promise.resolve({ 'rejected GitHub token': wrongToken });
      },
    });

    expect(result.world.github.requests.map((request) => request.status)).toContain(401);
    expect(findLeaks(result.sources, result.secrets)).toEqual([]);
  });
});

describe('leak scanner', () => {
  const secret = 'okta-00Distinctive/Token+Value=42';
  const secrets = { 'Okta API token': secret };
  const wrapped = (prefix: string, encoding: 'base64' | 'base64url') =>
    Buffer.from(`${prefix}${secret}-and-more-bytes`).toString(encoding);

  // Each case hides the secret in one form, and the scanner must name that form.
  const controls: Array<{ form: string; sources: Sources; finding: string }> = [
    {
      form: 'raw',
      sources: { stdout: `token is ${secret}` },
      finding: 'stdout:1: Okta API token (raw)',
    },
    {
      form: 'base64 at offset 0',
      sources: { stderr: `first\nAuthorization: Basic ${wrapped('', 'base64')}` },
      finding: 'stderr:2: Okta API token (base64, offset 0)',
    },
    {
      form: 'base64 at offset 1',
      sources: { GITHUB_OUTPUT: wrapped('a', 'base64') },
      finding: 'GITHUB_OUTPUT:1: Okta API token (base64, offset 1)',
    },
    {
      form: 'base64 at offset 2',
      sources: { GITHUB_STEP_SUMMARY: wrapped('ab', 'base64') },
      finding: 'GITHUB_STEP_SUMMARY:1: Okta API token (base64, offset 2)',
    },
    {
      form: 'base64url',
      sources: { 'GitHub comment 1': wrapped('abc', 'base64url') },
      finding: 'GitHub comment 1:1: Okta API token (base64url, offset 0)',
    },
    {
      form: 'URL-encoded',
      sources: { stdout: `GET /token?value=${encodeURIComponent(secret)}` },
      finding: 'stdout:1: Okta API token (URL-encoded)',
    },
    {
      form: 'form-encoded',
      sources: { stdout: new URLSearchParams({ token: secret }).toString() },
      finding: 'stdout:1: Okta API token (form-encoded)',
    },
    {
      form: 'a JWT',
      sources: {
        stdout: 'id token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8ifQ.c2lnbmF0dXJlLWJ5dGVz',
      },
      finding: 'stdout:1: a JSON Web Token',
    },
  ];

  it.each(controls)('detects the $form form', ({ sources, finding }) => {
    expect(findLeaks(sources, secrets)).toContain(finding);
  });

  it('skips add-mask lines of stdout', () => {
    expect(findLeaks({ stdout: `::add-mask::${secret}` }, secrets)).toEqual([]);
  });

  it('flags add-mask lines elsewhere', () => {
    expect(findLeaks({ GITHUB_STEP_SUMMARY: `::add-mask::${secret}` }, secrets)).toEqual([
      'GITHUB_STEP_SUMMARY:1: Okta API token (raw)',
    ]);
  });

  it('names no secret value', () => {
    const findings = findLeaks({ stdout: secret }, secrets);
    expect(findings).toHaveLength(1);
    expect(findings.join('\n')).not.toContain(secret);
  });

  it('detects a leak in a real plan', async () => {
    // The config puts the base64 of the Okta token into a Lambda environment variable, which the
    // plan shows. The action masks only the raw token, so the scan must find the encoded one.
    const result = await runAction('plan', {
      debug: {},
      editConfig: (config, world) => {
        const line = '        MONGODB_HOST: ${atlas.clusters.main.srvHost}\n';
        expect(config).toContain(line);
        const planted = Buffer.from(world.okta.apiToken).toString('base64');
        return config.replace(line, `${line}        LEAK_CONTROL: ${planted}\n`);
      },
    });
    expect(result.exitCode).toBeUndefined();
    const findings = findLeaks(result.sources, result.secrets);
    const leakedIn = new Set(findings.map((finding) => finding.split(':')[0] ?? ''));
    expect(leakedIn).toContain('stdout');
    expect(leakedIn).toContain('GITHUB_STEP_SUMMARY');
    expect(leakedIn).toContain('RUNNER_TEMP/gitops-plan-dev.json');
    expect([...leakedIn].some((source) => source.startsWith('GitHub comment'))).toBe(true);
    for (const finding of findings) {
      expect(finding).toMatch(/: Okta API token \(base64(url)?, offset 0\)$/);
    }
  });
});
