import { describe, expect, it } from 'vitest';
import { ActionError } from '../../actions/github/errors.ts';
import { input, readInputs } from '../../actions/github/inputs.ts';
import type { InputSource } from '../../actions/github/inputs.ts';
import { captureStdout } from './helpers.ts';

/** The inputs of a reconcile action, as its action.yml would declare them. */
const spec = {
  environment: input.text({
    pattern: /^[a-z][a-z0-9-]{0,31}$/,
    rule: 'a config name: lower-case letters, digits and hyphens, starting with a letter',
    fix: 'Set it to the config file name without .yaml, such as dev.',
  }),
  aws_role_arn: input.roleArn({ fix: 'Set the repository variable AWS_ROLE_ARN to the role ARN.' }),
  aws_region: input.region({ default: 'us-east-1', fix: 'Use the region of the config.' }),
  mode: input.choice(['plan', 'apply'], { default: 'plan', fix: 'Use plan on pull requests.' }),
  prune: input.boolean({ default: false, fix: 'Write true or false.' }),
  max_attempts: input.integer({ min: 1, max: 10, default: 3, fix: 'Pick 1 to 10.' }),
  github_token: input.text({ secret: true, fix: 'Pass ${{ github.token }}.' }),
  okta_token: input.optional(
    input.text({
      secret: true,
      pattern: /^00\w{40}$/,
      rule: 'an Okta API token (00 and 40 characters)',
      fix: 'Copy it from Okta.',
    }),
  ),
};

/** Inputs as the runner passes them: `INPUT_<NAME>` variables. */
function source(inputs: Record<string, string>, extra: Record<string, string> = {}): InputSource {
  const env: Record<string, string> = { ...extra };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { getInput: (name) => (env[`INPUT_${name.toUpperCase()}`] ?? '').trim(), env };
}

const valid = {
  environment: 'dev',
  aws_role_arn: 'arn:aws:iam::123456789012:role/gitops-dev',
  github_token: 'ghs_0123456789',
};

function problemsOf(attempt: () => unknown): ActionError {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error('expected readInputs to throw');
}

describe('readInputs', () => {
  it('returns typed values with defaults', () => {
    const values = readInputs(spec, source(valid));

    expect(values).toEqual({
      environment: 'dev',
      aws_role_arn: 'arn:aws:iam::123456789012:role/gitops-dev',
      aws_region: 'us-east-1',
      mode: 'plan',
      prune: false,
      max_attempts: 3,
      github_token: 'ghs_0123456789',
      okta_token: undefined,
    });
  });

  it('parses each kind of input', () => {
    const values = readInputs(
      spec,
      source({
        ...valid,
        aws_region: 'eu-central-2',
        mode: 'apply',
        prune: 'TRUE',
        max_attempts: '10',
      }),
    );

    expect(values.aws_region).toBe('eu-central-2');
    expect(values.mode).toBe('apply');
    expect(values.prune).toBe(true);
    expect(values.max_attempts).toBe(10);
  });

  it('reports every invalid input at once', () => {
    const error = problemsOf(() =>
      readInputs(
        spec,
        source({
          environment: 'Dev',
          aws_role_arn: 'gitops-dev',
          aws_region: 'useast1',
          mode: 'destroy',
          prune: 'yes',
          max_attempts: '3.5',
          github_token: 'ghs_0123456789',
        }),
      ),
    );

    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.problems.map((problem) => problem.input)).toEqual([
      'environment',
      'aws_role_arn',
      'aws_region',
      'mode',
      'prune',
      'max_attempts',
    ]);
    expect(error.message.split('\n')[0]).toBe('6 inputs are invalid:');
    expect(error.message).toContain(
      'Input "aws_role_arn" must be an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME) (got "gitops-dev"). Set the repository variable AWS_ROLE_ARN to the role ARN.',
    );
    expect(error.message).toContain('Input "mode" must be one of "plan", "apply" (got "destroy").');
    expect(error.message).toContain('Input "prune" must be true or false (got "yes").');
    expect(error.message).toContain(
      'Input "max_attempts" must be a whole number from 1 to 10 (got "3.5"). Pick 1 to 10.',
    );
  });

  it('rejects junk numbers instead of defaulting', () => {
    for (const raw of ['0', '11', 'three', '1e1', '-1']) {
      const error = problemsOf(() => readInputs(spec, source({ ...valid, max_attempts: raw })));
      expect(error.problems[0]?.received, raw).toBe(JSON.stringify(raw));
    }
  });

  it('reports a missing required input', () => {
    const error = problemsOf(() =>
      readInputs(spec, source({ environment: 'dev', github_token: 'x' })),
    );

    expect(error.problems).toEqual([
      {
        input: 'aws_role_arn',
        rule: 'an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME)',
        received: 'nothing',
        fix: 'Set the repository variable AWS_ROLE_ARN to the role ARN.',
      },
    ]);
  });

  it('masks a secret before reporting it', () => {
    const stdout = captureStdout();

    const error = problemsOf(() =>
      readInputs(spec, source({ ...valid, okta_token: 'not-an-okta-token-value' })),
    );

    expect(error.problems[0]?.input).toBe('okta_token');
    expect(error.problems[0]?.received).toBe('a masked value of 23 characters');
    expect(error.message).not.toContain('not-an-okta-token-value');
    expect(stdout.lines()).toContain('::add-mask::not-an-okta-token-value');
    expect(stdout.lines()).toContain('::add-mask::ghs_0123456789');
  });

  it('points at a hyphenated input name', () => {
    const error = problemsOf(() =>
      readInputs(
        spec,
        source(
          { environment: 'dev', github_token: 'x' },
          { 'INPUT_AWS-ROLE-ARN': 'arn:aws:iam::123456789012:role/r' },
        ),
      ),
    );

    expect(error.problems[0]?.fix).toMatch(
      /^The environment has INPUT_AWS-ROLE-ARN: name the input "aws_role_arn" with underscores/,
    );
  });

  it('names the pattern when no rule is given', () => {
    const error = problemsOf(() =>
      readInputs(
        { branch: input.text({ pattern: /^[a-z]+$/, fix: 'Use a branch name.' }) },
        source({ branch: 'Dev!' }),
      ),
    );

    expect(error.problems[0]?.rule).toBe('text matching /^[a-z]+$/');
  });

  it('rejects hyphenated names in a spec', () => {
    expect(() => readInputs({ 'aws-role-arn': input.roleArn({ fix: '' }) }, source({}))).toThrow(
      /Input name "aws-role-arn" must be lower-case letters, digits and underscores/,
    );
  });

  it('reads the runner variables by default', () => {
    process.env.INPUT_ENVIRONMENT = 'prod';
    try {
      const values = readInputs({ environment: input.text({ fix: '' }) });
      expect(values.environment).toBe('prod');
    } finally {
      delete process.env.INPUT_ENVIRONMENT;
    }
  });
});
