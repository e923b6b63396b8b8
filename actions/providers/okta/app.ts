// `okta:App`: an OpenID Connect single-page app (browser client, no secret, PKCE) and its app
// sign-in policy. Labels are not unique in Okta, so the app is found by the ownership marker in
// its profile and then tracked by id. An app that only shares the label is never touched.
import {
  ProviderError,
  type DesiredResource,
  type FieldChange,
  type Observation,
  type ProviderContext,
  type ResourceHandler,
  type SpecValue,
} from '../../engine/provider.ts';
import type { Application } from '@okta/okta-sdk-nodejs';
import type { AccessPolicy, AppJson, OktaApi } from './api.ts';
import {
  accessPolicyIdOf,
  appRequestBody,
  clientIdOf,
  observedAppSpec,
  readAppSpec,
  type AppSpec,
} from './app-body.ts';
import { markerOfProfile, profileIsOwned } from './marker.ts';

export const appKind = 'okta:App';

/** Fields an update can change without replacing the app (PUT). */
const fieldsWithoutReplace = new Set(['accessPolicy', 'status']);

function describe(resource: DesiredResource): string {
  return `app "${resource.name}" (${resource.address})`;
}

function requirePolicy(
  policies: readonly AccessPolicy[],
  name: string,
  resource: DesiredResource,
): string {
  const matches = policies.filter((policy) => policy.name === name);
  if (matches.length === 1 && matches[0]) {
    return matches[0].id;
  }
  const known = policies
    .map((policy) => `"${policy.name}"`)
    .sort()
    .join(', ');
  const problem =
    matches.length === 0
      ? `no app sign-in policy (ACCESS_POLICY) is named "${name}"; the org has ${known}. Pick one of those, or create the policy in Okta (Security > Authentication Policies).`
      : `${matches.length} app sign-in policies are named "${name}" (${matches.map((policy) => policy.id).join(', ')}); rename all but one in Okta.`;
  throw new ProviderError('INVALID', `${resource.address}.accessPolicy: ${problem}`);
}

export function createAppHandler(api: OktaApi): ResourceHandler {
  async function findApps(context: ProviderContext, address: string, action: string) {
    const marker = context.marker(address);
    const all = await api.listOidcApps(context, action);
    const owned = all.filter((app) => profileIsOwned(app.profile, marker));
    if (owned.length > 1) {
      const ids = owned.map((app) => String(app.id)).sort();
      throw new ProviderError(
        'INVALID',
        `${owned.length} Okta apps carry the ownership marker of ${address} in environment ${context.environment} (${ids.join(', ')}). Delete the copies in Okta so that one remains, then run again.`,
      );
    }
    return { owned: owned[0], all };
  }

  async function authorizationServer(
    context: ProviderContext,
    authorizationServerId: string,
    action: string,
  ) {
    try {
      return await api.getAuthorizationServer(context, authorizationServerId, action);
    } catch (error) {
      if (error instanceof ProviderError && error.code === 'NOT_FOUND') {
        throw new ProviderError(
          'INVALID',
          `okta.authorizationServerId: the org has no authorization server "${authorizationServerId}". Use default, or the id of a custom authorization server (Security > API).`,
          { vendorCode: error.vendorCode, cause: error },
        );
      }
      throw error;
    }
  }

  async function observation(
    context: ProviderContext,
    app: AppJson,
    policies: readonly AccessPolicy[],
    authorizationServerId: string | undefined,
    action: string,
  ): Promise<Observation> {
    const policyId = accessPolicyIdOf(app);
    const policyName =
      policies.find((policy) => policy.id === policyId)?.name ??
      (policyId === undefined ? undefined : `(unknown policy ${policyId})`);
    const outputs: Record<string, string> = { id: String(app.id), clientId: clientIdOf(app) };
    if (authorizationServerId !== undefined) {
      const server = await authorizationServer(context, authorizationServerId, action);
      outputs.issuer = server.issuer ?? `${api.orgUrl}/oauth2/${authorizationServerId}`;
      outputs.audience = server.audiences?.[0] ?? 'api://default';
    }
    return {
      id: String(app.id),
      spec: observedAppSpec(app, policyName, authorizationServerId),
      outputs,
      ownership: 'owned',
    };
  }

  async function readApp(context: ProviderContext, appId: string, action: string) {
    const app = await api.getApp(context, appId, action);
    if (!app) {
      throw new ProviderError(
        'NOT_FOUND',
        `Okta app ${appId} disappeared while trying to ${action}; run the plan again.`,
      );
    }
    return app;
  }

  // Brings an existing app to the spec: replace it when a field other than the policy or the
  // status changed, set the status, then read the policy assignment back and assign the policy
  // when it differs. Okta may reset the assignment to its default policy on replace, which is
  // why it is read back after every update.
  async function reconcile(
    context: ProviderContext,
    resource: DesiredResource,
    spec: AppSpec,
    appId: string,
    options: { replace: boolean; replaceReasons: readonly string[]; policies: AccessPolicy[] },
  ): Promise<Observation> {
    const action = `update ${describe(resource)}`;
    const policyId = requirePolicy(options.policies, spec.accessPolicy, resource);
    const marker = context.marker(resource.address);
    let app = await readApp(context, appId, action);
    const policyBefore = accessPolicyIdOf(app);

    if (options.replace) {
      await api.replaceApp(context, appId, appRequestBody(spec, marker, app), action);
      const reasons =
        options.replaceReasons.length > 0 ? `: ${options.replaceReasons.join(', ')}` : '';
      context.log.info(`okta: updated ${describe(resource)}, id ${appId}${reasons}`);
    }
    if (app.status !== spec.status) {
      await api.setAppStatus(context, appId, spec.status, action);
      context.log.info(`okta: set ${describe(resource)} to ${spec.status}`);
    }

    app = await readApp(context, appId, action);
    const assigned = accessPolicyIdOf(app);
    if (assigned !== policyId) {
      const nameOf = (id: string | undefined) =>
        options.policies.find((policy) => policy.id === id)?.name ?? id ?? 'none';
      if (options.replace && policyBefore === policyId) {
        context.log.warning(
          `okta: Okta reset the sign-in policy of ${describe(resource)} to "${nameOf(assigned)}" when the app was updated; assigning "${spec.accessPolicy}" again`,
        );
      }
      await api.assignAccessPolicy(context, appId, policyId, action);
      context.log.info(
        `okta: assigned sign-in policy "${spec.accessPolicy}" to ${describe(resource)} (was "${nameOf(assigned)}")`,
      );
      app = await readApp(context, appId, action);
      if (accessPolicyIdOf(app) !== policyId) {
        throw new ProviderError(
          'CONFLICT',
          `Okta still reports sign-in policy "${nameOf(accessPolicyIdOf(app))}" for ${describe(resource)} after "${spec.accessPolicy}" was assigned.`,
        );
      }
    }
    return observation(context, app, options.policies, spec.authorizationServerId, action);
  }

  return {
    kind: appKind,
    fields: {
      grantTypes: { compare: 'set' },
      redirectUris: { compare: 'ordered' },
      postLogoutRedirectUris: { compare: 'ordered' },
      authorizationServerId: { compare: 'ignore' },
    },
    outputs: ['id', 'clientId', 'issuer', 'audience'],

    async observe(context, resource) {
      const action = `observe ${describe(resource)}`;
      const { owned, all } = await findApps(context, resource.address, action);
      if (!owned) {
        warnAboutNamesakes(context, resource, all);
        return undefined;
      }
      const app = await api.getApp(context, String(owned.id), action);
      if (!app) {
        return undefined;
      }
      const policies = await api.listAccessPolicies(context, action);
      const serverId = resource.spec.authorizationServerId;
      return observation(
        context,
        app,
        policies,
        typeof serverId === 'string' ? serverId : undefined,
        action,
      );
    },

    async create(context, resource) {
      const spec = readAppSpec(resource);
      const action = `create ${describe(resource)}`;
      const policies = await api.listAccessPolicies(context, action);
      requirePolicy(policies, spec.accessPolicy, resource);
      await authorizationServer(context, spec.authorizationServerId, action);

      // A create whose response was lost (or an apply that stopped after it) left an app with
      // the marker behind: update that app rather than create a second one.
      const { owned } = await findApps(context, resource.address, action);
      if (owned) {
        context.log.info(
          `okta: ${describe(resource)} already exists with id ${String(owned.id)} from an earlier apply; updating it`,
        );
        return reconcile(context, resource, spec, String(owned.id), {
          replace: true,
          replaceReasons: ['finishing an earlier create'],
          policies,
        });
      }

      const body = appRequestBody(spec, context.marker(resource.address));
      const appId = await api.createApp(context, body, action);
      context.log.info(`okta: created ${describe(resource)}, id ${appId}`);
      return reconcile(context, resource, spec, appId, {
        replace: false,
        replaceReasons: [],
        policies,
      });
    },

    async update(context, resource, observed, changes: readonly FieldChange[]) {
      const spec = readAppSpec(resource);
      const action = `update ${describe(resource)}`;
      const policies = await api.listAccessPolicies(context, action);
      const changed = [...new Set(changes.map((change) => topLevelField(change.path)))].sort();
      const replaceReasons = changed.filter((field) => !fieldsWithoutReplace.has(field));
      if (observed.ownership === 'foreign') {
        replaceReasons.push('writing the ownership marker');
      }
      return reconcile(context, resource, spec, observed.id, {
        replace: replaceReasons.length > 0,
        replaceReasons,
        policies,
      });
    },

    async delete(context, observed) {
      const action = `delete app ${observed.id}`;
      const app = await api.getApp(context, observed.id, action);
      if (!app) {
        context.log.info(`okta: app ${observed.id} is already deleted`);
        return;
      }
      const label = typeof app.label === 'string' ? app.label : observed.id;
      const marker = markerOfProfile(app.profile);
      if (marker?.environment !== context.environment) {
        throw new ProviderError(
          'NOT_OWNED',
          `Okta app "${label}" (${observed.id}) does not carry the ownership marker of environment ${context.environment}, so it is not deleted.`,
        );
      }
      if (app.status === 'ACTIVE') {
        await api.setAppStatus(context, observed.id, 'INACTIVE', action);
      }
      try {
        await api.deleteApp(context, observed.id, action);
      } catch (error) {
        if (!(error instanceof ProviderError && error.code === 'NOT_FOUND')) {
          throw error;
        }
      }
      context.log.info(`okta: deleted app "${label}" (${observed.id}), ${marker.address}`);
    },

    async list(context) {
      const action = 'list the apps of this environment';
      const apps = await api.listOidcApps(context, action);
      const mine = apps
        .map((app) => ({ app, marker: markerOfProfile(app.profile) }))
        .filter(({ marker }) => marker?.environment === context.environment)
        .sort((left, right) =>
          (left.marker?.address ?? '').localeCompare(right.marker?.address ?? ''),
        );
      if (mine.length === 0) {
        return [];
      }
      const policies = await api.listAccessPolicies(context, action);
      const result: Array<Observation & { address: string; name: string }> = [];
      for (const { app, marker } of mine) {
        const full = await api.getApp(context, String(app.id), action);
        if (!full || !marker) continue;
        const observed = await observation(context, full, policies, undefined, action);
        result.push({ ...observed, address: marker.address, name: String(full.label) });
      }
      return result;
    },
  };
}

function topLevelField(path: string): string {
  return /^[^.[]+/.exec(path)?.[0] ?? path;
}

function warnAboutNamesakes(
  context: ProviderContext,
  resource: DesiredResource,
  apps: readonly Application[],
): void {
  const label: SpecValue | undefined = resource.spec.label;
  if (typeof label !== 'string') {
    return;
  }
  const namesakes = apps
    .filter((app) => app.label === label)
    .map((app) => String(app.id))
    .sort();
  if (namesakes.length > 0) {
    context.log.warning(
      `okta: the org has ${namesakes.length} app(s) labeled "${label}" without the ownership marker of ${resource.address} (${namesakes.join(', ')}); they are left alone and apply creates a new app`,
    );
  }
}
