// Cross-field rules of the `atlas:` section and the resources it declares.
import type { ConfigProblem, DesiredResource, SpecValue } from '../../engine/provider.ts';
import { commentMarkerText } from './marker.ts';
import { isReference, type AtlasSection } from './schema.ts';

export const kinds = {
  project: 'atlas:Project',
  cluster: 'atlas:Cluster',
  accessListEntry: 'atlas:AccessListEntry',
  databaseUser: 'atlas:DatabaseUser',
} as const;

/**
 * Maximum length of an environment name that the access list comment budget allows for. The check runs before the
 * environment is known, and Atlas caps comments at 80 characters including the marker.
 */
export const maxEnvironmentLength = 12;

const projectReference = /^\$\{atlas\.projects\.([^.}]+)\.id\}$/;
const awsReference = /^\$\{aws\.(roles|users)\.[^.}]+\.arn\}$/;
const arnPatterns = {
  USER: /^arn:aws:iam::\d{12}:user\/[\w+=,.@/-]+$/,
  ROLE: /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/,
} as const;

type Problems = ConfigProblem[];

type ProjectScoped = [collection: string, name: string, item: { projectId: string }];

function projectScopedItems(section: AtlasSection): ProjectScoped[] {
  const entriesOf = (collection: string, items: Record<string, { projectId: string }> = {}) =>
    Object.entries(items).map(([name, item]): ProjectScoped => [collection, name, item]);
  return [
    ...entriesOf('clusters', section.clusters),
    ...entriesOf('accessList', section.accessList),
    ...entriesOf('databaseUsers', section.databaseUsers),
  ];
}

function checkProjectIds(section: AtlasSection, problems: Problems): void {
  const declared = new Set(Object.keys(section.projects ?? {}));
  for (const [collection, name, item] of projectScopedItems(section)) {
    if (!isReference(item.projectId)) continue;
    const match = projectReference.exec(item.projectId);
    if (match !== null && declared.has(match[1]!)) continue;
    problems.push({
      path: [collection, name, 'projectId'],
      rule: 'atlas.project-reference',
      message:
        `projectId must reference a project of this section, such as ` +
        `\${atlas.projects.${[...declared][0] ?? 'dev'}.id}, or be a 24-hex-digit id ` +
        `(got "${item.projectId}")`,
    });
  }
}

function checkUnique(
  section: AtlasSection,
  problems: Problems,
  collection: 'projects' | 'clusters' | 'accessList' | 'databaseUsers',
  identify: (item: never) => string,
  rule: string,
  what: string,
): void {
  const seen = new Map<string, string>();
  for (const [name, item] of Object.entries(section[collection] ?? {})) {
    const identity = identify(item as never);
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, name);
      continue;
    }
    problems.push({
      path: [collection, name],
      rule,
      message: `${what} is already declared by ${collection}.${first}; declare each one once`,
    });
  }
}

function checkOneFreeClusterPerProject(section: AtlasSection, problems: Problems): void {
  const first = new Map<string, string>();
  for (const [name, cluster] of Object.entries(section.clusters ?? {})) {
    if (cluster.providerName !== 'TENANT') continue;
    const owner = first.get(cluster.projectId);
    if (owner === undefined) {
      first.set(cluster.projectId, name);
      continue;
    }
    problems.push({
      path: ['clusters', name, 'instanceSizeName'],
      rule: 'atlas.one-m0-per-project',
      message:
        `Atlas allows one M0 cluster per project and clusters.${owner} already is one in ` +
        `${cluster.projectId}; use another project or a FLEX or dedicated cluster`,
    });
  }
}

function checkAccessListComments(section: AtlasSection, problems: Problems): void {
  for (const [name, entry] of Object.entries(section.accessList ?? {})) {
    const marker = commentMarkerText('x'.repeat(maxEnvironmentLength), name);
    const budget = 80 - marker.length - 1;
    if (entry.comment !== undefined && entry.comment.length > budget) {
      problems.push({
        path: ['accessList', name, 'comment'],
        rule: 'atlas.access-list-comment-length',
        message:
          `comment has ${entry.comment.length} characters but at most ${budget} fit: Atlas keeps ` +
          `80 and the ownership marker ${commentMarkerText('<environment>', name)} needs the rest; ` +
          `shorten the comment or the key`,
      });
    }
  }
}

function checkDatabaseUsers(section: AtlasSection, problems: Problems): void {
  const clusterNames = Object.values(section.clusters ?? {}).map((cluster) => ({
    projectId: cluster.projectId,
    name: cluster.name,
  }));
  for (const [name, user] of Object.entries(section.databaseUsers ?? {})) {
    const reference = awsReference.exec(user.username);
    if (reference !== null) {
      const expected = reference[1] === 'roles' ? 'ROLE' : 'USER';
      if (user.awsIAMType !== expected) {
        problems.push({
          path: ['databaseUsers', name, 'awsIAMType'],
          rule: 'atlas.iam-username',
          message: `username references an IAM ${reference[1] === 'roles' ? 'role' : 'user'}, so awsIAMType must be ${expected} (got ${user.awsIAMType})`,
        });
      }
    } else if (!isReference(user.username) && !arnPatterns[user.awsIAMType].test(user.username)) {
      problems.push({
        path: ['databaseUsers', name, 'username'],
        rule: 'atlas.iam-username',
        message:
          `awsIAMType ${user.awsIAMType} needs the ARN of an IAM ${user.awsIAMType === 'USER' ? 'user' : 'role'}, ` +
          `such as arn:aws:iam::123456789012:${user.awsIAMType === 'USER' ? 'user' : 'role'}/name (got "${user.username}")`,
      });
    }

    for (const [index, scope] of (user.scopes ?? []).entries()) {
      if (scope.type !== 'CLUSTER') continue;
      const found = clusterNames.some(
        (cluster) => cluster.name === scope.name && cluster.projectId === user.projectId,
      );
      if (!found) {
        problems.push({
          path: ['databaseUsers', name, 'scopes', index, 'name'],
          rule: 'atlas.scope-cluster',
          message: `scope names cluster "${scope.name}", which no cluster of this section declares in ${user.projectId}; fix the name or declare the cluster`,
        });
      }
    }
  }
}

/** Rules the schema cannot express, reported together. */
export function checkAtlasSection(section: AtlasSection): ConfigProblem[] {
  const problems: Problems = [];
  checkProjectIds(section, problems);
  checkUnique(
    section,
    problems,
    'projects',
    (project: { name: string }) => project.name,
    'atlas.unique-project',
    'this project name',
  );
  checkUnique(
    section,
    problems,
    'clusters',
    (cluster: { projectId: string; name: string }) => `${cluster.projectId}/${cluster.name}`,
    'atlas.unique-cluster',
    'a cluster with this name in this project',
  );
  checkUnique(
    section,
    problems,
    'accessList',
    (entry: { projectId: string; cidrBlock?: string; ipAddress?: string }) =>
      `${entry.projectId}/${entry.cidrBlock ?? `${entry.ipAddress}/32`}`,
    'atlas.unique-access-list-entry',
    'this access list entry in this project',
  );
  checkUnique(
    section,
    problems,
    'databaseUsers',
    (user: { projectId: string; username: string }) => `${user.projectId}/${user.username}`,
    'atlas.unique-database-user',
    'this database user in this project',
  );
  checkOneFreeClusterPerProject(section, problems);
  checkAccessListComments(section, problems);
  checkDatabaseUsers(section, problems);
  return problems;
}

function toSpec(value: object): Record<string, SpecValue> {
  return value as Record<string, SpecValue>;
}

/** Lists the section's resources in config order: projects, clusters, access list, database users. */
export function atlasResources(section: AtlasSection): DesiredResource[] {
  const resources: DesiredResource[] = [];
  for (const [name, project] of Object.entries(section.projects ?? {})) {
    resources.push({
      address: `atlas.projects.${name}`,
      kind: kinds.project,
      name: project.name,
      spec: toSpec({ orgId: section.orgId, ...project }),
    });
  }
  for (const [name, cluster] of Object.entries(section.clusters ?? {})) {
    resources.push({
      address: `atlas.clusters.${name}`,
      kind: kinds.cluster,
      name: cluster.name,
      spec: toSpec(cluster),
    });
  }
  for (const [name, entry] of Object.entries(section.accessList ?? {})) {
    resources.push({
      address: `atlas.accessList.${name}`,
      kind: kinds.accessListEntry,
      name: entry.cidrBlock ?? entry.ipAddress ?? name,
      spec: toSpec(entry),
    });
  }
  for (const [name, user] of Object.entries(section.databaseUsers ?? {})) {
    resources.push({
      address: `atlas.databaseUsers.${name}`,
      kind: kinds.databaseUser,
      name: user.username,
      spec: toSpec(user),
    });
  }
  return resources;
}
