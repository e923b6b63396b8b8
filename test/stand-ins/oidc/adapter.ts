import type { Adapter, AdapterFactory, AdapterPayload, ClientMetadata } from 'oidc-provider';

/** A client as the Okta stand-in registered it: the only fields this provider takes from it. */
export interface ClientRegistration {
  clientId: string;
  redirectUris: string[];
}

/** Returns the registration of `clientId`, or undefined when no such client exists. */
export type FindClient = (clientId: string) => Promise<ClientRegistration | undefined>;

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; absent for entries without a lifetime. */
  expiresAt?: number;
}

/**
 * Builds the storage for oidc-provider. Clients come from `findClient` on every lookup, so a client
 * registered or changed after start is seen at once. Sessions, interactions, codes, grants and
 * tokens live in memory and end with the process.
 */
export function createAdapterFactory(findClient: FindClient): AdapterFactory {
  const entries = new Map<string, Entry>();
  const sessionsByUid = new Map<string, string>();
  const keysByGrant = new Map<string, Set<string>>();

  return (model) =>
    model === 'Client'
      ? new ClientAdapter(findClient)
      : new MemoryAdapter(model, entries, sessionsByUid, keysByGrant);
}

/**
 * Maps a registration to the metadata of a public browser client: authorization code with PKCE,
 * no client secret, the same shape as an Okta SPA app.
 */
export function publicClientMetadata(registration: ClientRegistration): ClientMetadata {
  return {
    client_id: registration.clientId,
    redirect_uris: [...registration.redirectUris],
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

class ClientAdapter implements Adapter {
  constructor(private readonly findClient: FindClient) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    const registration = await this.findClient(id);
    if (registration === undefined) return undefined;
    return publicClientMetadata(registration);
  }

  upsert(): Promise<void> {
    return Promise.reject(readOnly());
  }

  destroy(): Promise<void> {
    return Promise.reject(readOnly());
  }

  consume(): Promise<void> {
    return Promise.reject(readOnly());
  }

  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}

function readOnly(): Error {
  return new Error(
    'Clients of the OIDC stand-in are read-only: register them in the Okta stand-in',
  );
}

class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly entries: Map<string, Entry>,
    private readonly sessionsByUid: Map<string, string>,
    private readonly keysByGrant: Map<string, Set<string>>,
  ) {}

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    const entry: Entry = { payload };
    if (typeof expiresIn === 'number') entry.expiresAt = Date.now() + expiresIn * 1000;
    this.entries.set(key, entry);

    if (this.model === 'Session' && payload.uid !== undefined)
      this.sessionsByUid.set(payload.uid, id);
    if (payload.grantId !== undefined) {
      const keys = this.keysByGrant.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      this.keysByGrant.set(payload.grantId, keys);
    }
    return Promise.resolve();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(this.read(this.key(id)));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.sessionsByUid.get(uid);
    return Promise.resolve(id === undefined ? undefined : this.read(this.key(id)));
  }

  findByUserCode(): Promise<undefined> {
    // The device flow is disabled, so no payload carries a user code.
    return Promise.resolve(undefined);
  }

  consume(id: string): Promise<void> {
    const payload = this.read(this.key(id));
    if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.entries.delete(this.key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.keysByGrant.get(grantId) ?? []) this.entries.delete(key);
    this.keysByGrant.delete(grantId);
    return Promise.resolve();
  }

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  private read(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }
}
