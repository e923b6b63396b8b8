// Every call the stand-in received, so tests can assert what a provider sent, and that a plan
// sent no write at all.
import type { ServiceName } from './errors.ts';

export interface RequestLogEntry {
  /** 1 for the first call since the stand-in started or the log was cleared. */
  readonly sequence: number;
  readonly service: ServiceName;
  readonly operation: string;
  /** The decoded request; zip files are summarised and secret values redacted. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Whether the operation changes state when it succeeds. */
  readonly write: boolean;
  readonly status: number;
  /** The vendor error code of a failed call. */
  readonly errorCode?: string;
  /** The response members before serialisation, for the contract check against the models. */
  readonly response?: unknown;
  /** ARN of the caller, from the access key in the `Authorization` header. */
  readonly caller: string;
  /** The action was performed but its response was dropped by a fault switch. */
  readonly dropped?: boolean;
}

export class RequestLog {
  private list: RequestLogEntry[] = [];
  private sequence = 0;

  add(entry: Omit<RequestLogEntry, 'sequence'>): void {
    this.sequence += 1;
    this.list.push({ sequence: this.sequence, ...entry });
  }

  /** All calls in the order received. */
  get entries(): readonly RequestLogEntry[] {
    return this.list;
  }

  /** Calls to operations that change state, whether or not they succeeded. */
  writes(): RequestLogEntry[] {
    return this.list.filter((entry) => entry.write);
  }

  /** `service:Operation` of each call, in order, such as `iam:GetRole`. */
  operations(): string[] {
    return this.list.map((entry) => `${entry.service}:${entry.operation}`);
  }

  count(service: ServiceName, operation: string): number {
    return this.list.filter((entry) => entry.service === service && entry.operation === operation)
      .length;
  }

  clear(): void {
    this.list = [];
    this.sequence = 0;
  }
}

const redactedKeys = new Set([
  'SecretString',
  'SecretBinary',
  'WebIdentityToken',
  'SecretAccessKey',
]);

/** Copies request params for the log, with zip bytes summarised and secret values redacted. */
export function loggableParams(
  params: Record<string, unknown>,
  summariseZip: (base64: string) => unknown,
): Record<string, unknown> {
  const visit = (value: unknown, key: string): unknown => {
    if (redactedKeys.has(key) && value !== undefined) {
      return '(redacted)';
    }
    if (key === 'ZipFile' && typeof value === 'string') {
      return summariseZip(value);
    }
    if (Array.isArray(value)) {
      return value.map((item) => visit(item, ''));
    }
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([childKey, child]) => [
          childKey,
          visit(child, childKey),
        ]),
      );
    }
    return value;
  };
  return visit(params, '') as Record<string, unknown>;
}
