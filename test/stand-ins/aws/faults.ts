// Fault switches that tests and the local stack flip to make the stand-in misbehave the way AWS
// does: throttling, server errors, responses lost after the action was performed, and the
// eventual-consistency delays of IAM and Lambda.
import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceName } from './errors.ts';
import { AwsError, serverError, throttlingError } from './errors.ts';

/** Which calls a fault applies to; an absent field matches every service or operation. */
export interface FaultMatch {
  readonly service?: ServiceName;
  readonly operation?: string;
}

export interface ThrottleOptions extends FaultMatch {
  /** Throttle the next `count` matching calls. */
  readonly count?: number;
  /**
   * Throttle this fraction (0 to 1) of matching calls until `reset`, deterministically: with 0.5,
   * every second call.
   */
  readonly rate?: number;
  /** Seconds sent in Lambda's `Retry-After` header. Defaults to 1. */
  readonly retryAfterSeconds?: number;
}

interface Rule extends FaultMatch {
  remaining: number;
  rate: number | undefined;
  seen: number;
  error: (service: ServiceName, headers: IncomingHttpHeaders) => AwsError;
}

function matches(rule: FaultMatch, service: ServiceName, operation: string): boolean {
  return (
    (rule.service === undefined || rule.service === service) &&
    (rule.operation === undefined || rule.operation === operation)
  );
}

/** The stand-in's fault switches. Every switch is off after `reset`. */
export class Faults {
  /** Time a new or changed IAM role needs before Lambda can assume it, in milliseconds. */
  iamPropagationDelayMs: number;
  /** Time a new function stays `Pending`, in milliseconds. */
  lambdaCreateDelayMs: number;
  /** Time a function update stays `InProgress`, in milliseconds. */
  lambdaUpdateDelayMs: number;

  private errorRules: Rule[] = [];
  private dropRules: Array<FaultMatch & { remaining: number }> = [];

  constructor(
    private readonly defaults: {
      iamPropagationDelayMs: number;
      lambdaCreateDelayMs: number;
      lambdaUpdateDelayMs: number;
    },
  ) {
    this.iamPropagationDelayMs = defaults.iamPropagationDelayMs;
    this.lambdaCreateDelayMs = defaults.lambdaCreateDelayMs;
    this.lambdaUpdateDelayMs = defaults.lambdaUpdateDelayMs;
  }

  /** Fails matching calls with the service's own throttling error and status. */
  throttle(options: ThrottleOptions = {}): void {
    const retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.errorRules.push({
      service: options.service,
      operation: options.operation,
      remaining: options.rate === undefined ? (options.count ?? 1) : Number.POSITIVE_INFINITY,
      rate: options.rate,
      seen: 0,
      error: (service) => throttlingError(service, retryAfterSeconds),
    });
  }

  /** Fails the next `count` matching calls with the service's internal error (HTTP 5xx). */
  serverError(options: FaultMatch & { count?: number; status?: number } = {}): void {
    this.errorRules.push({
      service: options.service,
      operation: options.operation,
      remaining: options.count ?? 1,
      rate: undefined,
      seen: 0,
      error: (service) => serverError(service, options.status ?? 500),
    });
  }

  /**
   * Fails the next `count` matching calls with `SignatureDoesNotMatch` and a message that quotes the
   * request's signed headers, the way AWS quotes the canonical request. Those headers include the
   * access key id and the session token, so callers can prove they strip credentials from errors.
   */
  signatureMismatch(options: FaultMatch & { count?: number } = {}): void {
    this.errorRules.push({
      service: options.service,
      operation: options.operation,
      remaining: options.count ?? 1,
      rate: undefined,
      seen: 0,
      error: (_service, headers) => {
        const quoted = ['authorization', 'x-amz-date', 'x-amz-security-token']
          .map((name) => `${name}:${String(headers[name] ?? '')}`)
          .join('\n');
        return new AwsError(
          'SignatureDoesNotMatch',
          `The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\n${quoted}'`,
          403,
        );
      },
    });
  }

  /**
   * Performs the next `count` matching calls, then closes the connection without a response, as
   * when a response is lost on the network after AWS acted on the request.
   */
  dropResponse(options: FaultMatch & { count?: number } = {}): void {
    this.dropRules.push({
      service: options.service,
      operation: options.operation,
      remaining: options.count ?? 1,
    });
  }

  /** Turns every switch off and restores the delays the stand-in started with. */
  reset(): void {
    this.errorRules = [];
    this.dropRules = [];
    this.iamPropagationDelayMs = this.defaults.iamPropagationDelayMs;
    this.lambdaCreateDelayMs = this.defaults.lambdaCreateDelayMs;
    this.lambdaUpdateDelayMs = this.defaults.lambdaUpdateDelayMs;
  }

  /** Returns the error that replaces a call, when a switch matches it. */
  errorFor(
    service: ServiceName,
    operation: string,
    headers: IncomingHttpHeaders = {},
  ): AwsError | undefined {
    for (const rule of this.errorRules) {
      if (rule.remaining <= 0 || !matches(rule, service, operation)) {
        continue;
      }
      rule.seen += 1;
      if (rule.rate !== undefined) {
        const due = Math.floor(rule.seen * rule.rate) > Math.floor((rule.seen - 1) * rule.rate);
        if (!due) {
          continue;
        }
      }
      rule.remaining -= 1;
      return rule.error(service, headers);
    }
    return undefined;
  }

  /** Returns whether the response to a performed call is to be dropped. */
  dropsResponse(service: ServiceName, operation: string): boolean {
    const rule = this.dropRules.find(
      (candidate) => candidate.remaining > 0 && matches(candidate, service, operation),
    );
    if (rule === undefined) {
      return false;
    }
    rule.remaining -= 1;
    return true;
  }
}
