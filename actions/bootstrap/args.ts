// Command-line options of `npm run bootstrap`. Unknown options and bad values are errors that name
// the option, the value received and what to pass instead.
import { parseArgs } from 'node:util';
import type { Target } from '../engine/config/placeholders.ts';

export interface BootstrapArguments {
  readonly env: string;
  readonly configDir: string;
  readonly target: Target;
  /** Applies without asking on the terminal. */
  readonly yes: boolean;
  /** Plans and lists the secret and variable changes, but writes nothing. */
  readonly dryRun: boolean;
  /** Name of the environment variable that contains the GitHub token, when variables are to be set. */
  readonly githubTokenEnv: string | undefined;
  /** Scope of the per-environment variables: the GitHub environment, or the repository. */
  readonly variablesScope: VariablesScope;
}

export const variablesScopes = ['environment', 'repository'] as const;
export type VariablesScope = (typeof variablesScopes)[number];

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

export const usage = `Usage: npm run bootstrap -- --env NAME [options]

Creates what GitHub Actions need before their first run, with admin AWS credentials: the GitHub
OIDC provider and the plan, deploy and preview roles of aws.github in config/NAME.yaml, and the
Secrets Manager secrets in aws.github.secretNames that contain the Atlas and Okta credentials. Then
prints the variables the deploy workflow may read, and sets them when a GitHub token is given. The
workflows read the same values from the config, so the variables only override it.

Options:
  --env NAME              Environment, the name of config/NAME.yaml (required)
  --config-dir DIR        Folder of the config files (default: config)
  --target TARGET         local (the stand-ins on this machine) or cloud (default: cloud, or
                          GITOPS_TARGET); cloud rejects the template's placeholder ids
  --yes                   Apply without asking for confirmation (needed without a terminal)
  --dry-run               Print the plan and the secret changes; write nothing
  --github-token-env VAR  Set the GitHub variables with the token in environment variable VAR;
                          without it they are only printed
  --variables-scope SCOPE environment (default): the deploy role ARN, region and secret names go
                          to the GitHub environment aws.github.environment, so dev and prod keep
                          their own; repository: they go to the repository, which suits a
                          repository with one environment
  --help                  Show this help

Credentials: AWS from the default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO); AWS_ENDPOINT_URL
points at a stand-in. Vendor keys from ATLAS_CLIENT_ID and ATLAS_CLIENT_SECRET (or
ATLAS_PUBLIC_API_KEY and ATLAS_PRIVATE_API_KEY), and OKTA_API_TOKEN (or OKTA_CLIENT_ID,
OKTA_PRIVATE_KEY and OKTA_KEY_ID). GITHUB_API_URL points at another GitHub API.

Exit codes: 0 success, 1 errors.
`;

const optionSpec = {
  env: { type: 'string' },
  'config-dir': { type: 'string' },
  target: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  'github-token-env': { type: 'string' },
  'variables-scope': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readArgv(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: optionSpec,
    });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}. Run npm run bootstrap -- --help for the options.`,
    );
  }
}

function readTarget(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Target {
  const value = option ?? env.GITOPS_TARGET ?? 'cloud';
  if (value !== 'local' && value !== 'cloud') {
    const source = option === undefined ? '--target (from GITOPS_TARGET)' : '--target';
    throw new UsageError(`${source} must be one of local, cloud (got "${value}")`);
  }
  return value;
}

/** Parses argv (without node and the script). Returns `undefined` for `--help`. */
export function parseBootstrapArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BootstrapArguments | undefined {
  const { values } = readArgv(argv);
  if (values.help === true) {
    return undefined;
  }
  if (values.env === undefined || values.env === '') {
    throw new UsageError('--env is required, such as --env dev (the name of config/dev.yaml)');
  }
  const tokenEnv = values['github-token-env'];
  if (tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) {
    throw new UsageError(
      `--github-token-env must name an environment variable, such as GITHUB_TOKEN (got "${tokenEnv}")`,
    );
  }
  const scope = values['variables-scope'] ?? 'environment';
  if (!(variablesScopes as readonly string[]).includes(scope)) {
    throw new UsageError(
      `--variables-scope must be one of ${variablesScopes.join(', ')} (got "${scope}")`,
    );
  }
  return {
    env: values.env,
    configDir: values['config-dir'] ?? 'config',
    target: readTarget(values.target, env),
    yes: values.yes === true,
    dryRun: values['dry-run'] === true,
    githubTokenEnv: tokenEnv,
    variablesScope: scope as VariablesScope,
  };
}
