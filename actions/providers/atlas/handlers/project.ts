// atlas:Project: found by name inside the organisation, created with the marker in its tags.
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
} from '../../../engine/provider.ts';
import { segment } from '../client.ts';
import { isNotFound } from '../errors.ts';
import {
  configuredTags,
  markerOfTags,
  ownershipOfTags,
  tagsWithMarker,
  type AtlasTag,
} from '../marker.ts';
import type { ProjectSpec } from '../schema.ts';
import { kinds } from '../section.ts';
import { recoverCreate, requireOwned, specOf, type HandlerOptions } from './common.ts';

/** A project as the Atlas `Group` schema returns it. */
export interface AtlasGroup {
  id: string;
  name: string;
  orgId: string;
  tags?: AtlasTag[];
}

type Spec = ProjectSpec & { orgId: string };

function observationOf(group: AtlasGroup, context: ProviderContext, address: string): Observation {
  const tags = configuredTags(group.tags);
  return {
    id: group.id,
    spec: {
      orgId: group.orgId,
      name: group.name,
      ...(Object.keys(tags).length > 0 && { tags }),
    },
    outputs: { id: group.id, name: group.name },
    ownership: ownershipOfTags(group.tags, context.marker(address)),
  };
}

/** Every project the credentials can see, for the other handlers' `list`. */
export function listVisibleProjects(options: HandlerOptions, context: ProviderContext) {
  return options.client.listAll<AtlasGroup>({
    operation: 'listProjects',
    path: '/groups',
    log: context.log,
  });
}

export function projectHandler(options: HandlerOptions): ResourceHandler {
  const { client } = options;

  async function find(context: ProviderContext, resource: DesiredResource) {
    const spec = specOf<Spec>(resource);
    // The name filter is a case-insensitive prefix match, so the exact name is checked here.
    const groups = await client.listAll<AtlasGroup>({
      operation: 'listOrganizationProjects',
      path: `/orgs/${segment(spec.orgId)}/groups`,
      query: { name: spec.name },
      log: context.log,
    });
    const group = groups.find((candidate) => candidate.name === spec.name);
    return group === undefined ? undefined : observationOf(group, context, resource.address);
  }

  return {
    kind: kinds.project,
    outputs: ['id', 'name'],
    identity: ['name'],
    fields: { orgId: { replaceOnChange: true }, name: { replaceOnChange: true } },

    observe: find,

    async create(context, resource) {
      const spec = specOf<Spec>(resource);
      const body = {
        name: spec.name,
        orgId: spec.orgId,
        tags: tagsWithMarker(spec.tags, context.marker(resource.address)),
      };
      try {
        const group = await client.request<AtlasGroup>({
          operation: 'createProject',
          method: 'POST',
          path: '/groups',
          body,
          log: context.log,
        });
        context.log.info(`${resource.address}: created project ${spec.name} (${group!.id})`);
        return observationOf(group!, context, resource.address);
      } catch (error) {
        return recoverCreate(context, options, resource, error, ['GROUP_ALREADY_EXISTS'], () =>
          find(context, resource),
        );
      }
    },

    async update(context, resource, observed) {
      const spec = specOf<Spec>(resource);
      const group = await client.request<AtlasGroup>({
        operation: 'updateProject',
        method: 'PATCH',
        path: `/groups/${segment(observed.id)}`,
        body: { tags: tagsWithMarker(spec.tags, context.marker(resource.address)) },
        log: context.log,
      });
      context.log.info(`${resource.address}: updated the tags of project ${spec.name}`);
      return observationOf(group!, context, resource.address);
    },

    async delete(context, observed) {
      requireOwned(observed, `project ${observed.id}`, `project ${String(observed.outputs.name)}`);
      try {
        await client.request({
          operation: 'deleteProject',
          method: 'DELETE',
          path: `/groups/${segment(observed.id)}`,
          log: context.log,
        });
        context.log.info(`deleted project ${String(observed.outputs.name)} (${observed.id})`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },

    async list(context) {
      const groups = await listVisibleProjects(options, context);
      return groups.flatMap((group) => {
        const marker = markerOfTags(group.tags);
        if (marker?.environment !== context.environment) return [];
        if (!marker.address.startsWith('atlas.projects.')) return [];
        return [
          {
            ...observationOf(group, context, marker.address),
            address: marker.address,
            name: group.name,
          },
        ];
      });
    },
  };
}
