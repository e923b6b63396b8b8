// The state every AWS handler shares: the SDK clients, the options, the account guard, and `call`.
// `call` runs one SDK call with the context's abort signal and turns a failure into a `ProviderError`.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { ProviderContext } from '../../engine/provider.ts';
import { ProviderError } from '../../engine/provider.ts';
import { AwsClients } from './clients.ts';
import type { AwsCredentials } from './clients.ts';
import { toProviderError } from './errors.ts';
import type { AwsSection } from './schema.ts';

/** Delays and limits of the provider's own waits, in milliseconds unless named otherwise. */
export interface AwsTiming {
  /** Time between two polls of a Lambda function's state. */
  readonly pollIntervalMs: number;
  /** Maximum wait for a Lambda function to become `Active` or finish an update. */
  readonly functionReadyTimeoutMs: number;
  /** Maximum wait for a new IAM role to become assumable by Lambda. */
  readonly rolePropagationTimeoutMs: number;
  /** Time between two attempts while the role propagates. */
  readonly rolePropagationIntervalMs: number;
  /** Number of times a Lambda change is retried after a `ResourceConflictException`. */
  readonly conflictRetries: number;
  /** Delay before retrying a throttled call when AWS names none, in milliseconds. */
  readonly throttleRetryDelayMs: number;
}

export const defaultTiming: AwsTiming = {
  pollIntervalMs: 2_000,
  functionReadyTimeoutMs: 300_000,
  // IAM documents that changes "usually" propagate within seconds but gives no upper bound, so
  // this allows two minutes before the create fails with the last error.
  rolePropagationTimeoutMs: 120_000,
  rolePropagationIntervalMs: 5_000,
  conflictRetries: 5,
  throttleRetryDelayMs: 1_000,
};

export interface AwsProviderOptions {
  /** Region of the SDK clients. Must match `aws.region` of the config. */
  readonly region: string;
  /** One endpoint for every service, such as the local stand-in. */
  readonly endpoint?: string;
  /** Static credentials or a provider; the SDK's default chain when absent. */
  readonly credentials?: AwsCredentials;
  /** Account the credentials must belong to; `aws.accountId` of the config when absent. */
  readonly accountId?: string;
  /** Directory that function artifact paths are relative to. Defaults to the working directory. */
  readonly artifactRoot?: string;
  /** Overrides of the provider's wait timing. */
  readonly timing?: Partial<AwsTiming>;
  /** Time limit of one HTTP request, in milliseconds. Defaults to 30 000. */
  readonly requestTimeoutMs?: number;
}

/** The shared state of one provider instance. */
export class AwsRuntime {
  readonly clients: AwsClients;
  readonly timing: AwsTiming;
  /** The config section last passed to `resources`, for the account id and region. */
  section: AwsSection | undefined;
  private verified: Promise<void> | undefined;

  constructor(readonly options: AwsProviderOptions) {
    this.clients = new AwsClients({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      requestTimeoutMs: options.requestTimeoutMs,
    });
    this.timing = { ...defaultTiming, ...options.timing };
  }

  /** Credential values to strip from error messages; only known for static credentials. */
  get secrets(): string[] {
    const credentials = this.options.credentials;
    if (credentials === undefined || typeof credentials === 'function') {
      return [];
    }
    return [
      credentials.accessKeyId,
      credentials.secretAccessKey,
      credentials.sessionToken ?? '',
    ].filter((value) => value !== '');
  }

  /** The account every resource lives in: the option, else `aws.accountId` of the config. */
  get accountId(): string {
    const accountId = this.options.accountId ?? this.section?.accountId;
    if (accountId === undefined) {
      throw new ProviderError(
        'INVALID',
        'The AWS account id is unknown: pass accountId to createAwsProvider or load a config with aws.accountId before calling a handler.',
      );
    }
    return accountId;
  }

  get region(): string {
    return this.options.region;
  }

  /**
   * Runs one SDK call; a failure becomes a `ProviderError` naming the operation and target.
   *
   * A throttled call is retried once, after the delay AWS requested. AWS rejects a throttled
   * request before acting on it, so the repeat does not apply a change twice. One handler call
   * makes up to about fifteen AWS calls, and without this an isolated throttle would restart the
   * whole handler. Every other failure, and a second throttle, goes to the engine's retry policy.
   */
  async call<T>(
    context: ProviderContext,
    operation: string,
    target: string,
    run: (options: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      context.log.debug(`aws ${operation} ${target}`);
      try {
        return await run({ abortSignal: context.signal });
      } catch (error) {
        const failure = toProviderError(error, operation, target, this.secrets);
        if (failure.code !== 'THROTTLED' || attempt === 2) {
          throw failure;
        }
        const delay = failure.retryAfterMs ?? this.timing.throttleRetryDelayMs;
        context.log.info(
          `${operation} on ${target} was throttled; attempt 1 of 2 failed, retrying in ${delay / 1000} s`,
        );
        await context.sleep(delay);
      }
    }
  }

  /**
   * Checks once per provider instance that the credentials belong to the config's account and that
   * the clients use the config's region. A failed check is retried on the next call.
   */
  async guard(context: ProviderContext): Promise<void> {
    this.verified ??= this.verify(context).catch((error: unknown) => {
      this.verified = undefined;
      throw error;
    });
    return this.verified;
  }

  private async verify(context: ProviderContext): Promise<void> {
    const expected = this.accountId;
    const configAccount = this.section?.accountId;
    if (configAccount !== undefined && configAccount !== expected) {
      throw new ProviderError(
        'INVALID',
        `The provider was created for AWS account ${expected}, but aws.accountId in the config is ${configAccount}. Use one account id in both places.`,
      );
    }
    const configRegion = this.section?.region;
    if (configRegion !== undefined && configRegion !== this.region) {
      throw new ProviderError(
        'INVALID',
        `The AWS clients use region ${this.region}, but aws.region in the config is ${configRegion}. Create the provider with region ${configRegion}, or correct aws.region.`,
      );
    }
    const identity = await this.call(
      context,
      'sts:GetCallerIdentity',
      'the current credentials',
      (options) => this.clients.sts.send(new GetCallerIdentityCommand({}), options),
    );
    if (identity.Account !== expected) {
      throw new ProviderError(
        'FORBIDDEN',
        `The AWS credentials belong to account ${identity.Account ?? 'unknown'}, but aws.accountId in the config is ${expected}. Run with credentials for account ${expected}, or correct aws.accountId if the config names the wrong account.`,
        { vendorCode: 'AccountMismatch' },
      );
    }
  }
}
