import { describe, expect, it } from 'vitest';
import { WaitError, waitFor } from '../../actions/engine/wait.ts';

// A frozen clock that only moves when the wait sleeps, so elapsed times are exact.
function frozenWorld() {
  let now = 0;
  const lines: string[] = [];
  return {
    lines,
    context: {
      now: () => new Date(now),
      sleep: (milliseconds: number) => {
        now += milliseconds;
        return Promise.resolve();
      },
      log: {
        info: (message: string) => lines.push(message),
        debug: () => undefined,
        warning: (message: string) => lines.push(`warning: ${message}`),
      },
    },
  };
}

function states(...sequence: string[]) {
  let index = 0;
  return () => Promise.resolve(sequence[Math.min(index++, sequence.length - 1)]!);
}

describe('waitFor', () => {
  it('returns the done state and logs progress', async () => {
    const world = frozenWorld();
    const value = await waitFor(world.context, {
      what: 'cluster main to become IDLE',
      poll: states('CREATING', 'CREATING', 'IDLE'),
      isDone: (state) => state === 'IDLE',
      describe: (state) => state,
      timeoutMs: 60_000,
      intervalMs: 10_000,
    });
    expect(value).toBe('IDLE');
    expect(world.lines).toEqual([
      'waiting for cluster main to become IDLE: state CREATING, 0 s elapsed',
      'cluster main to become IDLE: done, state IDLE after 20 s',
    ]);
  });

  it('logs again when the state changes', async () => {
    const world = frozenWorld();
    await waitFor(world.context, {
      what: 'function api to become Active',
      poll: states('Pending', 'Pending', 'Updating', 'Active'),
      isDone: (state) => state === 'Active',
      describe: (state) => state,
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    expect(world.lines.slice(0, 2)).toEqual([
      'waiting for function api to become Active: state Pending, 0 s elapsed',
      'waiting for function api to become Active: state Updating, 2 s elapsed',
    ]);
  });

  it('times out naming the last state', async () => {
    const world = frozenWorld();
    const error = await waitFor(world.context, {
      what: 'cluster main to become IDLE',
      poll: states('CREATING', 'UPDATING'),
      isDone: () => false,
      describe: (state) => state,
      timeoutMs: 30_000,
      intervalMs: 10_000,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitError);
    expect((error as WaitError).code).toBe('ERR_WAIT_TIMEOUT');
    expect((error as WaitError).lastState).toBe('UPDATING');
    expect((error as WaitError).message).toContain('last state: UPDATING');
  });

  it('stops on a failed state', async () => {
    const world = frozenWorld();
    const error = await waitFor(world.context, {
      what: 'function api to become Active',
      poll: states('Pending', 'Failed'),
      isDone: (state) => state === 'Active',
      describe: (state) => state,
      failed: (state) => (state === 'Failed' ? 'see LastUpdateStatusReason' : undefined),
      timeoutMs: 600_000,
      intervalMs: 5_000,
    }).catch((caught: unknown) => caught);
    expect((error as WaitError).code).toBe('ERR_WAIT_FAILED');
    expect((error as WaitError).lastState).toBe('Failed');
  });

  it('rejects a zero interval', async () => {
    const world = frozenWorld();
    await expect(
      waitFor(world.context, {
        what: 'x',
        poll: states('A'),
        isDone: () => false,
        describe: (state) => state,
        timeoutMs: 1_000,
        intervalMs: 0,
      }),
    ).rejects.toThrow(RangeError);
  });
});
