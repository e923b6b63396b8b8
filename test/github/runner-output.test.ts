import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { annotateProblems } from '../../actions/github/annotations.ts';
import { ConfigError } from '../../actions/engine/config/problems.ts';
import type { LocatedProblem } from '../../actions/github/annotations.ts';
import { ActionError } from '../../actions/github/errors.ts';
import { inGroup, runnerLogger } from '../../actions/github/groups.ts';
import { reportFailure, runAction } from '../../actions/github/run.ts';
import { maxSummaryBytes, writeJobSummary } from '../../actions/github/summary.ts';
import { captureStdout } from './helpers.ts';

const redirectProblem: LocatedProblem = {
  rule: 'schema.invalid_format',
  path: 'okta.apps.spa.redirectUris[1]',
  message: 'must be an absolute https URL (got "localhost:8000/cb")',
  position: { file: 'config/dev.yaml', line: 14, column: 7 },
  severity: 'error',
};

afterEach(() => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
});

describe('annotateProblems', () => {
  it('emits errors at file, line and column', () => {
    const stdout = captureStdout();

    const counts = annotateProblems([redirectProblem], undefined);

    expect(counts).toEqual({ errors: 1, warnings: 0 });
    expect(stdout.lines()).toEqual([
      '::error file=config/dev.yaml,line=14,col=7::okta.apps.spa.redirectUris[1]: must be an absolute https URL (got "localhost:8000/cb") [schema.invalid_format]',
    ]);
  });

  it('sorts by line and keeps warnings apart', () => {
    const stdout = captureStdout();

    const counts = annotateProblems(
      [
        redirectProblem,
        {
          rule: 'config.unknown-key',
          path: 'aws.roles.lambda.rolename',
          message: 'unknown key; did you mean "roleName"?',
          position: { file: 'config/dev.yaml', line: 3, column: 5 },
          severity: 'warning',
        },
        { rule: 'config.empty', path: '', message: 'the file is empty', severity: 'error' },
      ],
      undefined,
    );

    expect(counts).toEqual({ errors: 2, warnings: 1 });
    expect(stdout.lines()).toEqual([
      '::warning file=config/dev.yaml,line=3,col=5::aws.roles.lambda.rolename: unknown key; did you mean "roleName"? [config.unknown-key]',
      expect.stringMatching(/^::error file=config\/dev.yaml,line=14,col=7::/) as unknown,
      '::error::the file is empty [config.empty]',
    ]);
  });

  it('makes absolute paths relative to the workspace', () => {
    const stdout = captureStdout();

    annotateProblems(
      [
        {
          ...redirectProblem,
          position: { file: '/home/runner/work/repo/config/dev.yaml', line: 2, column: 1 },
        },
      ],
      '/home/runner/work/repo',
    );

    expect(stdout.text()).toMatch(/^::error file=config\/dev.yaml,line=2,col=1::/);
  });

  it('escapes line breaks in messages', () => {
    const stdout = captureStdout();

    annotateProblems([{ ...redirectProblem, message: 'first\nsecond' }], undefined);

    expect(stdout.text()).toContain(
      '::okta.apps.spa.redirectUris[1]: first%0Asecond [schema.invalid_format]',
    );
  });
});

describe('writeJobSummary', () => {
  let summaryPath = '';

  beforeAll(() => {
    // `core.summary` keeps the first path it reads, so the file stays the same for the whole file.
    summaryPath = join(mkdtempSync(join(tmpdir(), 'gitops-summary-')), 'summary.md');
    writeFileSync(summaryPath, '');
  });

  it('writes the Markdown body', async () => {
    writeFileSync(summaryPath, '');

    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath);

    const result = await writeJobSummary('## Plan for dev\n\nNo changes.');

    expect(result).toEqual({ written: true, trimmed: false });
    expect(readFileSync(summaryPath, 'utf8')).toBe('## Plan for dev\n\nNo changes.\n');
  });

  it('trims under 1 MiB with a note', async () => {
    writeFileSync(summaryPath, '');
    const line = `| aws.roles.lambda | update | ${'é'.repeat(60)} |\n`;

    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath);

    const result = await writeJobSummary(line.repeat(12_000), 'The full table is in the log.');

    const written = readFileSync(summaryPath, 'utf8');
    expect(result.trimmed).toBe(true);
    expect(Buffer.byteLength(written)).toBeLessThanOrEqual(maxSummaryBytes);
    expect(Buffer.byteLength(written)).toBeGreaterThan(
      maxSummaryBytes - 2 * Buffer.byteLength(line) - 300,
    );
    expect(written).toMatch(
      /characters were left out to fit GitHub's 1 MiB job summary limit\. The full table is in the log\.\n$/,
    );
  });

  it('skips outside GitHub Actions', async () => {
    const stdout = captureStdout();

    vi.stubEnv('GITHUB_STEP_SUMMARY', undefined);

    const result = await writeJobSummary('## Plan');

    expect(result).toEqual({ written: false, trimmed: false });
    expect(stdout.text()).toContain('GITHUB_STEP_SUMMARY is not set');
  });
});

describe('inGroup', () => {
  it('closes the group when the body throws', async () => {
    const stdout = captureStdout();

    await expect(
      inGroup('aws', () => {
        runnerLogger.info('observing aws.roles.lambda');
        return Promise.reject(new Error('IAM is down'));
      }),
    ).rejects.toThrow('IAM is down');
    await inGroup('atlas', () => {
      runnerLogger.warning('ignored key');
      return Promise.resolve();
    });

    expect(stdout.lines()).toEqual([
      '::group::aws',
      'observing aws.roles.lambda',
      '::endgroup::',
      '::group::atlas',
      '::warning::ignored key',
      '::endgroup::',
    ]);
  });

  it('shows a nested group as a heading', async () => {
    const stdout = captureStdout();

    const result = await inGroup('aws', () => inGroup('aws: iam', () => Promise.resolve(42)));

    expect(result).toBe(42);
    expect(stdout.lines()).toEqual(['::group::aws', '-- aws: iam', '::endgroup::']);
  });
});

describe('runAction', () => {
  it('annotates each invalid input', async () => {
    const stdout = captureStdout();
    const problems = [
      { input: 'aws_role_arn', rule: 'an IAM role ARN', received: '"x"', fix: 'Set AWS_ROLE_ARN.' },
      { input: 'mode', rule: 'one of "plan", "apply"', received: '"go"', fix: 'Use plan.' },
    ];

    await runAction(() =>
      Promise.reject(
        new ActionError('ERR_INPUT_INVALID', '2 inputs are invalid:\n...', { problems }),
      ),
    );

    expect(process.exitCode).toBe(1);
    expect(stdout.lines()).toEqual([
      '::error::Input "aws_role_arn" must be an IAM role ARN (got "x"). Set AWS_ROLE_ARN.',
      '::error::Input "mode" must be one of "plan", "apply" (got "go"). Use plan.',
      '::error::2 inputs are invalid:',
    ]);
  });

  it('annotates config problems at their lines', () => {
    const stdout = captureStdout();
    const configError = new ConfigError([redirectProblem]);

    reportFailure(configError);

    expect(process.exitCode).toBe(1);
    expect(stdout.lines()[0]).toMatch(/^::error file=config\/dev.yaml,line=14,col=7::/);
    expect(stdout.lines()[1]).toBe(
      '::error::The config has 1 problem; each is annotated at its line.',
    );
  });

  it('fails the step with the message', async () => {
    const stdout = captureStdout();

    await runAction(() => Promise.reject(new Error('STS AssumeRoleWithWebIdentity failed')));

    expect(process.exitCode).toBe(1);
    expect(stdout.lines().at(-1)).toBe('::error::STS AssumeRoleWithWebIdentity failed');
  });

  it('leaves a successful step alone', async () => {
    const stdout = captureStdout();

    await runAction(() => Promise.resolve());

    expect(process.exitCode).toBeUndefined();
    expect(stdout.lines()).toEqual([]);
  });
});
