import { describe, expect, it } from 'vitest';
import { runTasks } from '../../actions/engine/scheduler.ts';
import type { Task } from '../../actions/engine/scheduler.ts';

function recorder() {
  const started: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = (id: string, after: string[] = [], fail = false): Task => ({
    id,
    after,
    run: async () => {
      started.push(id);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (fail) {
        throw new Error(`${id} failed`);
      }
    },
  });
  return { started, task, maxRunning: () => maxRunning };
}

describe('runTasks', () => {
  it('runs dependencies first', async () => {
    const { started, task } = recorder();
    const outcomes = await runTasks([task('c', ['b']), task('b', ['a']), task('a')], 4);
    expect(started).toEqual(['a', 'b', 'c']);
    expect([...outcomes.values()].every((outcome) => outcome.status === 'done')).toBe(true);
  });

  it('bounds concurrency', async () => {
    const { task, maxRunning } = recorder();
    await runTasks(
      Array.from({ length: 10 }, (_, index) => task(`t${index}`)),
      3,
    );
    expect(maxRunning()).toBe(3);
  });

  it('skips dependents of a failure', async () => {
    const { started, task } = recorder();
    const outcomes = await runTasks(
      [task('a', [], true), task('b', ['a']), task('c', ['b']), task('d')],
      2,
    );
    expect(outcomes.get('a')?.status).toBe('failed');
    expect(outcomes.get('b')).toEqual({ status: 'skipped', because: 'a' });
    expect(outcomes.get('c')).toEqual({ status: 'skipped', because: 'b' });
    expect(outcomes.get('d')?.status).toBe('done');
    expect(started).toEqual(['a', 'd']);
  });

  it('treats unknown ids as done', async () => {
    const { started, task } = recorder();
    await runTasks([task('a', ['not-a-task'])], 1);
    expect(started).toEqual(['a']);
  });

  it('skips a cycle', async () => {
    const { started, task } = recorder();
    const outcomes = await runTasks([task('a', ['b']), task('b', ['a'])], 2);
    expect(started).toEqual([]);
    expect(outcomes.get('a')).toEqual({ status: 'skipped', because: 'a dependency cycle' });
  });

  it('rejects zero concurrency', async () => {
    await expect(runTasks([], 0)).rejects.toThrow('concurrency must be a positive integer (got 0)');
  });
});
