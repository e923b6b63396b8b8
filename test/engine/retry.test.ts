import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import { backoffDelay, defaultRetryOptions, withRetry } from '../../actions/engine/retry.ts';

const options = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

function world() {
  const sleeps: number[] = [];
  const lines: string[] = [];
  return {
    sleeps,
    lines,
    dependencies: {
      sleep: (milliseconds: number) => {
        sleeps.push(milliseconds);
        return Promise.resolve();
      },
      random: () => 0.999,
      log: {
        info: () => undefined,
        debug: () => undefined,
        warning: (line: string) => void lines.push(line),
      },
    },
  };
}

describe('backoffDelay', () => {
  it('grows exponentially under the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) =>
      backoffDelay(attempt, options, () => 0.999, undefined),
    );
    expect(delays).toEqual([99, 199, 399, 799, 999]);
  });

  it('draws full jitter from zero', () => {
    expect(backoffDelay(3, options, () => 0, undefined)).toBe(0);
  });

  it('waits at least retryAfterMs', () => {
    expect(backoffDelay(1, options, () => 0.5, 5_000)).toBe(5_000);
  });

  it('keeps a longer jitter over retryAfterMs', () => {
    expect(backoffDelay(4, options, () => 0.999, 10)).toBe(799);
  });

  it('has sane defaults', () => {
    expect(defaultRetryOptions).toEqual({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20_000 });
  });
});

describe('withRetry', () => {
  it('retries retryable errors', async () => {
    const { sleeps, lines, dependencies } = world();
    let calls = 0;
    const value = await withRetry(
      'observe a.b.c',
      () => {
        calls++;
        return calls < 3
          ? Promise.reject(new ProviderError('UNAVAILABLE', 'down'))
          : Promise.resolve('ok');
      },
      options,
      dependencies,
    );
    expect(value).toBe('ok');
    expect(sleeps).toEqual([99, 199]);
    expect(lines[0]).toBe(
      'observe a.b.c failed with UNAVAILABLE: down. Retrying in 99 ms, attempt 2 of 4.',
    );
  });

  it('stops at max attempts', async () => {
    const { sleeps, dependencies } = world();
    const error = new ProviderError('THROTTLED', 'slow down');
    await expect(withRetry('x', () => Promise.reject(error), options, dependencies)).rejects.toBe(
      error,
    );
    expect(sleeps).toHaveLength(3);
  });

  it('does not retry other errors', async () => {
    const { sleeps, dependencies } = world();
    await expect(
      withRetry('x', () => Promise.reject(new Error('bug')), options, dependencies),
    ).rejects.toThrow('bug');
    await expect(
      withRetry(
        'x',
        () => Promise.reject(new ProviderError('FORBIDDEN', 'no')),
        options,
        dependencies,
      ),
    ).rejects.toThrow('no');
    expect(sleeps).toEqual([]);
  });

  it('passes the attempt number', async () => {
    const { dependencies } = world();
    const attempts: number[] = [];
    await withRetry(
      'x',
      (attempt) => {
        attempts.push(attempt);
        return attempt === 1
          ? Promise.reject(new ProviderError('CONFLICT', 'busy'))
          : Promise.resolve();
      },
      options,
      dependencies,
    );
    expect(attempts).toEqual([1, 2]);
  });
});
