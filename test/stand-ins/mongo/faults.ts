// Fault switches, so tests can watch a client deal with a database that hangs, drops its
// connections or fails commands. `failCommands` follows mongod's `failCommand` fail point (the
// same fields, also reachable on the wire through `configureFailPoint`).
import { CommandError } from './errors.ts';

/**
 * Commands a rule without `failCommands` leaves alone: the handshake and server monitoring, and
 * `configureFailPoint`, so a test can always switch the rule off.
 */
export const EXEMPT_COMMANDS: ReadonlySet<string> = new Set([
  'hello',
  'isMaster',
  'configureFailPoint',
]);

/** A rule to fail commands, named like the `data` of mongod's `failCommand` fail point. */
export interface FailCommandsOptions {
  /** How many matching commands fail before the rule switches off; default 1. */
  times?: number;
  /** Command names to fail; default every command but `hello`, `isMaster`, `configureFailPoint`. */
  failCommands?: readonly string[];
  /** The error to raise; without it (and without `closeConnection`) the command runs normally. */
  errorCode?: number;
  /** The error's `errmsg`; default `Failing command via 'failCommand' failpoint`. */
  errmsg?: string;
  /** Labels attached to the error, such as `RetryableWriteError`. */
  errorLabels?: readonly string[];
  /** Close the connection instead of replying; the command does not run. */
  closeConnection?: boolean;
  /** Wait `blockTimeMS` before failing or running the command. */
  blockConnection?: boolean;
  blockTimeMS?: number;
  /** Match only connections whose handshake sent this `client.application.name`. */
  appName?: string;
}

/** What the dispatcher does with one command. */
export type FaultAction =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'fail';
      readonly blockTimeMS: number;
      readonly error?: CommandError;
      readonly closeConnection: boolean;
    };

interface Rule extends FailCommandsOptions {
  remaining: number;
}

/** The switches a test flips; every stand-in has one set. */
export interface MongoFaults {
  /**
   * Stops answering: requests (handshakes and monitoring included) are held without a reply, and
   * replies already due are held too, until `resume()`. Connections stay open.
   */
  hang(): void;
  /** Ends `hang()`: held replies are sent and held requests run, in order. */
  resume(): void;
  /** Destroys every open client connection, like a dropped network; returns how many. */
  closeConnections(): number;
  /** While on, every new connection is closed right after it is accepted. */
  refuseConnections(on: boolean): void;
  /** Fails the next matching commands; replaces an earlier rule, like mongod's fail point. */
  failCommands(options: FailCommandsOptions): void;
  /** Switches every fault off. */
  reset(): void;
}

export class FaultState {
  #hanging = false;
  #refusing = false;
  #rule: Rule | undefined;
  #resumeWaiters: (() => void)[] = [];

  get hanging(): boolean {
    return this.#hanging;
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  hang(): void {
    this.#hanging = true;
  }

  resume(): void {
    this.#hanging = false;
    const waiters = this.#resumeWaiters;
    this.#resumeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves immediately unless hanging, else when `resume()` is called. */
  whenRunning(): Promise<void> {
    if (!this.#hanging) return Promise.resolve();
    return new Promise((resolve) => this.#resumeWaiters.push(resolve));
  }

  refuseConnections(on: boolean): void {
    this.#refusing = on;
  }

  failCommands(options: FailCommandsOptions): void {
    const times = options.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError(`failCommands: times must be a positive integer (got ${String(times)})`);
    }
    if (options.errorCode === undefined && !options.closeConnection && !options.blockConnection) {
      throw new RangeError('failCommands: set errorCode, closeConnection or blockConnection');
    }
    this.#rule = { ...options, remaining: times };
  }

  clearFailCommands(): void {
    this.#rule = undefined;
  }

  reset(): void {
    this.clearFailCommands();
    this.#refusing = false;
    this.resume();
  }

  /** Returns what to do with the command `name` on a connection of `appName`, counting it. */
  actionFor(name: string, appName: string | undefined): FaultAction {
    const rule = this.#rule;
    if (!rule) return { kind: 'none' };
    const matches = rule.failCommands
      ? rule.failCommands.includes(name)
      : !EXEMPT_COMMANDS.has(name);
    if (!matches || (rule.appName !== undefined && rule.appName !== appName)) {
      return { kind: 'none' };
    }
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rule = undefined;

    // Explicit labels replace the ones the dispatcher would add, as in mongod's fail point.
    const error =
      rule.errorCode === undefined
        ? undefined
        : new CommandError(
            rule.errorCode,
            rule.errmsg ?? "Failing command via 'failCommand' failpoint",
            rule.errorLabels ? { errorLabels: [...rule.errorLabels] } : {},
          );
    return {
      kind: 'fail',
      blockTimeMS: rule.blockConnection ? (rule.blockTimeMS ?? 0) : 0,
      closeConnection: rule.closeConnection === true,
      ...(error ? { error } : {}),
    };
  }
}
