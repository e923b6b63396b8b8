/** Stable codes of the runner glue's errors, for callers and tests to branch on. */
export type ActionErrorCode =
  /** One or more action inputs failed validation; `problems` lists each. */
  | 'ERR_INPUT_INVALID'
  /** The job lacks `permissions: id-token: write`, so the runner offers no ID token. */
  | 'ERR_OIDC_PERMISSION_MISSING'
  /** The run is a pull request from a fork, which gets no cloud credentials. */
  | 'ERR_OIDC_FORK_PULL_REQUEST'
  /** The runner's ID-token endpoint failed. */
  | 'ERR_OIDC_TOKEN_REQUEST'
  /** STS rejected AssumeRoleWithWebIdentity or could not be reached. */
  | 'ERR_AWS_ASSUME_ROLE'
  /** A vendor credential could not be read from Secrets Manager or the environment. */
  | 'ERR_SECRET_READ'
  /** A vendor credential was read but does not have the expected shape. */
  | 'ERR_SECRET_INVALID'
  /** A GITHUB_* variable the runner always sets is missing or malformed. */
  | 'ERR_RUN_CONTEXT'
  /** A GitHub REST call failed after its retries. */
  | 'ERR_GITHUB_REQUEST';

/** One invalid action input: which, by what rule, what arrived, and how to fix it. */
export interface InputProblem {
  readonly input: string;
  readonly rule: string;
  /** The value received, quoted, or a description of it when the input is secret. */
  readonly received: string;
  readonly fix: string;
}

/** An error of the runner glue. Messages never contain a secret value. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
  readonly code: ActionErrorCode;
  /** Each invalid input, for `ERR_INPUT_INVALID`. */
  readonly problems: readonly InputProblem[];

  constructor(
    code: ActionErrorCode,
    message: string,
    options: { cause?: unknown; problems?: readonly InputProblem[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

/**
 * A reason to end a step early without failing it, such as a feature the config turns off.
 * `runAction` reports it as a notice and a job summary section titled `title`.
 */
export class StepSkipped extends Error {
  override readonly name: string = 'StepSkipped';

  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}
