// Runs tasks that depend on each other, independent ones in parallel up to a bound. Observe and
// apply both go through it.

export type TaskOutcome =
  | { readonly status: 'done' }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'skipped'; readonly because: string };

export interface Task {
  readonly id: string;
  /** Ids of tasks that must finish first. Ids without a task count as finished. */
  readonly after: readonly string[];
  run(): Promise<void>;
}

/**
 * Runs `tasks` in dependency order with at most `concurrency` running at once. Ready tasks start
 * in the order given, so the same graph always starts in the same order. A task whose dependency
 * failed or was skipped is skipped; independent tasks still run. Tasks left in a cycle are
 * skipped as well, because none of them can start.
 */
export async function runTasks(
  tasks: readonly Task[],
  concurrency: number,
): Promise<Map<string, TaskOutcome>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  }
  const known = new Set(tasks.map((task) => task.id));
  const outcomes = new Map<string, TaskOutcome>();
  const pending = [...tasks];
  const running = new Set<Promise<void>>();

  const blockedBy = (task: Task): string | undefined =>
    task.after.find(
      (id) => known.has(id) && outcomes.get(id)?.status !== 'done' && outcomes.has(id),
    );
  const isReady = (task: Task): boolean =>
    task.after.every((id) => !known.has(id) || outcomes.get(id)?.status === 'done');

  for (;;) {
    // Skip whatever can no longer run, repeatedly, because a skip can block further tasks.
    let skippedAny = true;
    while (skippedAny) {
      skippedAny = false;
      for (const task of [...pending]) {
        const blocker = blockedBy(task);
        if (blocker !== undefined) {
          outcomes.set(task.id, { status: 'skipped', because: blocker });
          pending.splice(pending.indexOf(task), 1);
          skippedAny = true;
        }
      }
    }

    for (const task of [...pending]) {
      if (running.size >= concurrency) {
        break;
      }
      if (!isReady(task)) {
        continue;
      }
      pending.splice(pending.indexOf(task), 1);
      const promise = task.run().then(
        () => void outcomes.set(task.id, { status: 'done' }),
        (error: unknown) => void outcomes.set(task.id, { status: 'failed', error }),
      );
      const tracked = promise.finally(() => running.delete(tracked));
      running.add(tracked);
    }

    if (running.size === 0) {
      for (const task of pending) {
        outcomes.set(task.id, { status: 'skipped', because: 'a dependency cycle' });
      }
      return outcomes;
    }
    await Promise.race(running);
  }
}
