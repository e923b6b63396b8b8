// The AWS SDK clients the provider uses, created on first use with one shared configuration.
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import type { IAMClientConfig } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';

/** Static credentials or a credential provider, as every SDK client accepts them. */
export type AwsCredentials = NonNullable<IAMClientConfig['credentials']>;

export interface AwsClientOptions {
  readonly region: string;
  /** One endpoint for every service, such as the local stand-in; AWS's own endpoints when absent. */
  readonly endpoint?: string;
  /** Static credentials or a provider; the SDK's default chain when absent. */
  readonly credentials?: AwsCredentials;
  /** Time limit of one HTTP request, in milliseconds. Defaults to 30 000. */
  readonly requestTimeoutMs?: number;
}

export class AwsClients {
  private cache = new Map<string, unknown>();

  constructor(private readonly options: AwsClientOptions) {}

  private config() {
    return {
      region: this.options.region,
      endpoint: this.options.endpoint,
      credentials: this.options.credentials,
      // One attempt per call: the engine retries THROTTLED and UNAVAILABLE errors with its own
      // backoff and logs each attempt, so SDK retries underneath would multiply the attempts
      // and hide them. The one exception, a single retry of a throttled call, is in
      // `AwsRuntime.call`, where it uses the context's sleep and is logged.
      maxAttempts: 1,
      requestHandler: {
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
        connectionTimeout: 5_000,
      },
    };
  }

  private client<T>(name: string, create: () => T): T {
    let client = this.cache.get(name) as T | undefined;
    if (client === undefined) {
      client = create();
      this.cache.set(name, client);
    }
    return client;
  }

  get iam(): IAMClient {
    return this.client('iam', () => new IAMClient(this.config()));
  }

  get sts(): STSClient {
    return this.client('sts', () => new STSClient(this.config()));
  }

  get lambda(): LambdaClient {
    return this.client('lambda', () => new LambdaClient(this.config()));
  }

  get logs(): CloudWatchLogsClient {
    return this.client('logs', () => new CloudWatchLogsClient(this.config()));
  }

  get budgets(): BudgetsClient {
    return this.client('budgets', () => new BudgetsClient(this.config()));
  }

  /** Closes the sockets of every client created so far. */
  destroy(): void {
    for (const client of this.cache.values()) {
      (client as { destroy(): void }).destroy();
    }
    this.cache.clear();
  }
}
