// Project IP access lists and database users.
import {
  AtlasApiError,
  invalidAttribute,
  missingAttribute,
  paginate,
  requireObject,
  selfLinks,
  validateTags,
  type RouteRequest,
  type RouteResponse,
  type StandInContext,
} from './context.ts';
import { findProject } from './projects.ts';
import type { StoredAccessListEntry, StoredDatabaseUser } from './state.ts';

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function validIpv4(address: string): boolean {
  const match = ipv4.exec(address);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

function validCidr(block: string): boolean {
  const [address, bits, extra] = block.split('/');
  return (
    extra === undefined &&
    address !== undefined &&
    validIpv4(address) &&
    bits !== undefined &&
    /^\d{1,2}$/.test(bits) &&
    Number(bits) <= 32
  );
}

function entryNotFound(groupId: string, entry: string): AtlasApiError {
  return new AtlasApiError(
    404,
    'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND',
    `IP Address ${entry} not on Atlas access list for group ${groupId}.`,
    [entry, groupId],
  );
}

function entryView(context: StandInContext, entry: StoredAccessListEntry) {
  return {
    cidrBlock: entry.cidrBlock,
    ...(entry.comment !== undefined && { comment: entry.comment }),
    ...(entry.deleteAfterDate !== undefined && { deleteAfterDate: entry.deleteAfterDate }),
    groupId: entry.groupId,
    ...(entry.ipAddress !== undefined && { ipAddress: entry.ipAddress }),
    links: selfLinks(
      `${context.baseUrl}/api/atlas/v2/groups/${entry.groupId}/accessList/${encodeURIComponent(entry.cidrBlock)}`,
    ),
  };
}

function entriesOf(context: StandInContext, groupId: string) {
  return context.data.accessList.filter((entry) => entry.groupId === groupId);
}

function findEntry(context: StandInContext, groupId: string, value: string) {
  findProject(context, groupId);
  const entry = entriesOf(context, groupId).find(
    (candidate) => candidate.cidrBlock === value || candidate.ipAddress === value,
  );
  if (entry === undefined) throw entryNotFound(groupId, value);
  return entry;
}

export function listProjectIpAccessLists(
  context: StandInContext,
  request: RouteRequest,
): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const entries = entriesOf(context, groupId).map((entry) => entryView(context, entry));
  return { status: 200, body: paginate(entries, request) };
}

export function getProjectIpList(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, entryValue } = request.params as { groupId: string; entryValue: string };
  if (context.consumeHiddenRead(`access:${groupId}:${entryValue}`)) {
    throw entryNotFound(groupId, entryValue);
  }
  return { status: 200, body: entryView(context, findEntry(context, groupId, entryValue)) };
}

export function getProjectIpAccessListStatus(
  context: StandInContext,
  request: RouteRequest,
): RouteResponse {
  const { groupId, entryValue } = request.params as { groupId: string; entryValue: string };
  findEntry(context, groupId, entryValue);
  return { status: 200, body: { STATUS: 'ACTIVE' } };
}

/** Adds or updates entries: Atlas treats a POST of an existing entry as a comment update. */
export function createProjectIpAccessList(
  context: StandInContext,
  request: RouteRequest,
): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  if (!Array.isArray(request.body) || request.body.length === 0) {
    throw new AtlasApiError(400, 'INVALID_JSON', 'Request body must be a non-empty JSON array.');
  }

  for (const [index, item] of (request.body as unknown[]).entries()) {
    const body = requireObject(item);
    const { cidrBlock, ipAddress, comment, deleteAfterDate } = body;
    if ((cidrBlock === undefined) === (ipAddress === undefined)) {
      throw new AtlasApiError(
        400,
        'INVALID_ATTRIBUTE',
        `Entry ${index} must set exactly one of cidrBlock and ipAddress.`,
      );
    }
    if (cidrBlock !== undefined && (typeof cidrBlock !== 'string' || !validCidr(cidrBlock))) {
      throw invalidAttribute('cidrBlock');
    }
    if (ipAddress !== undefined && (typeof ipAddress !== 'string' || !validIpv4(ipAddress))) {
      throw invalidAttribute('ipAddress');
    }
    if (comment !== undefined && (typeof comment !== 'string' || comment.length > 80)) {
      throw invalidAttribute('comment', 'The comment must be a string of at most 80 characters.');
    }

    const block = typeof cidrBlock === 'string' ? cidrBlock : `${String(ipAddress)}/32`;
    const existing = entriesOf(context, groupId).find((entry) => entry.cidrBlock === block);
    const stored: StoredAccessListEntry = existing ?? { groupId, cidrBlock: block };
    if (typeof ipAddress === 'string') stored.ipAddress = ipAddress;
    if (typeof comment === 'string') stored.comment = comment;
    if (typeof deleteAfterDate === 'string') stored.deleteAfterDate = deleteAfterDate;
    if (existing === undefined) {
      context.data.accessList.push(stored);
      context.hideFromReads(`access:${groupId}:${block}`);
    }
  }

  const entries = entriesOf(context, groupId).map((entry) => entryView(context, entry));
  return { status: 200, body: paginate(entries, request) };
}

export function deleteProjectIpAccessList(
  context: StandInContext,
  request: RouteRequest,
): RouteResponse {
  const { groupId, entryValue } = request.params as { groupId: string; entryValue: string };
  const entry = findEntry(context, groupId, entryValue);
  context.data.accessList = context.data.accessList.filter((candidate) => candidate !== entry);
  return { status: 204 };
}

// Amazon Resource Names that Atlas accepts for IAM database users, by awsIAMType.
const arnPatterns: Readonly<Record<string, RegExp>> = {
  USER: /^arn:aws:iam::\d{12}:user\/[\w+=,.@/-]+$/,
  ROLE: /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/,
};

function userNotFound(username: string): AtlasApiError {
  return new AtlasApiError(404, 'USERNAME_NOT_FOUND', `No user with username ${username} exists.`, [
    username,
  ]);
}

function userView(user: StoredDatabaseUser, selfUrl: string) {
  return {
    awsIAMType: user.awsIAMType,
    databaseName: user.databaseName,
    ...(user.deleteAfterDate !== undefined && { deleteAfterDate: user.deleteAfterDate }),
    groupId: user.groupId,
    labels: user.labels,
    ldapAuthType: user.ldapAuthType,
    links: selfLinks(selfUrl),
    oidcAuthType: user.oidcAuthType,
    roles: user.roles,
    scopes: user.scopes,
    username: user.username,
    x509Type: user.x509Type,
  };
}

function userUrl(context: StandInContext, user: StoredDatabaseUser): string {
  return (
    `${context.baseUrl}/api/atlas/v2/groups/${user.groupId}/databaseUsers/` +
    `${encodeURIComponent(user.databaseName)}/${encodeURIComponent(user.username)}`
  );
}

function validateRoles(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidAttribute('roles', 'A database user needs at least one role.');
  }
  return value.map((item: unknown, index) => {
    const role = requireObject(item);
    if (typeof role.roleName !== 'string' || typeof role.databaseName !== 'string') {
      throw invalidAttribute(`roles[${index}]`);
    }
    if (role.collectionName !== undefined && typeof role.collectionName !== 'string') {
      throw invalidAttribute(`roles[${index}].collectionName`);
    }
    return role;
  });
}

function validateScopes(value: unknown): Record<string, unknown>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidAttribute('scopes');
  return value.map((item: unknown, index) => {
    const scope = requireObject(item);
    if (
      typeof scope.name !== 'string' ||
      !['CLUSTER', 'DATA_LAKE', 'STREAM'].includes(String(scope.type))
    ) {
      throw invalidAttribute(`scopes[${index}]`);
    }
    return { name: scope.name, type: scope.type };
  });
}

function findUser(
  context: StandInContext,
  groupId: string,
  databaseName: string,
  username: string,
) {
  findProject(context, groupId);
  const user = context.data.databaseUsers.find(
    (candidate) =>
      candidate.groupId === groupId &&
      candidate.databaseName === databaseName &&
      candidate.username === username,
  );
  if (user === undefined) throw userNotFound(username);
  return user;
}

export function listDatabaseUsers(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const users = context.data.databaseUsers
    .filter((user) => user.groupId === groupId)
    .map((user) => userView(user, userUrl(context, user)));
  return { status: 200, body: paginate(users, request) };
}

export function getDatabaseUser(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, databaseName, username } = request.params as Record<string, string>;
  if (context.consumeHiddenRead(`user:${groupId}:${databaseName}:${username}`)) {
    throw userNotFound(username!);
  }
  const user = findUser(context, groupId!, databaseName!, username!);
  return { status: 200, body: userView(user, userUrl(context, user)) };
}

export function createDatabaseUser(context: StandInContext, request: RouteRequest): RouteResponse {
  const groupId = request.params.groupId!;
  findProject(context, groupId);
  const body = requireObject(request.body);
  if (body.groupId === undefined) throw missingAttribute('groupId');
  if (body.groupId !== groupId) throw invalidAttribute('groupId');
  const { username, databaseName } = body;
  if (username === undefined) throw missingAttribute('username');
  if (databaseName === undefined) throw missingAttribute('databaseName');
  if (typeof databaseName !== 'string' || databaseName === '') {
    throw invalidAttribute('databaseName');
  }
  if (typeof username !== 'string' || username === '' || username.length > 1024) {
    throw invalidAttribute('username');
  }
  const awsIAMType = typeof body.awsIAMType === 'string' ? body.awsIAMType : 'NONE';
  const pattern = arnPatterns[awsIAMType];
  if (awsIAMType !== 'NONE' && pattern === undefined) throw invalidAttribute('awsIAMType');
  if (pattern !== undefined) {
    if (databaseName !== '$external') {
      throw invalidAttribute('databaseName', 'AWS IAM users must use the $external database.');
    }
    if (!pattern.test(username)) {
      throw new AtlasApiError(
        400,
        'ATLAS_INVALID_USERNAME',
        `The specified username ${username} is not valid for an Atlas database user.`,
        [username],
      );
    }
  } else if (typeof body.password !== 'string') {
    throw invalidAttribute('password');
  }

  const database = databaseName;
  const duplicate = context.data.databaseUsers.some(
    (user) =>
      user.groupId === groupId && user.databaseName === database && user.username === username,
  );
  if (duplicate) {
    throw new AtlasApiError(409, 'USER_ALREADY_EXISTS', 'The specified user already exists.', [
      username,
    ]);
  }

  const user: StoredDatabaseUser = {
    groupId,
    username,
    databaseName: database,
    awsIAMType,
    ldapAuthType: 'NONE',
    oidcAuthType: 'NONE',
    x509Type: 'NONE',
    roles: validateRoles(body.roles),
    scopes: validateScopes(body.scopes),
    labels: validateTags(body.labels, 'labels'),
  };
  context.data.databaseUsers.push(user);
  context.hideFromReads(`user:${groupId}:${database}:${username}`);
  return { status: 201, body: userView(user, userUrl(context, user)) };
}

export function updateDatabaseUser(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, databaseName, username } = request.params as Record<string, string>;
  const user = findUser(context, groupId!, databaseName!, username!);
  const body = requireObject(request.body);
  if (body.username !== undefined && body.username !== user.username) {
    throw invalidAttribute('username');
  }
  if (body.awsIAMType !== undefined && body.awsIAMType !== user.awsIAMType) {
    throw invalidAttribute('awsIAMType');
  }
  if (body.roles !== undefined) user.roles = validateRoles(body.roles);
  if (body.scopes !== undefined) user.scopes = validateScopes(body.scopes);
  if (body.labels !== undefined) user.labels = validateTags(body.labels, 'labels');
  return { status: 200, body: userView(user, userUrl(context, user)) };
}

export function deleteDatabaseUser(context: StandInContext, request: RouteRequest): RouteResponse {
  const { groupId, databaseName, username } = request.params as Record<string, string>;
  const user = findUser(context, groupId!, databaseName!, username!);
  context.data.databaseUsers = context.data.databaseUsers.filter((candidate) => candidate !== user);
  return { status: 204 };
}
