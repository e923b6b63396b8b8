// atlas:AccessListEntry: one IP access list entry, created one request at a time (an array of
// one) with the ownership marker at the end of its comment. Entries without the marker belong to
// someone else: they are reported and never changed or deleted.
import {
  ProviderError,
  type DesiredResource,
  type Observation,
  type ProviderContext,
  type ResourceHandler,
} from '../../../engine/provider.ts';
import { segment } from '../client.ts';
import { isNotFound } from '../errors.ts';
import { addressKey, commentWithMarker, parseComment } from '../marker.ts';
import type { AccessListEntrySpec } from '../schema.ts';
import { kinds } from '../section.ts';
import { textOf, hasUnknown, recoverCreate, specOf, type HandlerOptions } from './common.ts';
import { listVisibleProjects } from './project.ts';

/** The fields of `NetworkPermissionEntry` used here. */
export interface AtlasAccessListEntry {
  groupId: string;
  cidrBlock?: string;
  ipAddress?: string;
  comment?: string;
}

const identity = ['projectId', 'cidrBlock', 'ipAddress'] as const;

/** Returns the entry value for the path, which the client encodes: `0.0.0.0/0` is sent as `0.0.0.0%2F0`. */
function entryValue(spec: Pick<AccessListEntrySpec, 'cidrBlock' | 'ipAddress'>): string {
  return spec.cidrBlock ?? spec.ipAddress ?? '';
}

function observationOf(
  entry: AtlasAccessListEntry,
  context: ProviderContext,
  address: string,
  byIpAddress: boolean,
): Observation {
  const { comment, marker } = parseComment(entry.comment);
  const owned =
    marker !== undefined &&
    marker.environment === context.environment &&
    marker.key === addressKey(address);
  const value = byIpAddress ? entry.ipAddress : entry.cidrBlock;
  return {
    id: `${entry.groupId}/${value ?? ''}`,
    spec: {
      projectId: entry.groupId,
      ...(byIpAddress
        ? { ipAddress: entry.ipAddress ?? '' }
        : { cidrBlock: entry.cidrBlock ?? '' }),
      ...(comment !== undefined && { comment }),
    },
    outputs: { entry: value ?? '' },
    ownership: owned ? 'owned' : 'foreign',
  };
}

export function accessListEntryHandler(options: HandlerOptions): ResourceHandler {
  const { client } = options;

  async function observe(context: ProviderContext, resource: DesiredResource) {
    if (hasUnknown(resource.spec, identity)) return undefined;
    const spec = specOf<AccessListEntrySpec>(resource);
    try {
      const entry = await client.request<AtlasAccessListEntry>({
        operation: 'getProjectIpList',
        method: 'GET',
        path: `/groups/${segment(spec.projectId)}/accessList/${segment(entryValue(spec))}`,
        log: context.log,
      });
      return observationOf(entry!, context, resource.address, spec.ipAddress !== undefined);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** POSTs the entry; Atlas adds it, or replaces the comment of an entry that exists. */
  async function post(context: ProviderContext, resource: DesiredResource) {
    const spec = specOf<AccessListEntrySpec>(resource);
    const comment = commentWithMarker(spec.comment, context.marker(resource.address));
    if (comment.length > 80) {
      throw new ProviderError(
        'INVALID',
        `${resource.address}.comment: with the ownership marker the comment has ${comment.length} characters and Atlas allows 80; shorten it`,
      );
    }
    const item = {
      ...(spec.cidrBlock !== undefined
        ? { cidrBlock: spec.cidrBlock }
        : { ipAddress: spec.ipAddress }),
      comment,
    };
    await client.request({
      operation: 'createProjectIpAccessList',
      method: 'POST',
      path: `/groups/${segment(spec.projectId)}/accessList`,
      body: [item],
      log: context.log,
    });
  }

  function expected(resource: DesiredResource, context: ProviderContext): Observation {
    const spec = specOf<AccessListEntrySpec>(resource);
    const stored = commentWithMarker(spec.comment, context.marker(resource.address));
    return observationOf(
      {
        groupId: spec.projectId,
        ...(spec.cidrBlock !== undefined && { cidrBlock: spec.cidrBlock }),
        ...(spec.ipAddress !== undefined && { ipAddress: spec.ipAddress }),
        comment: stored,
      },
      context,
      resource.address,
      spec.ipAddress !== undefined,
    );
  }

  return {
    kind: kinds.accessListEntry,
    outputs: ['entry'],
    identity,
    fields: {
      projectId: { replaceOnChange: true },
      cidrBlock: { replaceOnChange: true },
      ipAddress: { replaceOnChange: true },
    },

    observe,

    async create(context, resource) {
      // A POST of an entry that exists rewrites its comment, which would take over someone
      // else's entry, so the entry is read first.
      const existing = await observe(context, resource);
      if (existing?.ownership === 'owned') return existing;
      if (existing !== undefined) {
        throw new ProviderError(
          'NOT_OWNED',
          `${resource.address}: access list entry ${resource.name} exists without this environment's marker; it was left untouched`,
        );
      }
      try {
        await post(context, resource);
        context.log.info(`${resource.address}: added access list entry ${resource.name}`);
        return expected(resource, context);
      } catch (error) {
        return recoverCreate(context, options, resource, error, [], () =>
          observe(context, resource),
        );
      }
    },

    async update(context, resource, observed) {
      if (observed.ownership !== 'owned') {
        throw new ProviderError(
          'NOT_OWNED',
          `${resource.address}: access list entry ${resource.name} lacks this environment's marker; it is never changed`,
        );
      }
      await post(context, resource);
      context.log.info(
        `${resource.address}: updated the comment of access list entry ${resource.name}`,
      );
      return expected(resource, context);
    },

    async delete(context, observed) {
      const entry = String(observed.outputs.entry);
      if (observed.ownership !== 'owned') {
        context.log.warning(
          `access list entry ${entry} in project ${textOf(observed.spec.projectId)} is not managed by gitops; it was not deleted`,
        );
        return;
      }
      try {
        await client.request({
          operation: 'deleteProjectIpAccessList',
          method: 'DELETE',
          path: `/groups/${segment(textOf(observed.spec.projectId))}/accessList/${segment(entry)}`,
          log: context.log,
        });
        context.log.info(
          `deleted access list entry ${entry} from project ${textOf(observed.spec.projectId)}`,
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },

    async list(context) {
      const result = [];
      for (const group of await listVisibleProjects(options, context)) {
        const entries = await client.listAll<AtlasAccessListEntry>({
          operation: 'listProjectIpAccessLists',
          path: `/groups/${segment(group.id)}/accessList`,
          log: context.log,
        });
        for (const entry of entries) {
          const { marker } = parseComment(entry.comment);
          if (marker === undefined) {
            context.log.warning(
              `project ${group.name}: access list entry ${entry.cidrBlock ?? entry.ipAddress ?? '?'} is not managed by gitops; it is left in place`,
            );
            continue;
          }
          if (marker.environment !== context.environment) continue;
          const address = `atlas.accessList.${marker.key}`;
          const observation = observationOf(entry, context, address, false);
          result.push({ ...observation, address, name: entry.cidrBlock ?? '' });
        }
      }
      return result;
    },
  };
}
