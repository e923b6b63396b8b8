// atlas:DatabaseUser: an AWS IAM database user (awsIAMType USER or ROLE) whose username is the
// ARN, authenticating against `$external`. The user schema has no description, so the ownership
// marker is in its `labels`.
import {
  ProviderError,
  type DesiredResource,
  type Observation,
  type ProviderContext,
  type ResourceHandler,
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
import type { DatabaseUserSpec } from '../schema.ts';
import { kinds } from '../section.ts';
import {
  textOf,
  hasUnknown,
  recoverCreate,
  requireOwned,
  specOf,
  type HandlerOptions,
} from './common.ts';
import { listVisibleProjects } from './project.ts';

/** The fields of `CloudDatabaseUser` used here. */
export interface AtlasDatabaseUser {
  groupId?: string;
  username: string;
  databaseName: string;
  awsIAMType?: string;
  roles?: { roleName: string; databaseName: string; collectionName?: string }[];
  scopes?: { name: string; type: string }[];
  labels?: AtlasTag[];
}

const identity = ['projectId', 'username'] as const;

/** `/groups/{groupId}/databaseUsers/%24external/arn%3Aaws%3Aiam%3A%3A...%3Arole%2Fname`. */
function userPath(projectId: string, databaseName: string, username: string): string {
  return `/groups/${segment(projectId)}/databaseUsers/${segment(databaseName)}/${segment(username)}`;
}

function observationOf(
  user: AtlasDatabaseUser,
  projectId: string,
  context: ProviderContext,
  address: string,
): Observation {
  const labels = configuredTags(user.labels);
  return {
    id: `${projectId}/${user.databaseName}/${user.username}`,
    spec: {
      projectId,
      username: user.username,
      awsIAMType: user.awsIAMType ?? 'NONE',
      databaseName: user.databaseName,
      roles: (user.roles ?? []).map((role) => ({
        roleName: role.roleName,
        databaseName: role.databaseName,
        ...(role.collectionName !== undefined && { collectionName: role.collectionName }),
      })),
      scopes: (user.scopes ?? []).map((scope) => ({ name: scope.name, type: scope.type })),
      ...(Object.keys(labels).length > 0 && { labels }),
    },
    outputs: { username: user.username, databaseName: user.databaseName },
    ownership: ownershipOfTags(user.labels, context.marker(address)),
  };
}

function bodyOf(spec: DatabaseUserSpec, labels: AtlasTag[]): Record<string, unknown> {
  return {
    groupId: spec.projectId,
    username: spec.username,
    databaseName: spec.databaseName,
    awsIAMType: spec.awsIAMType,
    roles: spec.roles,
    scopes: spec.scopes ?? [],
    labels,
  };
}

export function databaseUserHandler(options: HandlerOptions): ResourceHandler {
  const { client } = options;

  async function observe(context: ProviderContext, resource: DesiredResource) {
    if (hasUnknown(resource.spec, identity)) return undefined;
    const spec = specOf<DatabaseUserSpec>(resource);
    try {
      const user = await client.request<AtlasDatabaseUser>({
        operation: 'getDatabaseUser',
        method: 'GET',
        path: userPath(spec.projectId, spec.databaseName, spec.username),
        log: context.log,
      });
      return observationOf(user!, spec.projectId, context, resource.address);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    kind: kinds.databaseUser,
    outputs: ['username', 'databaseName'],
    identity,
    fields: {
      projectId: { replaceOnChange: true },
      username: { replaceOnChange: true },
      databaseName: { replaceOnChange: true },
      awsIAMType: { replaceOnChange: true },
      roles: { compare: 'set' },
      scopes: { compare: 'set' },
    },

    observe,

    async create(context, resource) {
      const spec = specOf<DatabaseUserSpec>(resource);
      const labels = tagsWithMarker(spec.labels, context.marker(resource.address));
      try {
        const user = await client.request<AtlasDatabaseUser>({
          operation: 'createDatabaseUser',
          method: 'POST',
          path: `/groups/${segment(spec.projectId)}/databaseUsers`,
          body: bodyOf(spec, labels),
          log: context.log,
        });
        context.log.info(
          `${resource.address}: created ${spec.awsIAMType} database user ${spec.username}`,
        );
        return observationOf(user!, spec.projectId, context, resource.address);
      } catch (error) {
        return recoverCreate(context, options, resource, error, ['USER_ALREADY_EXISTS'], () =>
          observe(context, resource),
        );
      }
    },

    async update(context, resource, observed) {
      const spec = specOf<DatabaseUserSpec>(resource);
      if (observed.ownership !== 'owned') {
        throw new ProviderError(
          'NOT_OWNED',
          `${resource.address}: database user ${spec.username} lacks this environment's marker; it was left untouched`,
        );
      }
      const labels = tagsWithMarker(spec.labels, context.marker(resource.address));
      const user = await client.request<AtlasDatabaseUser>({
        operation: 'updateDatabaseUser',
        method: 'PATCH',
        path: userPath(spec.projectId, spec.databaseName, spec.username),
        body: bodyOf(spec, labels),
        log: context.log,
      });
      context.log.info(`${resource.address}: updated database user ${spec.username}`);
      return observationOf(user!, spec.projectId, context, resource.address);
    },

    async delete(context, observed) {
      const projectId = textOf(observed.spec.projectId);
      const username = String(observed.outputs.username);
      requireOwned(observed, `database user ${username}`, `database user ${username}`);
      try {
        await client.request({
          operation: 'deleteDatabaseUser',
          method: 'DELETE',
          path: userPath(projectId, String(observed.outputs.databaseName), username),
          log: context.log,
        });
        context.log.info(`deleted database user ${username} from project ${projectId}`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },

    async list(context) {
      const result = [];
      for (const group of await listVisibleProjects(options, context)) {
        const users = await client.listAll<AtlasDatabaseUser>({
          operation: 'listDatabaseUsers',
          path: `/groups/${segment(group.id)}/databaseUsers`,
          log: context.log,
        });
        for (const user of users) {
          const marker = markerOfTags(user.labels);
          if (marker?.environment !== context.environment) continue;
          if (!marker.address.startsWith('atlas.databaseUsers.')) continue;
          const observation = observationOf(user, group.id, context, marker.address);
          result.push({ ...observation, address: marker.address, name: user.username });
        }
      }
      return result;
    },
  };
}
