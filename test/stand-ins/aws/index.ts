// The AWS stand-in: one loopback HTTP server that the real `@aws-sdk/*` v3 clients reach through
// `endpoint`, serving IAM, STS, Lambda, CloudWatch Logs, Budgets, Cost Explorer and Secrets
// Manager from memory (optionally persisted to a JSON file).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from './faults.ts';
import { IdGenerator } from './ids.ts';
import { RequestLog } from './request-log.ts';
import { functionUrlKey } from './runtime.ts';
import type { CostSettings, Runtime } from './runtime.ts';
import { adminIdentity, createListener } from './server.ts';
import type { AwsState } from './state.ts';
import { loadState, saveState } from './state.ts';

export type { RequestLogEntry } from './request-log.ts';
export type { CostSettings } from './runtime.ts';
export type { AwsState } from './state.ts';
export { Faults } from './faults.ts';
export { RequestLog } from './request-log.ts';
export { supportedOperations } from './server.ts';

/** A listening server: the shape of `listenOnLoopback` in the test helpers. */
export interface ListeningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface AwsStandInOptions {
  /** Account id of the caller, in every ARN and in GetCallerIdentity. Defaults to `123456789012`. */
  readonly accountId?: string;
  /** Region in ARNs and function URLs. Defaults to `us-east-1`. */
  readonly region?: string;
  /** Port on 127.0.0.1; 0 (the default) lets the system pick one. */
  readonly port?: number;
  /** JSON file that keeps the state between runs; without it the state lives in memory only. */
  readonly statePath?: string;
  /** Clock in epoch milliseconds. Tests pass a manual clock so delays pass without waiting. */
  readonly now?: () => number;
  /** Initial IAM propagation delay, in milliseconds (see `Faults`). Defaults to 0. */
  readonly iamPropagationDelayMs?: number;
  /** Initial time a new function stays `Pending`, in milliseconds. Defaults to 0. */
  readonly lambdaCreateDelayMs?: number;
  /** Initial time a function update stays `InProgress`, in milliseconds. Defaults to 0. */
  readonly lambdaUpdateDelayMs?: number;
  /** Concurrency limit of the account. Defaults to 1000, the usual quota. */
  readonly accountConcurrencyLimit?: number;
  /**
   * Whether callers who assumed a role are limited to what the role's policies allow. Defaults to
   * true; the stand-in's admin user is never limited.
   */
  readonly enforcePolicies?: boolean;
  /** Cost Explorer amounts. Defaults to 0 USD a day. */
  readonly costs?: Partial<CostSettings>;
  /** Seed for generated ids; two stand-ins with the same seed and requests give the same ids. */
  readonly seed?: string;
  /** Starts the server; tests pass `startServer` from the test helpers so it is always stopped. */
  readonly listen?: (server: Server) => Promise<ListeningServer>;
}

/** Credentials for the SDK clients, as `clientConfig` returns them. Not a secret: nothing checks them. */
export interface StandInCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsStandIn {
  /** `http://127.0.0.1:{port}`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly faults: Faults;
  readonly requests: RequestLog;
  /** Cost Explorer amounts; change them at any time. */
  readonly costs: CostSettings;
  /** The live state, for assertions and for seeding resources directly. */
  state(): AwsState;
  /**
   * Makes the stand-in report `address` as the `FunctionUrl` of `functionName` at `qualifier`, which
   * is an alias or `$LATEST` for the unqualified URL. Clients of the reported URL then reach a
   * server on this machine, such as `startFunctionUrl` of the Lambda runtime stand-in. `address`
   * ends with `/`, as AWS's URLs do. It applies from the next response, and undefined removes it.
   */
  setFunctionUrlAddress(functionName: string, qualifier: string, address: string | undefined): void;
  /** `{ endpoint, region, credentials }` for an SDK client; other credentials can be passed. */
  clientConfig(credentials?: StandInCredentials): {
    endpoint: string;
    region: string;
    credentials: StandInCredentials;
  };
  close(): Promise<void>;
}

/** The access key of the stand-in's admin user. */
export const adminCredentials: StandInCredentials = {
  accessKeyId: 'AKIAGITOPSSTANDIN000',
  secretAccessKey: 'stand-in-secret-access-key-not-checked',
};

async function listenOnLocalhost(server: Server, port: number): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Starts the AWS stand-in on 127.0.0.1. */
export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const accountId = options.accountId ?? '123456789012';
  if (!/^\d{12}$/.test(accountId)) {
    throw new RangeError(`AWS stand-in accountId must be 12 digits (got "${accountId}")`);
  }
  const region = options.region ?? 'us-east-1';
  let state = loadState(options.statePath);
  const seed = options.seed ?? 'aws-stand-in';
  const costs: CostSettings = { daily: 0, unit: 'USD', ...options.costs };
  const functionUrlAddresses = new Map<string, string>();
  const runtime: Runtime = {
    accountId,
    region,
    baseUrl: '',
    get state() {
      return state;
    },
    set state(next) {
      state = next;
    },
    ids: new IdGenerator(seed, () => state),
    faults: new Faults({
      iamPropagationDelayMs: options.iamPropagationDelayMs ?? 0,
      lambdaCreateDelayMs: options.lambdaCreateDelayMs ?? 0,
      lambdaUpdateDelayMs: options.lambdaUpdateDelayMs ?? 0,
    }),
    costs,
    accountConcurrencyLimit: options.accountConcurrencyLimit ?? 1000,
    now: options.now ?? Date.now,
    caller: adminIdentity(accountId, adminCredentials.accessKeyId),
    functionUrlAddresses,
  };
  const requests = new RequestLog();
  let requestCount = 0;
  const statePath = options.statePath;
  const listener = createListener({
    runtime,
    log: requests,
    enforcePolicies: options.enforcePolicies ?? true,
    persist: () => {
      if (statePath !== undefined) {
        saveState(statePath, state);
      }
    },
    requestId: () => {
      requestCount += 1;
      const hex = requestCount.toString(16).padStart(12, '0');
      return `00000000-0000-4000-8000-${hex}`;
    },
  });
  const server = createServer(listener);
  const listening = await (
    options.listen ?? ((created) => listenOnLocalhost(created, options.port ?? 0))
  )(server);
  runtime.baseUrl = listening.url;

  return {
    url: listening.url,
    port: listening.port,
    region,
    accountId,
    faults: runtime.faults,
    requests,
    costs,
    state: () => state,
    setFunctionUrlAddress(functionName, qualifier, address) {
      const key = functionUrlKey(functionName, qualifier === '$LATEST' ? '' : qualifier);
      if (address === undefined) {
        functionUrlAddresses.delete(key);
        return;
      }
      if (!/^https?:\/\/[^/]+\/$/.test(address)) {
        throw new RangeError(
          `AWS stand-in function URL address must be an http(s) origin followed by / (got "${address}")`,
        );
      }
      functionUrlAddresses.set(key, address);
    },
    clientConfig: (credentials = adminCredentials) => ({
      endpoint: listening.url,
      region,
      credentials,
    }),
    close: () => listening.close(),
  };
}
