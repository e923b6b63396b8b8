// `okta:TrustedOrigin`: an origin allowed to call Okta from a browser (CORS) or to be redirected
// to after sign-in (REDIRECT), such as the docs page of the deployed service. The marker is a
// suffix of the name because trusted origins have no other free-form field.
import type { TrustedOrigin } from '@okta/okta-sdk-nodejs';
import {
  ProviderError,
  isUnknown,
  type DesiredResource,
  type Observation,
  type ProviderContext,
  type ResourceHandler,
  type SpecValue,
} from '../../engine/provider.ts';
import type { OktaApi } from './api.ts';
import { nameIsOwned, nameWithMarker, parseMarkedName } from './marker.ts';
import { originProblem } from './schema.ts';

export const trustedOriginKind = 'okta:TrustedOrigin';

interface TrustedOriginSpec {
  readonly name: string;
  readonly origin: string;
  readonly scopes: readonly string[];
  readonly status: 'ACTIVE' | 'INACTIVE';
}

function describe(resource: DesiredResource): string {
  return `trusted origin "${resource.name}" (${resource.address})`;
}

/** Builds the desired spec of a trusted origin from its config. */
export function desiredTrustedOriginSpec(config: {
  name: string;
  origin: string;
  scopes: readonly string[];
}): Record<string, SpecValue> {
  return { name: config.name, origin: config.origin, scopes: [...config.scopes], status: 'ACTIVE' };
}

function readSpec(resource: DesiredResource): TrustedOriginSpec {
  const { name, origin, scopes, status } = resource.spec;
  const problems: string[] = [];
  if (typeof name !== 'string') {
    problems.push(`name must be a string (got ${JSON.stringify(name)})`);
  }
  if (isUnknown(origin)) {
    problems.push(`origin is not known yet (${JSON.stringify(origin)})`);
  } else if (typeof origin !== 'string') {
    problems.push(`origin must be a string (got ${JSON.stringify(origin)})`);
  } else {
    const problem = originProblem(origin);
    if (problem) problems.push(`origin ${problem}`);
  }
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
    problems.push(`scopes must be a list such as [CORS] (got ${JSON.stringify(scopes)})`);
  }
  if (problems.length > 0) {
    throw new ProviderError(
      'INVALID',
      `${describe(resource)}: ${problems.join('; ')}. Fix the config or the value it references and run again.`,
    );
  }
  return {
    name: name as string,
    origin: origin as string,
    scopes: scopes as string[],
    status: status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
  };
}

function scopeTypes(origin: TrustedOrigin): string[] {
  return (origin.scopes ?? [])
    .map((scope) => String(scope.type))
    .sort((left, right) => left.localeCompare(right));
}

function observation(origin: TrustedOrigin, ownership: 'owned' | 'foreign'): Observation {
  const id = String(origin.id);
  return {
    id,
    spec: {
      name: parseMarkedName(origin.name ?? '').name,
      origin: origin.origin ?? '',
      scopes: scopeTypes(origin),
      status: origin.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
    },
    outputs: { id },
    ownership,
  };
}

function body(spec: TrustedOriginSpec, resource: DesiredResource, context: ProviderContext) {
  return {
    name: nameWithMarker(spec.name, context.marker(resource.address)),
    origin: spec.origin,
    scopes: spec.scopes.map((type) => ({ type })),
  } as TrustedOrigin;
}

export function createTrustedOriginHandler(api: OktaApi): ResourceHandler {
  async function findOwned(context: ProviderContext, resource: DesiredResource, action: string) {
    const marker = context.marker(resource.address);
    const all = await api.listTrustedOrigins(context, action);
    const owned = all.filter((origin) => nameIsOwned(origin.name ?? '', marker));
    if (owned.length > 1) {
      const ids = owned.map((origin) => String(origin.id)).sort();
      throw new ProviderError(
        'INVALID',
        `${owned.length} trusted origins carry the ownership marker of ${resource.address} (${ids.join(', ')}). Delete the copies in Okta so that one remains, then run again.`,
      );
    }
    return { owned: owned[0], all };
  }

  async function reconcile(
    context: ProviderContext,
    resource: DesiredResource,
    spec: TrustedOriginSpec,
    current: TrustedOrigin,
    replace: boolean,
  ): Promise<Observation> {
    const action = `update ${describe(resource)}`;
    const id = String(current.id);
    let result = current;
    if (replace) {
      // The PUT sends the observed object with the spec's fields, so nothing Okta added is lost.
      const replacement = Object.assign(current, body(spec, resource, context));
      result = await api.replaceTrustedOrigin(context, id, replacement, action);
      context.log.info(`okta: updated ${describe(resource)}, id ${id}`);
    }
    if (result.status !== spec.status) {
      result = await api.setTrustedOriginStatus(context, id, spec.status, action);
      context.log.info(`okta: set ${describe(resource)} to ${spec.status}`);
    }
    return observation(result, 'owned');
  }

  return {
    kind: trustedOriginKind,
    fields: { scopes: { compare: 'set' } },
    outputs: ['id'],

    async observe(context, resource) {
      const action = `observe ${describe(resource)}`;
      const { owned, all } = await findOwned(context, resource, action);
      if (owned) {
        return observation(owned, 'owned');
      }
      // Okta keeps names and origins unique, so an unmarked trusted origin with either one
      // blocks the create: report it as foreign and let the plan show the conflict.
      const { name, origin } = resource.spec;
      const clash = all.find(
        (candidate) =>
          (typeof origin === 'string' && candidate.origin === origin) ||
          (typeof name === 'string' && candidate.name === name),
      );
      return clash ? observation(clash, 'foreign') : undefined;
    },

    async create(context, resource) {
      const spec = readSpec(resource);
      const action = `create ${describe(resource)}`;
      const { owned } = await findOwned(context, resource, action);
      if (owned) {
        context.log.info(
          `okta: ${describe(resource)} already exists with id ${String(owned.id)} from an earlier apply; updating it`,
        );
        return reconcile(context, resource, spec, owned, true);
      }
      const created = await api.createTrustedOrigin(context, body(spec, resource, context), action);
      context.log.info(`okta: created ${describe(resource)}, id ${String(created.id)}`);
      return reconcile(context, resource, spec, created, false);
    },

    async update(context, resource, observed, changes) {
      const spec = readSpec(resource);
      const action = `update ${describe(resource)}`;
      const current = await api.getTrustedOrigin(context, observed.id, action);
      if (!current) {
        throw new ProviderError(
          'NOT_FOUND',
          `${describe(resource)} (${observed.id}) disappeared while trying to update it; run the plan again.`,
        );
      }
      const replace =
        observed.ownership === 'foreign' ||
        changes.some((change) => !change.path.startsWith('status'));
      return reconcile(context, resource, spec, current, replace);
    },

    async delete(context, observed) {
      const action = `delete trusted origin ${observed.id}`;
      const current = await api.getTrustedOrigin(context, observed.id, action);
      if (!current) {
        context.log.info(`okta: trusted origin ${observed.id} is already deleted`);
        return;
      }
      const { name, marker } = parseMarkedName(current.name ?? '');
      if (marker?.environment !== context.environment) {
        throw new ProviderError(
          'NOT_OWNED',
          `Trusted origin "${current.name ?? observed.id}" (${observed.id}) does not carry the ownership marker of environment ${context.environment}, so it is not deleted.`,
        );
      }
      try {
        await api.deleteTrustedOrigin(context, observed.id, action);
      } catch (error) {
        if (!(error instanceof ProviderError && error.code === 'NOT_FOUND')) {
          throw error;
        }
      }
      context.log.info(`okta: deleted trusted origin "${name}" (${observed.id})`);
    },

    async list(context) {
      const origins = await api.listTrustedOrigins(context, 'list the trusted origins');
      return origins
        .map((origin) => ({ origin, parsed: parseMarkedName(origin.name ?? '') }))
        .filter(({ parsed }) => parsed.marker?.environment === context.environment)
        .map(({ origin, parsed }) => ({
          ...observation(origin, 'owned'),
          address: `okta.trustedOrigins.${parsed.marker?.key ?? ''}`,
          name: parsed.name,
        }))
        .sort((left, right) => left.address.localeCompare(right.address));
    },
  };
}
