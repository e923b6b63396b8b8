// A Lambda execution environment as a child process running `host.mjs`. It starts with the
// function's environment variables in its unpacked code folder and runs one event at a time. A
// timeout ends it, as Lambda discards an environment whose invocation timed out.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FunctionSnapshot } from './code.ts';

const hostScript = fileURLToPath(new URL('./host.mjs', import.meta.url));

/** Maximum time of the init phase, as Lambda allows for on-demand functions. */
const initTimeoutMs = 10_000;

/** An error as the Lambda runtime reports it. */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** How one invocation ended. */
export type InvokeOutcome =
  | { readonly kind: 'result'; readonly result: unknown }
  | { readonly kind: 'error'; readonly error: FunctionError }
  | { readonly kind: 'timeout'; readonly seconds: number }
  | { readonly kind: 'crash'; readonly detail: string };

export interface EnvironmentOptions {
  readonly snapshot: FunctionSnapshot;
  /** The unpacked code: `LAMBDA_TASK_ROOT` and the working directory. */
  readonly codeFolder: string;
  readonly region: string;
  /** Variables set after the function's own, such as the local `MONGODB_URI`. */
  readonly overrides: Readonly<Record<string, string>>;
  /** Receives every line the function writes to stdout or stderr. */
  readonly functionLog: (line: string) => void;
}

type HostMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: FunctionError }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: FunctionError };

/**
 * The variables the Node.js runtime sets, then the function's, then `overrides`. Nothing is
 * inherited from this process, so no local credential reaches the function.
 *
 * NOTE: Lambda also sets the execution role's credentials (AWS_ACCESS_KEY_ID and friends). They
 * are left out, so a function that calls AWS or uses MONGODB-AWS sign-in fails here.
 */
export function functionEnvironment(options: EnvironmentOptions): Record<string, string> {
  const { snapshot } = options;
  return {
    PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: snapshot.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${snapshot.runtime}`,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: snapshot.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: snapshot.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(snapshot.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${snapshot.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[${snapshot.version}]${snapshot.codeSha256.slice(0, 8)}`,
    LAMBDA_TASK_ROOT: options.codeFolder,
    ...snapshot.environment,
    ...options.overrides,
  };
}

/** One running execution environment. Use `startEnvironment` to create it. */
export class ExecutionEnvironment {
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: InvokeOutcome) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private exited = false;
  /** Set when the environment is killed, before its process has exited. */
  private discarded = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly snapshot: FunctionSnapshot,
  ) {
    child.on('message', (message: HostMessage) => {
      if (message.type === 'result' || message.type === 'error') {
        const settle = this.pending.get(message.id);
        this.pending.delete(message.id);
        settle?.(
          message.type === 'result'
            ? { kind: 'result', result: message.result }
            : { kind: 'error', error: message.error },
        );
      }
    });
    // Without a listener, a failed send to a process that just died would throw.
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      this.exited = true;
      const detail = `the execution environment exited (${signal ?? `code ${code}`})`;
      for (const settle of this.pending.values()) {
        settle({ kind: 'crash', detail });
      }
      this.pending.clear();
    });
  }

  /** Starts the process and waits for the init phase: the handler imported, or why it failed. */
  static async start(
    options: EnvironmentOptions,
  ): Promise<ExecutionEnvironment | { initError: FunctionError }> {
    const child = fork(hostScript, [], {
      cwd: options.codeFolder,
      env: functionEnvironment(options),
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) {
        createInterface({ input: stream }).on('line', options.functionLog);
      }
    }
    const init = await new Promise<HostMessage | { type: 'exit'; detail: string }>((resolve) => {
      const timer = setTimeout(
        () => resolve({ type: 'exit', detail: `init did not finish in ${initTimeoutMs} ms` }),
        initTimeoutMs,
      );
      child.once('message', (message: HostMessage) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ type: 'exit', detail: `exited during init (${signal ?? `code ${code}`})` });
      });
    });
    if (init.type === 'ready') {
      return new ExecutionEnvironment(child, options.snapshot);
    }
    child.kill('SIGKILL');
    if (init.type === 'init-error') {
      return { initError: init.error };
    }
    return {
      initError: {
        errorType: 'Runtime.ExitError',
        errorMessage: 'detail' in init ? init.detail : 'init failed',
      },
    };
  }

  get alive(): boolean {
    return !this.exited && !this.discarded;
  }

  /**
   * Runs one invocation after those before it, as one environment handles one request at a time.
   * After a timeout the process is killed: the next request needs a new environment.
   */
  invoke(event: unknown, context: Record<string, unknown>): Promise<InvokeOutcome> {
    const run = this.queue.then(() => this.invokeNow(event, context));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private invokeNow(event: unknown, context: Record<string, unknown>): Promise<InvokeOutcome> {
    if (!this.alive) {
      return Promise.resolve({ kind: 'crash', detail: 'the execution environment has exited' });
    }
    const id = this.nextId++;
    const seconds = this.snapshot.timeoutSeconds;
    const deadlineMs = Date.now() + seconds * 1000;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.discarded = true;
        this.child.kill('SIGKILL');
        resolve({ kind: 'timeout', seconds });
      }, seconds * 1000);
      const settle = (outcome: InvokeOutcome) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(outcome);
      };
      this.pending.set(id, settle);
      this.child.send(
        { type: 'invoke', id, event, context: { ...context, deadlineMs } },
        (error) => {
          if (error !== null) {
            settle({ kind: 'crash', detail: `sending the event failed: ${error.message}` });
          }
        },
      );
    });
  }

  /** Waits for the queued invocations, then ends the process. */
  async stop(): Promise<void> {
    await this.queue;
    if (this.exited) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
