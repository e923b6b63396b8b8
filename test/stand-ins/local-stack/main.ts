// The body of `npm start`: parse the options, start the stack, then either run the smoke checks
// and stop, or print where to click and run until Ctrl-C.
import type { LocalStack, LocalStackOptions } from './index.ts';
import { startLocalStack } from './index.ts';
import { parseStartOptions, startUsage, StartUsageError } from './options.ts';
import { describeSmoke, runSmoke } from './smoke.ts';
import { deployedSettings, describeStack } from './summary.ts';

export interface MainOptions {
  readonly argv: readonly string[];
  readonly root: string;
  readonly write: (text: string) => void;
  readonly color?: boolean;
  /** Test hooks, passed to `startLocalStack`. */
  readonly stack?: Partial<
    Pick<LocalStackOptions, 'stateFolder' | 'publicPort' | 'artifactRoot' | 'build'>
  >;
  /**
   * Resolves when the user requests a stop (Ctrl-C). Without `--smoke`, the stack runs until then.
   */
  readonly stopRequested: Promise<void>;
}

function failedStep(stack: LocalStack): string {
  const failed = stack.pipeline.steps.find((step) => step.exitCode !== 0);
  if (failed === undefined) {
    return 'the reconcile did not finish';
  }
  if (failed.command === 'plan') {
    return `the second plan still has changes (exit code ${failed.exitCode}); the stand-ins or the providers do not converge, see the plan above`;
  }
  return `gitops ${failed.command} failed with exit code ${failed.exitCode}; its output is above`;
}

async function smoke(stack: LocalStack, write: (text: string) => void): Promise<number> {
  const deployed = deployedSettings(stack);
  if (deployed?.issuer === undefined || deployed.clientId === undefined) {
    write('Smoke run failed: the deployed function has no OKTA_ISSUER or OKTA_CLIENT_ID.\n');
    return 1;
  }
  write(`\n== Smoke run through ${stack.publicUrl} as ${stack.overlay.testUser.login}\n`);
  const redirectUri = `${stack.publicUrl}/docs/oauth2-redirect`;
  const registered = stack.standIns.okta.findAppByClientId(deployed.clientId)?.redirectUris ?? [];
  if (!registered.includes(redirectUri)) {
    write(
      `Smoke run failed: the Okta app ${deployed.clientId} does not register ${redirectUri} (it registers ${registered.join(', ') || 'none'}), so the local OpenID Provider rejects the sign-in. Start on the port the config registers, such as --port 8000.\n`,
    );
    return 1;
  }
  const checks = await runSmoke({
    baseUrl: `http://127.0.0.1:${stack.functionUrl.port}`,
    publicUrl: stack.publicUrl,
    issuer: deployed.issuer,
    clientId: deployed.clientId,
    user: stack.overlay.testUser,
  });
  write(`${describeSmoke(checks).join('\n')}\n`);
  const failed = checks.filter((check) => !check.ok).length;
  write(
    failed === 0
      ? `Smoke run passed: ${checks.length} checks.\n`
      : `Smoke run failed: ${failed} of ${checks.length} checks failed.\n`,
  );
  return failed === 0 && checks.length > 0 ? 0 : 1;
}

/** Runs `npm start` and returns its exit code once everything it started has stopped. */
export async function main(options: MainOptions): Promise<number> {
  const { write } = options;
  let parsed;
  try {
    parsed = parseStartOptions(options.argv);
  } catch (error) {
    if (error instanceof StartUsageError) {
      write(`npm start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (parsed.help) {
    write(startUsage);
    return 0;
  }

  write('Starting the local stack: stand-ins on 127.0.0.1, then the gitops CLI against them.\n');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      root: options.root,
      fresh: parsed.fresh,
      ...(parsed.port === undefined ? {} : { port: parsed.port }),
      write,
      color: options.color ?? false,
      ...options.stack,
    });
  } catch (error) {
    write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  try {
    if (!stack.pipeline.ok) {
      write(`\nnpm start failed: ${failedStep(stack)}.\n`);
      return 1;
    }
    if (parsed.smoke) {
      return await smoke(stack, write);
    }
    write(`${describeStack(stack, options.root).join('\n')}\n\nPress Ctrl-C to stop.\n`);
    await options.stopRequested;
    write('Stopping the function URL and the stand-ins.\n');
    return 0;
  } finally {
    await stack.close();
    write('Stopped.\n');
  }
}
