// Shared setup of the Atlas suites: a frozen clock that the fake sleep advances, a provider
// context that records log lines, and the stand-in started on loopback for the current test.
import type { Logger, ProviderContext } from '../../actions/engine/provider.ts';
import {
  createAtlasProvider,
  type AtlasProviderOptions,
} from '../../actions/providers/atlas/index.ts';
import { startServer } from '../helpers/servers.ts';
import {
  startAtlasStandIn,
  type AtlasStandIn,
  type AtlasStandInOptions,
} from '../stand-ins/atlas/index.ts';
import { recordForSpecCheck } from './spec-check.ts';

export const orgId = '000000000000000000000000';
export const apiKey = { publicKey: 'pubkeyabc', privateKey: 'private-key-5f2c9d' };
export const serviceAccount = { clientId: 'mdb_sa_id_6a1', clientSecret: 'mdb_sa_sk_secret-77e1' };

/** A clock frozen at 2026-01-05T10:00:00Z that only the fake sleep moves. */
export class FrozenClock {
  milliseconds = Date.parse('2026-01-05T10:00:00Z');
  readonly sleeps: number[] = [];

  now = (): number => this.milliseconds;

  sleep = (milliseconds: number): Promise<void> => {
    this.sleeps.push(milliseconds);
    this.milliseconds += milliseconds;
    return Promise.resolve();
  };
}

export interface RecordingContext extends ProviderContext {
  readonly lines: { level: keyof Logger; message: string }[];
}

export function testContext(clock: FrozenClock, environment = 'dev'): RecordingContext {
  const lines: RecordingContext['lines'] = [];
  const log: Logger = {
    info: (message) => lines.push({ level: 'info', message }),
    debug: (message) => lines.push({ level: 'debug', message }),
    warning: (message) => lines.push({ level: 'warning', message }),
  };
  return {
    environment,
    log,
    lines,
    now: () => new Date(clock.now()),
    sleep: clock.sleep,
    marker: (address) => ({ managedBy: 'gitops', environment, address }),
  };
}

/** Starts the stand-in for the current test, with one API key and one service account. */
export async function startStandIn(
  clock: FrozenClock,
  options: AtlasStandInOptions = {},
): Promise<AtlasStandIn> {
  const standIn = await startAtlasStandIn({
    apiKeys: [apiKey],
    serviceAccounts: [serviceAccount],
    now: clock.now,
    listen: startServer,
    ...options,
  });
  recordForSpecCheck(standIn);
  return standIn;
}

/** Creates a provider aimed at `standIn`, with short waits so suites stay fast. */
export function providerFor(
  standIn: AtlasStandIn,
  clock: FrozenClock,
  options: Partial<AtlasProviderOptions> = {},
) {
  return createAtlasProvider({
    baseUrl: standIn.url,
    credentials: { type: 'serviceAccount', ...serviceAccount },
    now: clock.now,
    clusterPollIntervalMs: 10_000,
    clusterTimeoutMs: 600_000,
    readBackDelayMs: 1_000,
    ...options,
  });
}
