// Atlas Administration API v2 versions each operation separately: a request names the resource
// version it was written for in `Accept` (and `Content-Type` when it has a body) as
// `application/vnd.atlas.YYYY-MM-DD+json`. The dates below are the current version of each
// operation in the Atlas Administration API v2 specification of 2025-03-12.

/** Operation ids as the Atlas specification spells them, with the resource version each uses. */
export const operationVersions = {
  listProjects: '2023-01-01',
  createProject: '2023-01-01',
  getProject: '2023-01-01',
  getProjectByName: '2023-01-01',
  updateProject: '2023-01-01',
  deleteProject: '2023-01-01',
  listOrganizationProjects: '2023-01-01',
  listClusters: '2024-08-05',
  getCluster: '2024-08-05',
  createCluster: '2024-10-23',
  updateCluster: '2024-10-23',
  deleteCluster: '2023-02-01',
  listFlexClusters: '2024-11-13',
  getFlexCluster: '2024-11-13',
  createFlexCluster: '2024-11-13',
  updateFlexCluster: '2024-11-13',
  deleteFlexCluster: '2024-11-13',
  listProjectIpAccessLists: '2023-01-01',
  getProjectIpList: '2023-01-01',
  createProjectIpAccessList: '2023-01-01',
  deleteProjectIpAccessList: '2023-01-01',
  listDatabaseUsers: '2023-01-01',
  getDatabaseUser: '2023-01-01',
  createDatabaseUser: '2023-01-01',
  updateDatabaseUser: '2023-01-01',
  deleteDatabaseUser: '2023-01-01',
  listPendingInvoices: '2023-01-01',
} as const;

export type AtlasOperation = keyof typeof operationVersions;

/** The dated media type of `operation`, such as `application/vnd.atlas.2024-10-23+json`. */
export function mediaTypeOf(operation: AtlasOperation): string {
  return `application/vnd.atlas.${operationVersions[operation]}+json`;
}
