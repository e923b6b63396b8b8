// The Okta changes of a pull-request preview: one redirect URI per preview function on the
// environment's app, recorded in the app's `profile.gitopsPreviews`, and one CORS trusted origin
// per preview function, recorded in its name. Every change is idempotent, and removal finds its
// targets from those records alone.
import type { TrustedOrigin } from '@okta/okta-sdk-nodejs';
import { ProviderError, type ProviderContext } from '../../engine/provider.ts';
import { OktaApi, type AppJson } from './api.ts';
import { accessPolicyIdOf } from './app-body.ts';
import { createOktaClient, type OktaProviderOptions } from './client.ts';
import { profileIsOwned } from './marker.ts';
import {
  parsePreviewOriginName,
  previewOriginName,
  previewProfileKey,
  previewRedirectsOf,
  sortPreviewRedirects,
  type PreviewOriginRecord,
  type PreviewRedirect,
} from './preview-records.ts';

export type { PreviewOriginRecord, PreviewRedirect } from './preview-records.ts';

/** A preview's trusted origin as Okta stores it. */
export interface PreviewOrigin extends PreviewOriginRecord {
  readonly id: string;
  readonly origin: string;
}

/** Picks the preview records a removal deletes. */
export type PreviewFilter = (record: PreviewOriginRecord) => boolean;

/** The Okta operations of previews. Each takes the context of the run for logs and aborts. */
export interface OktaPreviews {
  /** Adds `entry.redirectUri` to the app at `appAddress` and records it; no-op when present. */
  addRedirect(
    context: ProviderContext,
    appAddress: string,
    entry: PreviewRedirect,
  ): Promise<'added' | 'unchanged'>;
  /** Lists the preview redirect URIs the app at `appAddress` records. */
  listRedirects(context: ProviderContext, appAddress: string): Promise<PreviewRedirect[]>;
  /** Removes the recorded redirect URIs that `filter` picks and returns them. */
  removeRedirects(
    context: ProviderContext,
    appAddress: string,
    filter: PreviewFilter,
  ): Promise<PreviewRedirect[]>;
  /** Creates the CORS trusted origin of a preview function, or fixes its origin. */
  ensureOrigin(
    context: ProviderContext,
    record: PreviewOriginRecord,
    origin: string,
  ): Promise<'created' | 'updated' | 'unchanged'>;
  /** Lists the trusted origins that carry a preview record. */
  listOrigins(context: ProviderContext): Promise<PreviewOrigin[]>;
  /** Deletes the preview trusted origins that `filter` picks and returns them. */
  removeOrigins(context: ProviderContext, filter: PreviewFilter): Promise<PreviewOrigin[]>;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function redirectUrisOf(app: AppJson): string[] {
  const uris = record(record(app.settings).oauthClient).redirect_uris;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === 'string') : [];
}

/** Returns a copy of `app` for a PUT with other redirect URIs and preview records. */
function withRedirects(app: AppJson, uris: string[], entries: PreviewRedirect[]): AppJson {
  const body = structuredClone(app);
  delete body._links;
  delete body._embedded;
  const settings = record(body.settings);
  return {
    ...body,
    settings: {
      ...settings,
      oauthClient: { ...record(settings.oauthClient), redirect_uris: uris },
    },
    profile: { ...record(body.profile), [previewProfileKey]: sortPreviewRedirects(entries) },
  };
}

function toPreviewOrigin(origin: TrustedOrigin): PreviewOrigin | undefined {
  const parsed = parsePreviewOriginName(origin.name ?? '');
  if (parsed === undefined) {
    return undefined;
  }
  return { ...parsed, id: String(origin.id), origin: origin.origin ?? '' };
}

/**
 * Creates the preview operations on an Okta org. The options are those of the Okta provider, and
 * are checked the same way before any request.
 */
export function createOktaPreviews(options: OktaProviderOptions): OktaPreviews {
  const api = new OktaApi(createOktaClient(options));

  async function findApp(context: ProviderContext, appAddress: string, action: string) {
    const marker = context.marker(appAddress);
    const owned = (await api.listOidcApps(context, action)).filter((app) =>
      profileIsOwned(app.profile, marker),
    );
    if (owned.length !== 1 || owned[0] === undefined) {
      if (owned.length > 1) {
        throw new ProviderError(
          'INVALID',
          `Could not ${action}: ${owned.length} Okta apps carry the ownership marker of ${appAddress} in environment ${context.environment}. Delete the copies in Okta so that one remains, then run again.`,
        );
      }
      throw new ProviderError(
        'NOT_FOUND',
        `Could not ${action}: no Okta app carries the ownership marker of ${appAddress} in environment ${context.environment}. Apply the ${context.environment} config first (push to its branch), then run the preview again.`,
      );
    }
    const app = await api.getApp(context, String(owned[0].id), action);
    if (app === undefined) {
      throw new ProviderError(
        'NOT_FOUND',
        `Okta app ${String(owned[0].id)} disappeared while trying to ${action}; run again.`,
      );
    }
    return app;
  }

  async function listOrigins(context: ProviderContext): Promise<PreviewOrigin[]> {
    const origins = await api.listTrustedOrigins(context, 'list the preview trusted origins');
    return origins
      .map(toPreviewOrigin)
      .filter((origin): origin is PreviewOrigin => origin !== undefined)
      .sort((left, right) => left.functionName.localeCompare(right.functionName));
  }

  // A PUT of an app may reset its sign-in policy to the org's default, so the assignment is read
  // back and restored, as the app handler does after its own updates.
  // NOTE: Okta apps have no ETag, so two previews that change the app at the same moment can drop
  // each other's redirect URI. The next deploy of the pull request that lost it adds it again.
  async function replaceKeepingPolicy(context: ProviderContext, app: AppJson, body: AppJson) {
    const appId = String(app.id);
    const action = `update the redirect URIs of Okta app ${appId}`;
    const policyBefore = accessPolicyIdOf(app);
    await api.replaceApp(context, appId, body, action);
    const after = await api.getApp(context, appId, action);
    if (policyBefore !== undefined && after !== undefined) {
      if (accessPolicyIdOf(after) !== policyBefore) {
        context.log.warning(
          `okta: Okta reset the sign-in policy of app ${appId} when its redirect URIs changed; assigning policy ${policyBefore} again`,
        );
        await api.assignAccessPolicy(context, appId, policyBefore, action);
      }
    }
  }

  return {
    async addRedirect(context, appAddress, entry) {
      const action = `add the preview redirect URI ${entry.redirectUri} to ${appAddress}`;
      const app = await findApp(context, appAddress, action);
      const uris = redirectUrisOf(app);
      const entries = previewRedirectsOf(app.profile);
      const recorded = entries.some(
        (existing) =>
          existing.redirectUri === entry.redirectUri && existing.preview === entry.preview,
      );
      if (recorded && uris.includes(entry.redirectUri)) {
        return 'unchanged';
      }
      const nextUris = uris.includes(entry.redirectUri) ? uris : [...uris, entry.redirectUri];
      const nextEntries = [
        ...entries.filter((existing) => existing.redirectUri !== entry.redirectUri),
        entry,
      ];
      await replaceKeepingPolicy(context, app, withRedirects(app, nextUris, nextEntries));
      context.log.info(`okta: added redirect URI ${entry.redirectUri} to ${appAddress}`);
      return 'added';
    },

    async listRedirects(context, appAddress) {
      const app = await findApp(
        context,
        appAddress,
        `list the preview redirect URIs of ${appAddress}`,
      );
      return sortPreviewRedirects(previewRedirectsOf(app.profile));
    },

    async removeRedirects(context, appAddress, filter) {
      const action = `remove preview redirect URIs from ${appAddress}`;
      const app = await findApp(context, appAddress, action);
      const entries = previewRedirectsOf(app.profile);
      const removed = entries.filter(filter);
      if (removed.length === 0) {
        return [];
      }
      const removedUris = new Set(removed.map((entry) => entry.redirectUri));
      const remaining = entries.filter((entry) => !filter(entry));
      const uris = redirectUrisOf(app).filter((uri) => !removedUris.has(uri));
      await replaceKeepingPolicy(context, app, withRedirects(app, uris, remaining));
      for (const entry of sortPreviewRedirects(removed)) {
        context.log.info(`okta: removed redirect URI ${entry.redirectUri} from ${appAddress}`);
      }
      return sortPreviewRedirects(removed);
    },

    async ensureOrigin(context, record, origin) {
      const name = previewOriginName(record);
      const action = `create the preview trusted origin ${origin}`;
      const all = await api.listTrustedOrigins(context, action);
      const existing = all.find((candidate) => candidate.name === name);
      if (existing !== undefined) {
        if (existing.origin === origin) {
          return 'unchanged';
        }
        const replacement = Object.assign(existing, { origin }) as TrustedOrigin;
        await api.replaceTrustedOrigin(context, String(existing.id), replacement, action);
        context.log.info(`okta: set trusted origin "${name}" to ${origin}`);
        return 'updated';
      }
      const clash = all.find((candidate) => candidate.origin === origin);
      if (clash !== undefined) {
        throw new ProviderError(
          'CONFLICT',
          `Could not ${action}: trusted origin "${clash.name ?? ''}" (${String(clash.id)}) already has this origin and is not the preview's. Delete it in Okta (Security > API > Trusted Origins), then run again.`,
        );
      }
      const body = { name, origin, scopes: [{ type: 'CORS' }] } as TrustedOrigin;
      await api.createTrustedOrigin(context, body, action);
      context.log.info(`okta: created trusted origin "${name}" for ${origin}`);
      return 'created';
    },

    listOrigins,

    async removeOrigins(context, filter) {
      const action = 'delete preview trusted origins';
      const removed: PreviewOrigin[] = [];
      for (const origin of await listOrigins(context)) {
        if (!filter(origin)) continue;
        try {
          await api.deleteTrustedOrigin(context, origin.id, action);
        } catch (error) {
          if (!(error instanceof ProviderError && error.code === 'NOT_FOUND')) {
            throw error;
          }
        }
        context.log.info(`okta: deleted trusted origin ${origin.origin} (${origin.functionName})`);
        removed.push(origin);
      }
      return removed;
    },
  };
}
