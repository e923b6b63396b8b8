// What every operation of the stand-in works with: the state, the account, the clock, ids, the
// fault switches, and the caller of the current request.
import type { Faults } from './faults.ts';
import type { IdGenerator } from './ids.ts';
import type { ConditionContext } from './policy.ts';
import type { AwsState, SessionRecord } from './state.ts';

/** Amounts Cost Explorer reports. Change them at any time through the stand-in's `costs`. */
export interface CostSettings {
  /** Cost per day in `unit`, or per date (`YYYY-MM-DD`) with 0 for dates not listed. */
  daily: number | Record<string, number>;
  /** Forecast cost per day; defaults to the `daily` amount when it is a number. */
  forecastDaily?: number;
  unit: string;
}

export interface Runtime {
  readonly accountId: string;
  readonly region: string;
  /** Base URL of the stand-in, for links it hands out (Lambda code locations). */
  baseUrl: string;
  state: AwsState;
  readonly ids: IdGenerator;
  readonly faults: Faults;
  readonly costs: CostSettings;
  /** Maximum concurrency of the account; reserved concurrency must leave 100 unreserved. */
  readonly accountConcurrencyLimit: number;
  /** Epoch milliseconds. */
  now(): number;
  /** The identity behind the current request's access key. */
  caller: SessionRecord;
  /**
   * Addresses such as a local function URL on 127.0.0.1, by `functionUrlKey(FunctionName, Qualifier)`.
   * Each is reported as `FunctionUrl` in place of `https://{UrlId}.lambda-url.{region}.on.aws/`.
   */
  readonly functionUrlAddresses: ReadonlyMap<string, string>;
}

/** Key of `Runtime.functionUrlAddresses`: `{FunctionName}:{Qualifier}`, with `$LATEST` for no alias. */
export function functionUrlKey(functionName: string, qualifier: string): string {
  return `${functionName}:${qualifier === '' ? '$LATEST' : qualifier}`;
}

/** One permission an operation needs from an assumed-role caller. */
export interface AccessCheck {
  /** IAM action, such as `lambda:UpdateFunctionCode`. */
  readonly action: string;
  /** Resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly context?: ConditionContext;
}

/** An operation of a service, whatever its protocol. */
export interface Operation<Input> {
  /** Whether the operation changes state when it succeeds. */
  readonly write: boolean;
  /** Performs the operation and returns the response members, or throws an `AwsError`. */
  run(input: Input, runtime: Runtime): unknown;
  /** The permissions the caller needs; without it, `{service}:{Operation}` on `*`. */
  authorize?(input: Input, runtime: Runtime): AccessCheck[];
}

/** A Lambda REST-JSON request: path labels, query string and JSON body. */
export interface RestInput {
  readonly labels: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

export interface RestRoute extends Operation<RestInput> {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path template with `{Label}` segments, as in the service model's `@http` trait. */
  readonly path: string;
  /** HTTP status of a successful response. */
  readonly status: number;
}
