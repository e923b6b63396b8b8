// Clusters (createCluster 2024-10-23, getCluster 2024-08-05) and Flex clusters (2024-11-13).
// States advance on the stand-in clock: CREATING and UPDATING end in IDLE, DELETING ends with
// the cluster gone. Connection strings appear once the cluster is IDLE, as in Atlas.
import {
  AtlasApiError,
  invalidAttribute,
  missingAttribute,
  isoTime,
  paginate,
  requireObject,
  selfLinks,
  validateTags,
  type RouteRequest,
  type RouteResponse,
  type StandInContext,
} from './context.ts';
import { findProject } from './projects.ts';
import { nextObjectId, type StoredCluster } from './state.ts';

const clusterNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;
const cloudProviders = ['AWS', 'GCP', 'AZURE'];
const tenantSizes = ['M0'];

/** Moves every cluster whose transition time has passed to its next state. */
export function settleClusters(context: StandInContext): void {
  const now = context.now();
  const data = context.data;
  data.clusters = data.clusters.filter(
    (cluster) => !(cluster.stateName === 'DELETING' && now >= cluster.transitionAt),
  );
  for (const cluster of data.clusters) {
    if (
      (cluster.stateName === 'CREATING' || cluster.stateName === 'UPDATING') &&
      now >= cluster.transitionAt
    ) {
      cluster.stateName = 'IDLE';
    }
  }
}

function clusterNotFound(groupId: string, name: string): AtlasApiError {
  return new AtlasApiError(
    404,
    'CLUSTER_NOT_FOUND',
    `No cluster named ${name} exists in group ${groupId}.`,
    [name, groupId],
  );
}

function connectionStrings(context: StandInContext, cluster: StoredCluster) {
  if (cluster.stateName === 'CREATING') return {};
  const shard = cluster.srvHost.split('.')[1] ?? 'x';
  const hosts = [0, 1, 2]
    .map((index) => `${cluster.name.toLowerCase()}-shard-00-0${index}.${shard}.mongodb.net:27017`)
    .join(',');
  return {
    standard:
      context.mongoUri ??
      `mongodb://${hosts}/?ssl=true&authSource=admin&replicaSet=atlas-${shard}-shard-0`,
    standardSrv: `mongodb+srv://${cluster.srvHost}`,
  };
}

function clusterView(context: StandInContext, cluster: StoredCluster) {
  return {
    backupEnabled: cluster.backupEnabled,
    clusterType: cluster.clusterType,
    connectionStrings: connectionStrings(context, cluster),
    createDate: cluster.createDate,
    encryptionAtRestProvider: 'NONE',
    featureCompatibilityVersion: cluster.mongoDBMajorVersion,
    groupId: cluster.groupId,
    id: cluster.id,
    labels: [],
    links: selfLinks(
      `${context.baseUrl}/api/atlas/v2/groups/${cluster.groupId}/clusters/${cluster.name}`,
    ),
    mongoDBMajorVersion: cluster.mongoDBMajorVersion,
    mongoDBVersion: cluster.mongoDBVersion,
    name: cluster.name,
    paused: cluster.paused,
    pitEnabled: false,
    redactClientLogData: false,
    replicationSpecs: cluster.replicationSpecs,
    rootCertType: 'ISRGROOTX1',
    stateName: cluster.stateName,
    tags: cluster.tags,
    terminationProtectionEnabled: cluster.terminationProtectionEnabled,
    versionReleaseSystem: cluster.versionReleaseSystem,
  };
}

function flexView(context: StandInContext, cluster: StoredCluster) {
  const region = (cluster.replicationSpecs[0]?.regionConfigs as Record<string, unknown>[])[0]!;
  return {
    backupSettings: { enabled: true },
    clusterType: 'REPLICASET',
    connectionStrings: connectionStrings(context, cluster),
    createDate: cluster.createDate,
    groupId: cluster.groupId,
    id: cluster.id,
    links: selfLinks(
      `${context.baseUrl}/api/atlas/v2/groups/${cluster.groupId}/flexClusters/${cluster.name}`,
    ),
    mongoDBVersion: cluster.mongoDBVersion,
    name: cluster.name,
    providerSettings: {
      backingProviderName: region.backingProviderName,
      diskSizeGB: 5,
      providerName: 'FLEX',
      regionName: region.regionName,
    },
    stateName: cluster.stateName,
    tags: cluster.tags,
    terminationProtectionEnabled: cluster.terminationProtectionEnabled,
    versionReleaseSystem: 'LTS',
  };
}

function findCluster(context: StandInContext, groupId: string, name: string, kind: string) {
  findProject(context, groupId);
  const cluster = context.data.clusters.find(
    (candidate) =>
      candidate.groupId === groupId && candidate.name === name && candidate.kind === kind,
  );
  if (cluster === undefined) throw clusterNotFound(groupId, name);
  return cluster;
}

/** Checks one `regionConfigs` item and returns it with the fields Atlas fills in. */
function normaliseRegionConfig(value: unknown, path: string): Record<string, unknown> {
  const region = requireObject(value);
  const providerName = region.providerName;
  if (providerName === undefined) throw missingAttribute(`${path}.providerName`);
  if (region.regionName === undefined) throw missingAttribute(`${path}.regionName`);
  if (typeof providerName !== 'string' || ![...cloudProviders, 'TENANT'].includes(providerName)) {
    throw invalidAttribute(`${path}.providerName`);
  }
  if (typeof region.regionName !== 'string' || region.regionName === '') {
    throw invalidAttribute(`${path}.regionName`);
  }
  const electable = requireObject(region.electableSpecs ?? {});
  const instanceSize = electable.instanceSize;
  if (typeof instanceSize !== 'string')
    throw invalidAttribute(`${path}.electableSpecs.instanceSize`);

  if (providerName === 'TENANT') {
    if (
      typeof region.backingProviderName !== 'string' ||
      !cloudProviders.includes(region.backingProviderName)
    ) {
      throw invalidAttribute(`${path}.backingProviderName`);
    }
    if (!tenantSizes.includes(instanceSize)) {
      // NOTE: Atlas turns M2 and M5 requests into Flex clusters; the stand-in rejects them.
      throw invalidAttribute(
        `${path}.electableSpecs.instanceSize`,
        `Instance size ${instanceSize} is not a shared-tier size; use M0 or a Flex cluster.`,
      );
    }
    return {
      backingProviderName: region.backingProviderName,
      electableSpecs: { diskSizeGB: 0.5, effectiveInstanceSize: instanceSize, instanceSize },
      priority: region.priority ?? 7,
      providerName,
      regionName: region.regionName,
    };
  }

  if (!/^M\d+$/.test(instanceSize) || ['M0', 'M2', 'M5'].includes(instanceSize)) {
    throw invalidAttribute(`${path}.electableSpecs.instanceSize`);
  }
  return {
    ...region,
    electableSpecs: {
      diskSizeGB: 10,
      nodeCount: 3,
      ...(providerName === 'AWS' && { ebsVolumeType: 'STANDARD' }),
      ...electable,
    },
    priority: region.priority ?? 7,
  };
}

function normaliseReplicationSpecs(
  context: StandInContext,
  value: unknown,
): Record<string, unknown>[] {
  if (value === undefined) throw missingAttribute('replicationSpecs');
  if (!Array.isArray(value) || value.length === 0) throw invalidAttribute('replicationSpecs');
  return value.map((item: unknown, index) => {
    const spec = requireObject(item);
    const regions = spec.regionConfigs;
    if (!Array.isArray(regions) || regions.length === 0) {
      throw invalidAttribute(`replicationSpecs[${index}].regionConfigs`);
    }
    return {
      id: nextObjectId(context.data),
      regionConfigs: regions.map((region, regionIndex) =>
        normaliseRegionConfig(region, `replicationSpecs[${index}].regionConfigs[${regionIndex}]`),
      ),
      zoneId: nextObjectId(context.data),
      zoneName: typeof spec.zoneName === 'string' ? spec.zoneName : 'Zone 1',
    };
  });
}

function requireNewName(context: StandInContext, groupId: string, name: unknown): string {
  if (name === undefined) throw missingAttribute('name');
  if (typeof name !== 'string' || !clusterNamePattern.test(name) || name.length > 64) {
    throw invalidAttribute('name');
  }
  if (
    context.data.clusters.some((cluster) => cluster.groupId === groupId && cluster.name === name)
  ) {
    throw new AtlasApiError(
      400,
      'DUPLICATE_CLUSTER_NAME',
      `Cluster named ${name} is already present in group ${groupId}.`,
      [name, groupId],
    );
  }
  return name;
}

function newCluster(
  context: StandInContext,
  groupId: string,
  name: string,
  replicationSpecs: Record<string, unknown>[],
  body: Record<string, unknown>,
  kind: StoredCluster['kind'],
): StoredCluster {
  const id = nextObjectId(context.data);
  const now = context.now();
  return {
    id,
    groupId,
    name,
    kind,
    clusterType: typeof body.clusterType === 'string' ? body.clusterType : 'REPLICASET',
    createDate: isoTime(now),
    stateName: 'CREATING',
    replicationSpecs,
    tags: validateTags(body.tags),
    terminationProtectionEnabled: body.terminationProtectionEnabled === true,
    backupEnabled: body.backupEnabled === true,
    paused: false,
    mongoDBMajorVersion:
      typeof body.mongoDBMajorVersion === 'string' ? body.mongoDBMajorVersion : '8.0',
    mongoDBVersion: '8.0.12',
    versionReleaseSystem: 'LTS',
    srvHost: `${name.toLowerCase()}.${id.slice(-5)}.mongodb.net`,
    transitionAt: now + context.clusterCreateMs,
  };
}

export function listClusters(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  // Flex clusters are listed by listFlexClusters only: the 2024-08-05 cluster shape has no FLEX.
  const clusters = context.data.clusters
    .filter((cluster) => cluster.groupId === groupId && cluster.kind === 'cluster')
    .map((cluster) => clusterView(context, cluster));
  return { status: 200, body: paginate(clusters, request) };
}

export function getCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, clusterName } = request.params as { groupId: string; clusterName: string };
  if (context.consumeHiddenRead(`cluster:${groupId}:${clusterName}`)) {
    throw clusterNotFound(groupId, clusterName);
  }
  return {
    status: 200,
    body: clusterView(context, findCluster(context, groupId, clusterName, 'cluster')),
  };
}

export function getClusterStatus(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, clusterName } = request.params as { groupId: string; clusterName: string };
  const cluster = findCluster(context, groupId, clusterName, 'cluster');
  return {
    status: 200,
    body: {
      changeStatus: cluster.stateName === 'IDLE' ? 'APPLIED' : 'PENDING',
      links: selfLinks(request.selfUrl),
    },
  };
}

export function createCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const body = requireObject(request.body);
  const name = requireNewName(context, groupId, body.name);
  const replicationSpecs = normaliseReplicationSpecs(context, body.replicationSpecs);
  const cluster = newCluster(context, groupId, name, replicationSpecs, body, 'cluster');
  context.data.clusters.push(cluster);
  context.hideFromReads(`cluster:${groupId}:${name}`);
  return { status: 201, body: clusterView(context, cluster) };
}

function sameTenantShape(before: Record<string, unknown>[], after: Record<string, unknown>[]) {
  const describe = (specs: Record<string, unknown>[]) =>
    JSON.stringify(
      specs.map((spec) =>
        (spec.regionConfigs as Record<string, unknown>[]).map((region) => [
          region.providerName,
          region.backingProviderName,
          region.regionName,
          (region.electableSpecs as Record<string, unknown>).instanceSize,
        ]),
      ),
    );
  return describe(before) === describe(after);
}

export function updateCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, clusterName } = request.params as { groupId: string; clusterName: string };
  const cluster = findCluster(context, groupId, clusterName, 'cluster');
  const body = requireObject(request.body);
  if (body.name !== undefined && body.name !== cluster.name) throw invalidAttribute('name');

  if (body.replicationSpecs !== undefined) {
    const specs = normaliseReplicationSpecs(context, body.replicationSpecs);
    const tenant = JSON.stringify(cluster.replicationSpecs).includes('"TENANT"');
    if (tenant && !sameTenantShape(cluster.replicationSpecs, specs)) {
      // NOTE: the errorCode Atlas returns here is not documented; this one is the stand-in's.
      throw new AtlasApiError(
        400,
        'TENANT_CLUSTER_UPDATE_UNSUPPORTED',
        'Shared-tier clusters cannot change provider, region or size in place; use tenantUpgrade.',
      );
    }
    if (!sameTenantShape(cluster.replicationSpecs, specs)) {
      cluster.stateName = 'UPDATING';
      cluster.transitionAt = context.now() + context.clusterUpdateMs;
    }
    cluster.replicationSpecs = specs;
  }
  if (body.tags !== undefined) cluster.tags = validateTags(body.tags);
  if (typeof body.terminationProtectionEnabled === 'boolean') {
    cluster.terminationProtectionEnabled = body.terminationProtectionEnabled;
  }
  if (typeof body.backupEnabled === 'boolean') cluster.backupEnabled = body.backupEnabled;
  return { status: 200, body: clusterView(context, cluster) };
}

function beginDelete(context: StandInContext, cluster: StoredCluster): RouteResponse {
  if (cluster.terminationProtectionEnabled) {
    throw new AtlasApiError(
      400,
      'CANNOT_TERMINATE_CLUSTER_WHEN_TERMINATION_PROTECTION_ENABLED',
      `Cluster ${cluster.name} has termination protection enabled; disable it first.`,
      [cluster.name],
    );
  }
  if (cluster.stateName === 'DELETING') {
    throw new AtlasApiError(
      400,
      'CLUSTER_ALREADY_REQUESTED_DELETION',
      `Cluster ${cluster.name} is already being deleted.`,
      [cluster.name],
    );
  }
  cluster.stateName = 'DELETING';
  cluster.transitionAt = context.now() + context.clusterDeleteMs;
  return { status: cluster.kind === 'flex' ? 204 : 202 };
}

export function deleteCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, clusterName } = request.params as { groupId: string; clusterName: string };
  return beginDelete(context, findCluster(context, groupId, clusterName, 'cluster'));
}

export function listFlexClusters(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const clusters = context.data.clusters
    .filter((cluster) => cluster.groupId === groupId && cluster.kind === 'flex')
    .map((cluster) => flexView(context, cluster));
  return { status: 200, body: paginate(clusters, request) };
}

export function getFlexCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, name } = request.params as { groupId: string; name: string };
  if (context.consumeHiddenRead(`cluster:${groupId}:${name}`)) throw clusterNotFound(groupId, name);
  return { status: 200, body: flexView(context, findCluster(context, groupId, name, 'flex')) };
}

export function createFlexCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const body = requireObject(request.body);
  const name = requireNewName(context, groupId, body.name);
  const settings = requireObject(body.providerSettings ?? {});
  if (body.providerSettings === undefined) throw missingAttribute('providerSettings');
  if (settings.backingProviderName === undefined) {
    throw missingAttribute('providerSettings.backingProviderName');
  }
  if (settings.regionName === undefined) throw missingAttribute('providerSettings.regionName');
  if (
    typeof settings.backingProviderName !== 'string' ||
    !cloudProviders.includes(settings.backingProviderName)
  ) {
    throw invalidAttribute('providerSettings.backingProviderName');
  }
  if (typeof settings.regionName !== 'string' || settings.regionName === '') {
    throw invalidAttribute('providerSettings.regionName');
  }
  const replicationSpecs = [
    {
      regionConfigs: [
        {
          backingProviderName: settings.backingProviderName,
          providerName: 'FLEX',
          regionName: settings.regionName,
        },
      ],
    },
  ];
  const cluster = newCluster(context, groupId, name, replicationSpecs, body, 'flex');
  context.data.clusters.push(cluster);
  context.hideFromReads(`cluster:${groupId}:${name}`);
  return { status: 201, body: flexView(context, cluster) };
}

export function updateFlexCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, name } = request.params as { groupId: string; name: string };
  const cluster = findCluster(context, groupId, name, 'flex');
  const body = requireObject(request.body);
  if (body.tags !== undefined) cluster.tags = validateTags(body.tags);
  if (typeof body.terminationProtectionEnabled === 'boolean') {
    cluster.terminationProtectionEnabled = body.terminationProtectionEnabled;
  }
  return { status: 200, body: flexView(context, cluster) };
}

export function deleteFlexCluster(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, name } = request.params as { groupId: string; name: string };
  return beginDelete(context, findCluster(context, groupId, name, 'flex'));
}
