// The operations the Atlas stand-in serves, with the path templates, operationIds and resource
// versions of the Atlas Administration API v2 specification (2025-03-12).
import {
  createDatabaseUser,
  createProjectIpAccessList,
  deleteDatabaseUser,
  deleteProjectIpAccessList,
  getDatabaseUser,
  getProjectIpAccessListStatus,
  getProjectIpList,
  listDatabaseUsers,
  listProjectIpAccessLists,
  updateDatabaseUser,
} from './access.ts';
import {
  createCluster,
  createFlexCluster,
  deleteCluster,
  deleteFlexCluster,
  getCluster,
  getClusterStatus,
  getFlexCluster,
  listClusters,
  listFlexClusters,
  updateCluster,
  updateFlexCluster,
} from './clusters.ts';
import type { RouteRequest, RouteResponse, StandInContext } from './context.ts';
import {
  createProject,
  deleteProject,
  getOrganization,
  getProject,
  getProjectByName,
  listOrganizationProjects,
  listPendingInvoices,
  listProjects,
  updateProject,
} from './projects.ts';

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below `/api/atlas/v2`, with `{name}` parameters. */
  readonly template: string;
  readonly operationId: string;
  /** The only resource version the operation accepts, as `YYYY-MM-DD`. */
  readonly version: string;
  readonly handle: (context: StandInContext, request: RouteRequest) => RouteResponse;
}

const route = (
  method: Route['method'],
  template: string,
  operationId: string,
  version: string,
  handle: Route['handle'],
): Route => ({ method, template, operationId, version, handle });

export const routes: readonly Route[] = [
  route('GET', '/orgs/{orgId}', 'getOrganization', '2023-01-01', getOrganization),
  route(
    'GET',
    '/orgs/{orgId}/groups',
    'listOrganizationProjects',
    '2023-01-01',
    listOrganizationProjects,
  ),
  route(
    'GET',
    '/orgs/{orgId}/invoices/pending',
    'listPendingInvoices',
    '2023-01-01',
    listPendingInvoices,
  ),
  route('GET', '/groups', 'listProjects', '2023-01-01', listProjects),
  route('POST', '/groups', 'createProject', '2023-01-01', createProject),
  route('GET', '/groups/byName/{groupName}', 'getProjectByName', '2023-01-01', getProjectByName),
  route('GET', '/groups/{groupId}', 'getProject', '2023-01-01', getProject),
  route('PATCH', '/groups/{groupId}', 'updateProject', '2023-01-01', updateProject),
  route('DELETE', '/groups/{groupId}', 'deleteProject', '2023-01-01', deleteProject),
  route('GET', '/groups/{groupId}/clusters', 'listClusters', '2024-08-05', listClusters),
  route('POST', '/groups/{groupId}/clusters', 'createCluster', '2024-10-23', createCluster),
  route('GET', '/groups/{groupId}/clusters/{clusterName}', 'getCluster', '2024-08-05', getCluster),
  route(
    'PATCH',
    '/groups/{groupId}/clusters/{clusterName}',
    'updateCluster',
    '2024-10-23',
    updateCluster,
  ),
  route(
    'DELETE',
    '/groups/{groupId}/clusters/{clusterName}',
    'deleteCluster',
    '2023-02-01',
    deleteCluster,
  ),
  route(
    'GET',
    '/groups/{groupId}/clusters/{clusterName}/status',
    'getClusterStatus',
    '2023-01-01',
    getClusterStatus,
  ),
  route(
    'GET',
    '/groups/{groupId}/flexClusters',
    'listFlexClusters',
    '2024-11-13',
    listFlexClusters,
  ),
  route(
    'POST',
    '/groups/{groupId}/flexClusters',
    'createFlexCluster',
    '2024-11-13',
    createFlexCluster,
  ),
  route(
    'GET',
    '/groups/{groupId}/flexClusters/{name}',
    'getFlexCluster',
    '2024-11-13',
    getFlexCluster,
  ),
  route(
    'PATCH',
    '/groups/{groupId}/flexClusters/{name}',
    'updateFlexCluster',
    '2024-11-13',
    updateFlexCluster,
  ),
  route(
    'DELETE',
    '/groups/{groupId}/flexClusters/{name}',
    'deleteFlexCluster',
    '2024-11-13',
    deleteFlexCluster,
  ),
  route(
    'GET',
    '/groups/{groupId}/accessList',
    'listProjectIpAccessLists',
    '2023-01-01',
    listProjectIpAccessLists,
  ),
  route(
    'POST',
    '/groups/{groupId}/accessList',
    'createProjectIpAccessList',
    '2023-01-01',
    createProjectIpAccessList,
  ),
  route(
    'GET',
    '/groups/{groupId}/accessList/{entryValue}',
    'getProjectIpList',
    '2023-01-01',
    getProjectIpList,
  ),
  route(
    'DELETE',
    '/groups/{groupId}/accessList/{entryValue}',
    'deleteProjectIpAccessList',
    '2023-01-01',
    deleteProjectIpAccessList,
  ),
  route(
    'GET',
    '/groups/{groupId}/accessList/{entryValue}/status',
    'getProjectIpAccessListStatus',
    '2023-01-01',
    getProjectIpAccessListStatus,
  ),
  route(
    'GET',
    '/groups/{groupId}/databaseUsers',
    'listDatabaseUsers',
    '2023-01-01',
    listDatabaseUsers,
  ),
  route(
    'POST',
    '/groups/{groupId}/databaseUsers',
    'createDatabaseUser',
    '2023-01-01',
    createDatabaseUser,
  ),
  route(
    'GET',
    '/groups/{groupId}/databaseUsers/{databaseName}/{username}',
    'getDatabaseUser',
    '2023-01-01',
    getDatabaseUser,
  ),
  route(
    'PATCH',
    '/groups/{groupId}/databaseUsers/{databaseName}/{username}',
    'updateDatabaseUser',
    '2023-01-01',
    updateDatabaseUser,
  ),
  route(
    'DELETE',
    '/groups/{groupId}/databaseUsers/{databaseName}/{username}',
    'deleteDatabaseUser',
    '2023-01-01',
    deleteDatabaseUser,
  ),
];

const objectIdPattern = /^[a-f0-9]{24}$/;

/**
 * Finds the route for a request path split on `/` (still encoded) and decodes its parameters.
 * Literal segments win over parameters, so `/groups/byName/x` is never read as a group id.
 */
export function matchRoute(
  method: string,
  rawSegments: readonly string[],
): { route: Route; params: Record<string, string> } | { pathExists: boolean } | undefined {
  let pathExists = false;
  const candidates = routes
    .map((candidate) => ({ candidate, parts: candidate.template.split('/').slice(1) }))
    .filter(({ parts }) => parts.length === rawSegments.length)
    .sort(
      (left, right) =>
        right.parts.filter((part) => !part.startsWith('{')).length -
        left.parts.filter((part) => !part.startsWith('{')).length,
    );

  for (const { candidate, parts } of candidates) {
    const params: Record<string, string> = {};
    const fits = parts.every((part, index) => {
      const raw = rawSegments[index]!;
      if (!part.startsWith('{')) return part === raw;
      let value: string;
      try {
        value = decodeURIComponent(raw);
      } catch {
        return false;
      }
      const name = part.slice(1, -1);
      if ((name === 'groupId' || name === 'orgId') && !objectIdPattern.test(value)) return false;
      params[name] = value;
      return value !== '';
    });
    if (!fits) continue;
    pathExists = true;
    if (candidate.method === method) return { route: candidate, params };
  }
  return pathExists ? { pathExists } : undefined;
}
