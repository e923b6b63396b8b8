// The Atlas provider: the `atlas:` config section and the handlers that reconcile projects,
// clusters, IP access list entries and IAM database users through the Administration API v2.
import { ProviderError, type Provider } from '../../engine/provider.ts';
import type { AtlasCredentials } from './auth.ts';
import { AtlasClient, defaultAtlasBaseUrl, validateBaseUrl } from './client.ts';
import { accessListEntryHandler } from './handlers/access-list.ts';
import { clusterHandler } from './handlers/cluster.ts';
import type { HandlerOptions } from './handlers/common.ts';
import { databaseUserHandler } from './handlers/database-user.ts';
import { projectHandler } from './handlers/project.ts';
import { atlasSchema, type AtlasSection } from './schema.ts';
import { atlasResources, checkAtlasSection, kinds } from './section.ts';

export { readPendingCharges, type PendingCharges } from './billing.ts';
export { AtlasClient } from './client.ts';
export type { AtlasCredentials } from './auth.ts';
export { atlasSchema, type AtlasSection } from './schema.ts';

export interface AtlasProviderOptions {
  readonly credentials: AtlasCredentials;
  /** Scheme and host of the API. Default `https://cloud.mongodb.com`; tests pass the stand-in's. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Clock in milliseconds for token expiry. Default `Date.now`. */
  readonly now?: () => number;
  /** Page size of list calls, 1 to 500. Default 500. */
  readonly itemsPerPage?: number;
  /** Time one request may take, in milliseconds. Default 60 000. */
  readonly requestTimeoutMs?: number;
  /** Longest wait for a cluster to become IDLE or disappear, in milliseconds. Default 30 min. */
  readonly clusterTimeoutMs?: number;
  /** Time between cluster polls, in milliseconds. Default 15 000. */
  readonly clusterPollIntervalMs?: number;
  /** Reads after a create that failed ambiguously. Default 5. */
  readonly readBackAttempts?: number;
  /** Time between those reads, in milliseconds. Default 2 000. */
  readonly readBackDelayMs?: number;
  /** Receives every secret (private key, client secret, each access token) to mask it. */
  readonly onSecret?: (value: string) => void;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) {
    throw new ProviderError(
      'INVALID',
      `Atlas provider option ${name} must be a positive number (got ${result})`,
    );
  }
  return result;
}

/** The Atlas provider, named `atlas`, plus the client it uses (for the billing read). */
export function createAtlasProvider(
  options: AtlasProviderOptions,
): Provider<AtlasSection> & { readonly client: AtlasClient } {
  const client = new AtlasClient({
    credentials: options.credentials,
    ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.now && { now: options.now }),
    ...(options.itemsPerPage !== undefined && { itemsPerPage: options.itemsPerPage }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.onSecret && { onSecret: options.onSecret }),
  });
  const handlerOptions: HandlerOptions = {
    client,
    clusterTimeoutMs: positive('clusterTimeoutMs', options.clusterTimeoutMs, 30 * 60_000),
    clusterPollIntervalMs: positive('clusterPollIntervalMs', options.clusterPollIntervalMs, 15_000),
    readBackAttempts: positive('readBackAttempts', options.readBackAttempts, 5),
    readBackDelayMs: positive('readBackDelayMs', options.readBackDelayMs, 2_000),
  };

  return {
    name: 'atlas',
    schema: atlasSchema,
    check: checkAtlasSection,
    resources: atlasResources,
    handlers: {
      [kinds.project]: projectHandler(handlerOptions),
      [kinds.cluster]: clusterHandler(handlerOptions),
      [kinds.accessListEntry]: accessListEntryHandler(handlerOptions),
      [kinds.databaseUser]: databaseUserHandler(handlerOptions),
    },
    client,
  };
}

/**
 * Reads the base URL and credentials from environment variables, named as the Atlas CLI names
 * them: `MONGODB_ATLAS_CLIENT_ID` and `MONGODB_ATLAS_CLIENT_SECRET` for a service account (used
 * when both are set), else `MONGODB_ATLAS_PUBLIC_API_KEY` and `MONGODB_ATLAS_PRIVATE_API_KEY`.
 * `ATLAS_BASE_URL` overrides the API host. Errors name the variables, never their values.
 */
export function atlasOptionsFromEnvironment(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Pick<AtlasProviderOptions, 'baseUrl' | 'credentials'> {
  const read = (name: string) => {
    const value = environment[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const baseUrl = validateBaseUrl(read('ATLAS_BASE_URL') ?? defaultAtlasBaseUrl, 'ATLAS_BASE_URL');
  const clientId = read('MONGODB_ATLAS_CLIENT_ID');
  const clientSecret = read('MONGODB_ATLAS_CLIENT_SECRET');
  const publicKey = read('MONGODB_ATLAS_PUBLIC_API_KEY');
  const privateKey = read('MONGODB_ATLAS_PRIVATE_API_KEY');

  if (clientId !== undefined && clientSecret !== undefined) {
    return { baseUrl, credentials: { type: 'serviceAccount', clientId, clientSecret } };
  }
  if (publicKey !== undefined && privateKey !== undefined) {
    return { baseUrl, credentials: { type: 'apiKey', publicKey, privateKey } };
  }
  const partial = [
    clientId !== undefined &&
      clientSecret === undefined &&
      'MONGODB_ATLAS_CLIENT_SECRET is missing',
    clientSecret !== undefined && clientId === undefined && 'MONGODB_ATLAS_CLIENT_ID is missing',
    publicKey !== undefined &&
      privateKey === undefined &&
      'MONGODB_ATLAS_PRIVATE_API_KEY is missing',
    privateKey !== undefined &&
      publicKey === undefined &&
      'MONGODB_ATLAS_PUBLIC_API_KEY is missing',
  ].filter(Boolean);
  throw new ProviderError(
    'UNAUTHORIZED',
    `Atlas credentials are not set${partial.length > 0 ? ` (${partial.join('; ')})` : ''}: set ` +
      `MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET for a service account, or ` +
      `MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY for an API key`,
  );
}
