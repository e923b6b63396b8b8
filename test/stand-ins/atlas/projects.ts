// Organisations, projects (Atlas "groups") and pending invoices.
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
import { nextObjectId, type StoredProject } from './state.ts';

// Group.name in the Atlas specification: 1 to 64 letters, numbers and `-_.(),:&@+'`.
const projectNamePattern = /^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u;

export function groupNotFound(groupId: string): AtlasApiError {
  return new AtlasApiError(404, 'GROUP_NOT_FOUND', `No group with ID ${groupId} exists.`, [
    groupId,
  ]);
}

/** The project, or Atlas's 404 when there is none with that id. */
export function findProject(context: StandInContext, groupId: string): StoredProject {
  const project = context.data.projects.find((candidate) => candidate.id === groupId);
  if (project === undefined) throw groupNotFound(groupId);
  return project;
}

function projectView(context: StandInContext, project: StoredProject) {
  const clusterCount = context.data.clusters.filter(
    (cluster) => cluster.groupId === project.id,
  ).length;
  return {
    clusterCount,
    created: project.created,
    id: project.id,
    links: selfLinks(`${context.baseUrl}/api/atlas/v2/groups/${project.id}`),
    name: project.name,
    orgId: project.orgId,
    regionUsageRestrictions: project.regionUsageRestrictions ?? 'COMMERCIAL_FEDRAMP_REGIONS_ONLY',
    tags: project.tags,
  };
}

function requireOrg(context: StandInContext, orgId: string) {
  const org = context.data.orgs.find((candidate) => candidate.id === orgId);
  if (org === undefined) {
    throw new AtlasApiError(404, 'ORG_NOT_FOUND', `No organization with ID ${orgId} exists.`, [
      orgId,
    ]);
  }
  return org;
}

export function getOrganization(context: StandInContext, request: RouteRequest): RouteResponse {
  const org = requireOrg(context, request.params.orgId!);
  return {
    status: 200,
    body: { id: org.id, isDeleted: false, links: selfLinks(request.selfUrl), name: org.name },
  };
}

export function listOrganizationProjects(
  context: StandInContext,
  request: RouteRequest,
): RouteResponse {
  const orgId = request.params.orgId!;
  requireOrg(context, orgId);
  const prefix = request.query.get('name')?.toLowerCase();
  const projects = context.data.projects
    .filter((project) => project.orgId === orgId)
    .filter((project) => prefix === undefined || project.name.toLowerCase().startsWith(prefix))
    .map((project) => projectView(context, project));
  return { status: 200, body: paginate(projects, request) };
}

export function listProjects(context: StandInContext, request: RouteRequest): RouteResponse {
  const projects = context.data.projects.map((project) => projectView(context, project));
  return { status: 200, body: paginate(projects, request) };
}

export function getProject(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  if (context.consumeHiddenRead(`project:${groupId}`)) throw groupNotFound(groupId);
  return { status: 200, body: projectView(context, findProject(context, groupId)) };
}

export function getProjectByName(context: StandInContext, request: RouteRequest): RouteResponse {
  const name = request.params.groupName!;
  const project = context.data.projects.find((candidate) => candidate.name === name);
  if (project === undefined || context.consumeHiddenRead(`project:${project.id}`)) {
    throw new AtlasApiError(404, 'GROUP_NAME_NOT_FOUND', `No group with name "${name}" exists.`, [
      name,
    ]);
  }
  return { status: 200, body: projectView(context, project) };
}

export function createProject(context: StandInContext, request: RouteRequest): RouteResponse {
  const body = requireObject(request.body);
  const { name, orgId } = body;
  if (name === undefined) throw missingAttribute('name');
  if (orgId === undefined) throw missingAttribute('orgId');
  if (typeof name !== 'string' || !projectNamePattern.test(name)) throw invalidAttribute('name');
  if (typeof orgId !== 'string') throw invalidAttribute('orgId');
  requireOrg(context, orgId);
  const tags = validateTags(body.tags);
  if (context.data.projects.some((project) => project.orgId === orgId && project.name === name)) {
    throw new AtlasApiError(
      409,
      'GROUP_ALREADY_EXISTS',
      `A group with name "${name}" already exists.`,
      [name],
    );
  }

  const project: StoredProject = {
    id: nextObjectId(context.data),
    name,
    orgId,
    created: isoTime(context.now()),
    tags,
  };
  context.data.projects.push(project);
  context.hideFromReads(`project:${project.id}`);
  return { status: 200, body: projectView(context, project) };
}

export function updateProject(context: StandInContext, request: RouteRequest): RouteResponse {
  const project = findProject(context, request.params.groupId!);
  const body = requireObject(request.body);
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || !projectNamePattern.test(body.name)) {
      throw invalidAttribute('name');
    }
    project.name = body.name;
  }
  if (body.tags !== undefined) project.tags = validateTags(body.tags);
  return { status: 200, body: projectView(context, project) };
}

export function deleteProject(context: StandInContext, request: RouteRequest): RouteResponse {
  const project = findProject(context, request.params.groupId!);
  if (context.data.clusters.some((cluster) => cluster.groupId === project.id)) {
    throw new AtlasApiError(
      409,
      'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS',
      'There are active clusters in this project. Terminate them before deleting the project.',
    );
  }
  const data = context.data;
  data.projects = data.projects.filter((candidate) => candidate.id !== project.id);
  data.accessList = data.accessList.filter((entry) => entry.groupId !== project.id);
  data.databaseUsers = data.databaseUsers.filter((user) => user.groupId !== project.id);
  return { status: 204 };
}

export function listPendingInvoices(context: StandInContext, request: RouteRequest): RouteResponse {
  const orgId = request.params.orgId!;
  requireOrg(context, orgId);
  const invoices = context.data.invoices
    .filter((invoice) => invoice.orgId === orgId && invoice.statusName === 'PENDING')
    .map((invoice) => ({
      ...invoice,
      links: selfLinks(`${context.baseUrl}/api/atlas/v2/orgs/${orgId}/invoices/${invoice.id}`),
    }));
  return { status: 200, body: paginate(invoices, request) };
}
