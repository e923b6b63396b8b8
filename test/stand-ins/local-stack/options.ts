// The options of `npm start -- [options]`. Unknown options and bad values are errors that name
// the option, the value and the accepted ones.
import { parseArgs } from 'node:util';

export interface StartOptions {
  readonly fresh: boolean;
  readonly smoke: boolean;
  /** Function URL port; undefined keeps the overlay's. */
  readonly port: number | undefined;
  readonly help: boolean;
}

export const startUsage = `Usage: npm start -- [options]

Starts the stand-ins for AWS, Atlas, Okta, the OpenID Provider and MongoDB on 127.0.0.1,
reconciles config/dev.yaml against them with the gitops CLI, deploys the service into the
Lambda stand-in and serves its function URL on http://localhost:8000.

Options:
  --fresh      Delete the saved state (.local/stack/) first, so every resource is created again
  --smoke      Sign in, create, list, read, update and delete a message, print the result and
               stop; exit code 1 when any step fails
  --port N     Port of the local function URL, 0 to 65535 (default 8000; 0 picks a free one)
  --help       Show this help
`;

export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
  readonly code = 'ERR_START_USAGE';
}

/** Parses the arguments after `npm start --`. */
export function parseStartOptions(argv: readonly string[]): StartOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        fresh: { type: 'boolean' },
        smoke: { type: 'boolean' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new StartUsageError(
      `${error instanceof Error ? error.message : String(error)}. Run npm start -- --help for the options.`,
    );
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN;
    if (!Number.isInteger(port) || port > 65_535) {
      throw new StartUsageError(
        `--port must be a whole number from 0 to 65535 (got "${values.port}")`,
      );
    }
  }
  return {
    fresh: values.fresh === true,
    smoke: values.smoke === true,
    port,
    help: values.help === true,
  };
}
