// Authorization server metadata (RFC 8414), the only trusted source of the JWKS URI. Okta serves
// it at `{issuer}/.well-known/oauth-authorization-server`; OpenID providers that lack that path
// serve the same fields at `{issuer}/.well-known/openid-configuration`.
import { IdentityProviderUnavailableError } from './errors.ts';

/** The metadata fields the service uses. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
}

export interface IssuerMetadataOptions {
  issuer: string;
  /** Maximum time of one request, in ms. */
  timeoutMs: number;
  /** Time after a failed fetch during which callers get the failure without a new request, in ms. */
  failureBackoffMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const metadataPaths = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
] as const;

/**
 * Creates a loader that fetches the issuer metadata once per process. Concurrent callers share
 * one request; a failure is remembered for `failureBackoffMs` and then tried again.
 */
export function createIssuerMetadataLoader(
  options: IssuerMetadataOptions,
): () => Promise<IssuerMetadata> {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let loaded: IssuerMetadata | undefined;
  let pending: Promise<IssuerMetadata> | undefined;
  let failure: { at: number; error: Error } | undefined;

  return async () => {
    if (loaded !== undefined) {
      return loaded;
    }
    if (failure !== undefined) {
      const remaining = failure.at + options.failureBackoffMs - now();
      if (remaining > 0) {
        throw new IdentityProviderUnavailableError(failure.error.message, remaining, {
          cause: failure.error,
        });
      }
    }
    pending ??= fetchMetadata(options, fetchImpl).then(
      (metadata) => {
        loaded = metadata;
        failure = undefined;
        pending = undefined;
        return metadata;
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error : new Error(String(error));
        failure = { at: now(), error: cause };
        pending = undefined;
        throw new IdentityProviderUnavailableError(cause.message, options.failureBackoffMs, {
          cause,
        });
      },
    );
    return pending;
  };
}

async function fetchMetadata(
  options: IssuerMetadataOptions,
  fetchImpl: typeof fetch,
): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const path of metadataPaths) {
    const url = `${options.issuer}${path}`;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      // A network failure would repeat on the fallback path, so it ends the attempt.
      const reason =
        error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new Error(`issuer metadata request to ${url} ${reason}`, { cause: error });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      failures.push(`${url} returned HTTP ${response.status}`);
      continue;
    }
    return parseMetadata(options.issuer, url, await readJson(response, url));
  }
  throw new Error(`issuer metadata not found: ${failures.join('; ')}`);
}

async function readJson(response: Response, url: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new Error(`issuer metadata at ${url} is not valid JSON`, { cause: error });
  }
}

function parseMetadata(issuer: string, url: string, body: unknown): IssuerMetadata {
  if (typeof body !== 'object' || body === null) {
    throw new Error(`issuer metadata at ${url} is not a JSON object`);
  }
  const fields = body as Record<string, unknown>;
  // RFC 8414 section 3.3: metadata naming another issuer must not be used.
  if (fields.issuer !== issuer) {
    throw new Error(
      `issuer metadata at ${url} names issuer ${JSON.stringify(fields.issuer)}, expected "${issuer}"`,
    );
  }
  const jwksUri = fields.jwks_uri;
  if (typeof jwksUri !== 'string' || !isTrustedUrl(jwksUri, issuer)) {
    throw new Error(
      `issuer metadata at ${url} has jwks_uri ${JSON.stringify(jwksUri)}; expected an https URL`,
    );
  }
  return {
    issuer,
    jwks_uri: jwksUri,
    ...optionalUrl(fields, 'authorization_endpoint', issuer),
    ...optionalUrl(fields, 'token_endpoint', issuer),
  };
}

function optionalUrl(
  fields: Record<string, unknown>,
  name: 'authorization_endpoint' | 'token_endpoint',
  issuer: string,
): Partial<IssuerMetadata> {
  const value = fields[name];
  return typeof value === 'string' && isTrustedUrl(value, issuer) ? { [name]: value } : {};
}

/** Accepts https URLs, and http ones only when the issuer itself is plain http on loopback. */
function isTrustedUrl(value: string, issuer: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') {
    return true;
  }
  return url.protocol === 'http:' && new URL(issuer).protocol === 'http:' && isLoopback(url);
}

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
