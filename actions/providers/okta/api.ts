// The Management API calls the handlers make, each logged at debug level (method and path, never
// a header or body) and each failure turned into a ProviderError that names the action.
//
// NOTE: the SDK takes no abort signal, so the context's signal is checked before each call and a
// call in flight runs until it ends or reaches the request timeout (`requestTimeoutMs`).
//
// Apps are read and replaced as plain JSON through the SDK's `http` layer rather than its typed
// models: the models drop every field they do not know (`settings.manualProvisioning`,
// `settings.app`), and a PUT replaces the whole app, so a typed round trip would reset those.
import type {
  Application,
  AuthorizationServer,
  Policy,
  TrustedOrigin,
} from '@okta/okta-sdk-nodejs';
import { ProviderError, type ProviderContext } from '../../engine/provider.ts';
import type { OktaClient } from './client.ts';
import { toProviderError } from './errors.ts';

/** An app as Okta returns it, with every field. */
export type AppJson = Record<string, unknown>;

/** An app sign-in policy (type ACCESS_POLICY), as the provider needs it. */
export interface AccessPolicy {
  readonly id: string;
  readonly name: string;
}

export class OktaApi {
  readonly #client: OktaClient;

  constructor(client: OktaClient) {
    this.#client = client;
  }

  get orgUrl(): string {
    return this.#client.orgUrl;
  }

  async #call<T>(
    context: ProviderContext,
    action: string,
    request: string,
    send: () => Promise<T>,
  ): Promise<T> {
    context.signal?.throwIfAborted();
    context.log.debug(`okta: ${request}`);
    try {
      return await send();
    } catch (error) {
      const tokenError = await this.#client.lastTokenError();
      throw toProviderError(error, this.#client, action, () => context.now(), tokenError);
    }
  }

  #url(path: string): string {
    return `${this.#client.orgUrl}${path}`;
  }

  /** Lists every OpenID Connect app in the org, following `Link` pagination. */
  listOidcApps(context: ProviderContext, action: string): Promise<Application[]> {
    const filter = 'name eq "oidc_client"';
    return this.#call(context, action, `GET /api/v1/apps?filter=${filter}`, async () => {
      const apps: Application[] = [];
      const collection = await this.#client.sdk.applicationApi.listApplications({ filter });
      for await (const app of collection) {
        if (app) apps.push(app);
      }
      return apps;
    });
  }

  /** One app as plain JSON, or undefined when it does not exist. */
  async getApp(
    context: ProviderContext,
    appId: string,
    action: string,
  ): Promise<AppJson | undefined> {
    const path = `/api/v1/apps/${encodeURIComponent(appId)}`;
    try {
      return await this.#call(context, action, `GET ${path}`, () =>
        this.#client.sdk.http.getJson(this.#url(path)),
      );
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  /** Creates an app (active) and returns its id. */
  createApp(context: ProviderContext, body: AppJson, action: string): Promise<string> {
    return this.#call(context, action, 'POST /api/v1/apps?activate=true', async () => {
      const created = await this.#client.sdk.applicationApi.createApplication({
        application: body as unknown as Application,
        activate: true,
      });
      return String(created.id);
    });
  }

  /** Replaces the whole app with `body` (PUT). */
  replaceApp(
    context: ProviderContext,
    appId: string,
    body: AppJson,
    action: string,
  ): Promise<void> {
    const path = `/api/v1/apps/${encodeURIComponent(appId)}`;
    return this.#call(context, action, `PUT ${path}`, async () => {
      // The SDK's request options type lacks node-fetch's `body`, which putJson sends.
      const request = { body: JSON.stringify(body) } as Parameters<
        OktaClient['sdk']['http']['putJson']
      >[1];
      await this.#client.sdk.http.putJson(this.#url(path), request);
    });
  }

  setAppStatus(
    context: ProviderContext,
    appId: string,
    status: 'ACTIVE' | 'INACTIVE',
    action: string,
  ): Promise<void> {
    const verb = status === 'ACTIVE' ? 'activate' : 'deactivate';
    const api = this.#client.sdk.applicationApi;
    return this.#call(context, action, `POST /api/v1/apps/${appId}/lifecycle/${verb}`, () =>
      status === 'ACTIVE'
        ? api.activateApplication({ appId })
        : api.deactivateApplication({ appId }),
    );
  }

  deleteApp(context: ProviderContext, appId: string, action: string): Promise<void> {
    return this.#call(context, action, `DELETE /api/v1/apps/${appId}`, () =>
      this.#client.sdk.applicationApi.deleteApplication({ appId }),
    );
  }

  assignAccessPolicy(
    context: ProviderContext,
    appId: string,
    policyId: string,
    action: string,
  ): Promise<void> {
    return this.#call(context, action, `PUT /api/v1/apps/${appId}/policies/${policyId}`, () =>
      this.#client.sdk.applicationApi.assignApplicationPolicy({ appId, policyId }),
    );
  }

  /** Lists the org's app sign-in policies. */
  listAccessPolicies(context: ProviderContext, action: string): Promise<AccessPolicy[]> {
    return this.#call(context, action, 'GET /api/v1/policies?type=ACCESS_POLICY', async () => {
      const policies: AccessPolicy[] = [];
      const collection = await this.#client.sdk.policyApi.listPolicies({ type: 'ACCESS_POLICY' });
      for await (const policy of collection as AsyncIterable<Policy | null>) {
        if (policy?.id && policy.name) policies.push({ id: policy.id, name: policy.name });
      }
      return policies;
    });
  }

  getAuthorizationServer(
    context: ProviderContext,
    authServerId: string,
    action: string,
  ): Promise<AuthorizationServer> {
    return this.#call(context, action, `GET /api/v1/authorizationServers/${authServerId}`, () =>
      this.#client.sdk.authorizationServerApi.getAuthorizationServer({ authServerId }),
    );
  }

  listTrustedOrigins(context: ProviderContext, action: string): Promise<TrustedOrigin[]> {
    return this.#call(context, action, 'GET /api/v1/trustedOrigins', async () => {
      const origins: TrustedOrigin[] = [];
      const collection = await this.#client.sdk.trustedOriginApi.listTrustedOrigins();
      for await (const origin of collection) {
        if (origin) origins.push(origin);
      }
      return origins;
    });
  }

  /** One trusted origin, or undefined when it does not exist. */
  async getTrustedOrigin(
    context: ProviderContext,
    trustedOriginId: string,
    action: string,
  ): Promise<TrustedOrigin | undefined> {
    try {
      return await this.#call(
        context,
        action,
        `GET /api/v1/trustedOrigins/${trustedOriginId}`,
        () => this.#client.sdk.trustedOriginApi.getTrustedOrigin({ trustedOriginId }),
      );
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'NOT_FOUND') {
        return undefined;
      }
      throw error;
    }
  }

  createTrustedOrigin(
    context: ProviderContext,
    trustedOrigin: TrustedOrigin,
    action: string,
  ): Promise<TrustedOrigin> {
    return this.#call(context, action, 'POST /api/v1/trustedOrigins', () =>
      this.#client.sdk.trustedOriginApi.createTrustedOrigin({ trustedOrigin }),
    );
  }

  replaceTrustedOrigin(
    context: ProviderContext,
    trustedOriginId: string,
    trustedOrigin: TrustedOrigin,
    action: string,
  ): Promise<TrustedOrigin> {
    return this.#call(context, action, `PUT /api/v1/trustedOrigins/${trustedOriginId}`, () =>
      this.#client.sdk.trustedOriginApi.replaceTrustedOrigin({ trustedOriginId, trustedOrigin }),
    );
  }

  setTrustedOriginStatus(
    context: ProviderContext,
    trustedOriginId: string,
    status: 'ACTIVE' | 'INACTIVE',
    action: string,
  ): Promise<TrustedOrigin> {
    const verb = status === 'ACTIVE' ? 'activate' : 'deactivate';
    const api = this.#client.sdk.trustedOriginApi;
    return this.#call(
      context,
      action,
      `POST /api/v1/trustedOrigins/${trustedOriginId}/lifecycle/${verb}`,
      () =>
        status === 'ACTIVE'
          ? api.activateTrustedOrigin({ trustedOriginId })
          : api.deactivateTrustedOrigin({ trustedOriginId }),
    );
  }

  deleteTrustedOrigin(
    context: ProviderContext,
    trustedOriginId: string,
    action: string,
  ): Promise<void> {
    return this.#call(context, action, `DELETE /api/v1/trustedOrigins/${trustedOriginId}`, () =>
      this.#client.sdk.trustedOriginApi.deleteTrustedOrigin({ trustedOriginId }),
    );
  }
}
