// atlas:Cluster: an M0 (TENANT), Flex or dedicated cluster. Creation takes minutes, so create
// and update wait for `stateName: IDLE` and a published SRV connection string, and delete waits
// until the cluster is gone, because its project cannot be deleted before that.
import {
  ProviderError,
  waitFor,
  type DesiredResource,
  type Observation,
  type ProviderContext,
  type ResourceHandler,
} from '../../../engine/provider.ts';
import { segment, type AtlasRequest } from '../client.ts';
import { isNotFound } from '../errors.ts';
import {
  configuredTags,
  markerOfTags,
  ownershipOfTags,
  tagsWithMarker,
  type AtlasTag,
} from '../marker.ts';
import type { ClusterSpec } from '../schema.ts';
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

interface RegionConfig {
  providerName?: string;
  backingProviderName?: string;
  regionName?: string;
  priority?: number;
  electableSpecs?: { instanceSize?: string; nodeCount?: number; diskSizeGB?: number };
}

/** The fields of `ClusterDescription20240805` and `FlexClusterDescription20241113` used here. */
export interface AtlasCluster {
  id: string;
  groupId: string;
  name: string;
  stateName?: string;
  tags?: AtlasTag[];
  terminationProtectionEnabled?: boolean;
  backupEnabled?: boolean;
  mongoDBMajorVersion?: string;
  connectionStrings?: { standard?: string; standardSrv?: string };
  replicationSpecs?: { regionConfigs?: RegionConfig[] }[];
  providerSettings?: { backingProviderName?: string; regionName?: string };
}

const identity = ['projectId', 'name'] as const;

/** Returns the host of a `mongodb+srv://` string, without scheme, credentials, path or options. */
export function srvHostOf(connectionString: string): string {
  return new URL(connectionString).hostname;
}

function isFlex(spec: ClusterSpec): boolean {
  return spec.providerName === 'FLEX';
}

function resourcePath(spec: Pick<ClusterSpec, 'projectId' | 'name' | 'providerName'>): string {
  const collection = spec.providerName === 'FLEX' ? 'flexClusters' : 'clusters';
  return `/groups/${segment(spec.projectId)}/${collection}/${segment(spec.name)}`;
}

/** Converts an Atlas cluster to the config's flat shape. */
function specOfCluster(cluster: AtlasCluster, flex: boolean): Record<string, unknown> {
  const tags = configuredTags(cluster.tags);
  const common = {
    projectId: cluster.groupId,
    name: cluster.name,
    ...(Object.keys(tags).length > 0 && { tags }),
    ...(cluster.terminationProtectionEnabled !== undefined && {
      terminationProtectionEnabled: cluster.terminationProtectionEnabled,
    }),
  };
  if (flex) {
    return {
      ...common,
      providerName: 'FLEX',
      backingProviderName: cluster.providerSettings?.backingProviderName,
      regionName: cluster.providerSettings?.regionName,
    };
  }
  const region = cluster.replicationSpecs?.[0]?.regionConfigs?.[0] ?? {};
  if (region.providerName === 'TENANT') {
    return {
      ...common,
      providerName: 'TENANT',
      backingProviderName: region.backingProviderName,
      regionName: region.regionName,
      instanceSizeName: region.electableSpecs?.instanceSize,
    };
  }
  return {
    ...common,
    providerName: region.providerName,
    regionName: region.regionName,
    instanceSizeName: region.electableSpecs?.instanceSize,
    nodeCount: region.electableSpecs?.nodeCount,
    diskSizeGB: region.electableSpecs?.diskSizeGB,
    backupEnabled: cluster.backupEnabled,
    mongoDBMajorVersion: cluster.mongoDBMajorVersion,
  };
}

function observationOf(
  cluster: AtlasCluster,
  flex: boolean,
  context: ProviderContext,
  address: string,
): Observation {
  const srv = cluster.connectionStrings?.standardSrv;
  const spec = Object.fromEntries(
    Object.entries(specOfCluster(cluster, flex)).filter(([, value]) => value !== undefined),
  );
  return {
    id: cluster.id,
    spec: spec as Observation['spec'],
    // NOTE: srvHost and connectionString appear only once Atlas publishes them (stateName IDLE).
    outputs: {
      id: cluster.id,
      name: cluster.name,
      ...(srv !== undefined && { srvHost: srvHostOf(srv), connectionString: srv }),
    },
    ownership: ownershipOfTags(cluster.tags, context.marker(address)),
  };
}

function regionConfigOf(spec: ClusterSpec): RegionConfig {
  if (spec.providerName === 'TENANT') {
    return {
      providerName: 'TENANT',
      backingProviderName: spec.backingProviderName,
      regionName: spec.regionName,
      priority: 7,
      electableSpecs: { instanceSize: spec.instanceSizeName },
    };
  }
  if (spec.providerName === 'FLEX') throw new Error('Flex clusters have no regionConfigs');
  return {
    providerName: spec.providerName,
    regionName: spec.regionName,
    priority: 7,
    electableSpecs: {
      instanceSize: spec.instanceSizeName,
      nodeCount: spec.nodeCount ?? 3,
      ...(spec.diskSizeGB !== undefined && { diskSizeGB: spec.diskSizeGB }),
    },
  };
}

/** Builds the createCluster (2024-10-23) or createFlexCluster (2024-11-13) body. */
function createBody(spec: ClusterSpec, tags: AtlasTag[]): Record<string, unknown> {
  const common = {
    name: spec.name,
    tags,
    terminationProtectionEnabled: spec.terminationProtectionEnabled ?? false,
  };
  if (spec.providerName === 'FLEX') {
    return {
      ...common,
      providerSettings: {
        backingProviderName: spec.backingProviderName,
        regionName: spec.regionName,
      },
    };
  }
  return {
    ...common,
    clusterType: 'REPLICASET',
    replicationSpecs: [{ regionConfigs: [regionConfigOf(spec)] }],
    ...(spec.providerName !== 'TENANT' && {
      ...(spec.backupEnabled !== undefined && { backupEnabled: spec.backupEnabled }),
      ...(spec.mongoDBMajorVersion !== undefined && {
        mongoDBMajorVersion: spec.mongoDBMajorVersion,
      }),
    }),
  };
}

export function clusterHandler(options: HandlerOptions): ResourceHandler {
  const { client } = options;

  async function read(
    context: ProviderContext,
    spec: ClusterSpec,
  ): Promise<AtlasCluster | undefined> {
    try {
      return await client.request<AtlasCluster>({
        operation: isFlex(spec) ? 'getFlexCluster' : 'getCluster',
        method: 'GET',
        path: resourcePath(spec),
        log: context.log,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function observe(context: ProviderContext, resource: DesiredResource) {
    if (hasUnknown(resource.spec, identity)) return undefined;
    const spec = specOf<ClusterSpec>(resource);
    const cluster = await read(context, spec);
    return cluster === undefined
      ? undefined
      : observationOf(cluster, isFlex(spec), context, resource.address);
  }

  /** Polls until IDLE with an SRV string. A 404 right after create means "not visible yet". */
  async function waitUntilReady(context: ProviderContext, resource: DesiredResource) {
    const spec = specOf<ClusterSpec>(resource);
    const cluster = await waitFor(context, {
      what: `${resource.address}: cluster ${spec.name} to become IDLE`,
      poll: () => pollQuietly(context, () => read(context, spec)),
      isDone: (value) =>
        value !== 'THROTTLED' &&
        value?.stateName === 'IDLE' &&
        value.connectionStrings?.standardSrv !== undefined,
      describe: (value) => describeState(value),
      timeoutMs: options.clusterTimeoutMs,
      intervalMs: options.clusterPollIntervalMs,
    });
    return observationOf(cluster as AtlasCluster, isFlex(spec), context, resource.address);
  }

  async function waitUntilGone(context: ProviderContext, spec: ClusterSpec, address: string) {
    await waitFor(context, {
      what: `${address}: cluster ${spec.name} to be deleted`,
      poll: () => pollQuietly(context, () => read(context, spec)),
      isDone: (value) => value === undefined,
      describe: (value) => describeState(value),
      timeoutMs: options.clusterTimeoutMs,
      intervalMs: options.clusterPollIntervalMs,
    });
  }

  async function send(context: ProviderContext, request: Omit<AtlasRequest, 'log'>) {
    return client.request<AtlasCluster>({ ...request, log: context.log });
  }

  return {
    kind: kinds.cluster,
    outputs: ['id', 'name', 'srvHost', 'connectionString'],
    identity,
    fields: {
      projectId: { replaceOnChange: true },
      name: { replaceOnChange: true },
      providerName: { replaceOnChange: true },
      backingProviderName: { replaceOnChange: true },
      regionName: { replaceOnChange: true },
      // NOTE: a dedicated cluster can change size in place; M0 cannot (it needs tenantUpgrade),
      // and rules are per kind, so every size change is planned as a replacement.
      instanceSizeName: { replaceOnChange: true },
      mongoDBMajorVersion: { replaceOnChange: true },
    },

    observe,

    async create(context, resource) {
      const spec = specOf<ClusterSpec>(resource);
      const body = createBody(spec, tagsWithMarker(spec.tags, context.marker(resource.address)));
      try {
        await send(context, {
          operation: isFlex(spec) ? 'createFlexCluster' : 'createCluster',
          method: 'POST',
          path: `/groups/${segment(spec.projectId)}/${isFlex(spec) ? 'flexClusters' : 'clusters'}`,
          body,
        });
        context.log.info(
          `${resource.address}: requested cluster ${spec.name} (${spec.providerName})`,
        );
      } catch (error) {
        const found = await recoverCreate(
          context,
          options,
          resource,
          error,
          ['DUPLICATE_CLUSTER_NAME'],
          () => observe(context, resource),
        );
        if (found.outputs.srvHost !== undefined) return found;
      }
      return waitUntilReady(context, resource);
    },

    async update(context, resource, observed) {
      const spec = specOf<ClusterSpec>(resource);
      const tags = tagsWithMarker(spec.tags, context.marker(resource.address));
      const body: Record<string, unknown> = {
        tags,
        terminationProtectionEnabled: spec.terminationProtectionEnabled ?? false,
      };
      if (spec.providerName !== 'FLEX' && spec.providerName !== 'TENANT') {
        body.replicationSpecs = [{ regionConfigs: [regionConfigOf(spec)] }];
        if (spec.backupEnabled !== undefined) body.backupEnabled = spec.backupEnabled;
      }
      await send(context, {
        operation: isFlex(spec) ? 'updateFlexCluster' : 'updateCluster',
        method: 'PATCH',
        path: resourcePath({
          ...spec,
          projectId: textOf(observed.spec.projectId) || spec.projectId,
        }),
        body,
      });
      context.log.info(`${resource.address}: updated cluster ${spec.name}`);
      return waitUntilReady(context, resource);
    },

    async delete(context, observed) {
      const spec = observed.spec as unknown as ClusterSpec;
      requireOwned(observed, `cluster ${observed.id}`, `cluster ${spec.name}`);
      try {
        await send(context, {
          operation: isFlex(spec) ? 'deleteFlexCluster' : 'deleteCluster',
          method: 'DELETE',
          path: resourcePath(spec),
        });
        context.log.info(`requested deletion of cluster ${spec.name} (${observed.id})`);
      } catch (error) {
        if (isNotFound(error)) return;
        if (!(
          error instanceof ProviderError &&
          error.vendorCode === 'CLUSTER_ALREADY_REQUESTED_DELETION'
        )) {
          throw error;
        }
      }
      await waitUntilGone(context, spec, `cluster ${observed.id}`);
    },

    async list(context) {
      const result = [];
      for (const group of await listVisibleProjects(options, context)) {
        for (const [operation, collection, flex] of [
          ['listClusters', 'clusters', false],
          ['listFlexClusters', 'flexClusters', true],
        ] as const) {
          const clusters = await client.listAll<AtlasCluster>({
            operation,
            path: `/groups/${segment(group.id)}/${collection}`,
            log: context.log,
          });
          for (const cluster of clusters) {
            const marker = markerOfTags(cluster.tags);
            if (marker?.environment !== context.environment) continue;
            if (!marker.address.startsWith('atlas.clusters.')) continue;
            const observation = observationOf(cluster, flex, context, marker.address);
            result.push({ ...observation, address: marker.address, name: cluster.name });
          }
        }
      }
      return result;
    },
  };
}

/** A poll result: the cluster, undefined when Atlas returns 404, or a throttled poll. */
type PollResult = AtlasCluster | undefined | 'THROTTLED';

/** Polls once; a 429 becomes a state so the wait sleeps at least as long as Atlas asked. */
async function pollQuietly(
  context: ProviderContext,
  read: () => Promise<AtlasCluster | undefined>,
): Promise<PollResult> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof ProviderError) || error.code !== 'THROTTLED') throw error;
    if (error.retryAfterMs !== undefined) await context.sleep(error.retryAfterMs);
    return 'THROTTLED';
  }
}

function describeState(value: PollResult): string {
  if (value === 'THROTTLED') return 'RATE_LIMITED';
  if (value === undefined) return 'NOT_FOUND';
  if (value.stateName === 'IDLE' && value.connectionStrings?.standardSrv === undefined) {
    return 'IDLE without connection string';
  }
  return value.stateName ?? 'UNKNOWN';
}
