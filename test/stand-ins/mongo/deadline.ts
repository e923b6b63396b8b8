// The `maxTimeMS` budget of one command. Long scans and injected delays check it, so a command
// that runs out of time fails with MaxTimeMSExpired (50) as on mongod.
import { CommandError, ErrorCodes } from './errors.ts';

export class Deadline {
  /** Absolute time in `performance.now()` milliseconds, or `Infinity` without `maxTimeMS`. */
  readonly at: number;

  constructor(maxTimeMS: number | undefined) {
    this.at = maxTimeMS && maxTimeMS > 0 ? performance.now() + maxTimeMS : Infinity;
  }

  static none(): Deadline {
    return new Deadline(undefined);
  }

  /** Milliseconds left, `Infinity` without a limit. */
  remaining(): number {
    return this.at === Infinity ? Infinity : Math.max(0, this.at - performance.now());
  }

  /** Raises MaxTimeMSExpired once the budget is spent. */
  check(): void {
    if (performance.now() >= this.at) throw maxTimeExpired();
  }
}

export function maxTimeExpired(): CommandError {
  return new CommandError(ErrorCodes.MaxTimeMSExpired, 'operation exceeded time limit');
}
