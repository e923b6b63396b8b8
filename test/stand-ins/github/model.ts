// The in-memory repositories behind the GitHub stand-in, and the JSON shapes GitHub's REST API
// returns for them. Field names follow the REST API (version 2022-11-28). Fields the glue never
// reads are kept where they help a reader recognise the payload, and the rest are left out.

/** The account that owns every issue and comment the stand-in creates over HTTP. */
export interface Account {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot' | 'Organization';
}

export const actionsBot: Account = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export interface Label {
  readonly id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface IssueComment {
  readonly id: number;
  readonly issueNumber: number;
  body: string;
  readonly user: Account;
  readonly createdAt: string;
  updatedAt: string;
}

export interface PullRequestRefs {
  /** Branch name, such as `dev`. */
  readonly headRef: string;
  readonly headSha: string;
  /** `owner/name` of the repository the head branch lives in; differs from the base for forks. */
  readonly headRepository: string;
  readonly baseRef: string;
}

export interface Issue {
  readonly id: number;
  readonly number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  labels: Label[];
  readonly user: Account;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when the issue is a pull request: GitHub serves both from the issues endpoints. */
  readonly pull?: PullRequestRefs;
}

export interface Variable {
  name: string;
  value: string;
  readonly createdAt: string;
  updatedAt: string;
}

/** One repository's state. Numbers and ids are sequential, so tests see the same ids every run. */
export interface Repository {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly issues: Map<number, Issue>;
  readonly comments: Map<number, IssueComment>;
  readonly labels: Map<string, Label>;
  readonly variables: Map<string, Variable>;
  /** Environment variables by environment name, then variable name. */
  readonly environmentVariables: Map<string, Map<string, Variable>>;
  nextNumber: number;
}

/** URLs the JSON payloads point at: the stand-in's API and a web host for `html_url`. */
export interface Links {
  readonly apiUrl: string;
  readonly serverUrl: string;
}

export function fullName(repository: Repository): string {
  return `${repository.owner}/${repository.name}`;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(String(id)).toString('base64url')}`;
}

export function accountJson(account: Account, links: Links): Record<string, unknown> {
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId('U', account.id),
    type: account.type,
    url: `${links.apiUrl}/users/${encodeURIComponent(account.login)}`,
    html_url: `${links.serverUrl}/${encodeURIComponent(account.login)}`,
    site_admin: false,
  };
}

export function labelJson(
  repository: Repository,
  label: Label,
  links: Links,
): Record<string, unknown> {
  return {
    id: label.id,
    node_id: nodeId('LA', label.id),
    url: `${links.apiUrl}/repos/${fullName(repository)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function issueJson(
  repository: Repository,
  issue: Issue,
  links: Links,
): Record<string, unknown> {
  const apiBase = `${links.apiUrl}/repos/${fullName(repository)}`;
  const kind = issue.pull ? 'pull' : 'issues';
  const commentCount = [...repository.comments.values()].filter(
    (comment) => comment.issueNumber === issue.number,
  ).length;
  return {
    url: `${apiBase}/issues/${issue.number}`,
    repository_url: apiBase,
    labels_url: `${apiBase}/issues/${issue.number}/labels{/name}`,
    comments_url: `${apiBase}/issues/${issue.number}/comments`,
    events_url: `${apiBase}/issues/${issue.number}/events`,
    html_url: `${links.serverUrl}/${fullName(repository)}/${kind}/${issue.number}`,
    id: issue.id,
    node_id: nodeId(issue.pull ? 'PR' : 'I', issue.id),
    number: issue.number,
    title: issue.title,
    user: accountJson(issue.user, links),
    labels: issue.labels.map((label) => labelJson(repository, label, links)),
    state: issue.state,
    state_reason: issue.stateReason,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: commentCount,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: issue.user.type === 'Bot' ? 'NONE' : 'OWNER',
    body: issue.body,
    ...(issue.pull
      ? {
          pull_request: {
            url: `${apiBase}/pulls/${issue.number}`,
            html_url: `${links.serverUrl}/${fullName(repository)}/pull/${issue.number}`,
            diff_url: `${links.serverUrl}/${fullName(repository)}/pull/${issue.number}.diff`,
            patch_url: `${links.serverUrl}/${fullName(repository)}/pull/${issue.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export function commentJson(
  repository: Repository,
  comment: IssueComment,
  links: Links,
): Record<string, unknown> {
  const apiBase = `${links.apiUrl}/repos/${fullName(repository)}`;
  const issue = repository.issues.get(comment.issueNumber);
  const kind = issue?.pull ? 'pull' : 'issues';
  return {
    url: `${apiBase}/issues/comments/${comment.id}`,
    html_url: `${links.serverUrl}/${fullName(repository)}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${apiBase}/issues/${comment.issueNumber}`,
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    user: accountJson(comment.user, links),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.user.type === 'Bot' ? 'NONE' : 'OWNER',
    body: comment.body,
  };
}

function branchJson(
  repositories: ReadonlyMap<string, Repository>,
  repositoryName: string,
  ref: string,
  sha: string,
  links: Links,
): Record<string, unknown> {
  const repository = repositories.get(repositoryName.toLowerCase());
  const [owner = '', name = ''] = repositoryName.split('/');
  return {
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: { login: owner },
    repo: {
      id: repository?.id ?? null,
      name,
      full_name: repositoryName,
      owner: { login: owner },
      // A head repository the stand-in does not host is a fork of the base.
      fork: repository === undefined,
      url: `${links.apiUrl}/repos/${repositoryName}`,
    },
  };
}

export function pullJson(
  repositories: ReadonlyMap<string, Repository>,
  repository: Repository,
  issue: Issue & { pull: PullRequestRefs },
  links: Links,
): Record<string, unknown> {
  const apiBase = `${links.apiUrl}/repos/${fullName(repository)}`;
  const htmlUrl = `${links.serverUrl}/${fullName(repository)}/pull/${issue.number}`;
  return {
    url: `${apiBase}/pulls/${issue.number}`,
    id: issue.id,
    node_id: nodeId('PR', issue.id),
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: `${apiBase}/issues/${issue.number}`,
    commits_url: `${apiBase}/pulls/${issue.number}/commits`,
    review_comments_url: `${apiBase}/pulls/${issue.number}/comments`,
    review_comment_url: `${apiBase}/pulls/comments{/number}`,
    comments_url: `${apiBase}/issues/${issue.number}/comments`,
    statuses_url: `${apiBase}/statuses/${issue.pull.headSha}`,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: accountJson(issue.user, links),
    body: issue.body,
    labels: issue.labels.map((label) => labelJson(repository, label, links)),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    author_association: 'OWNER',
    auto_merge: null,
    _links: {
      self: { href: `${apiBase}/pulls/${issue.number}` },
      html: { href: htmlUrl },
      issue: { href: `${apiBase}/issues/${issue.number}` },
      comments: { href: `${apiBase}/issues/${issue.number}/comments` },
    },
    draft: false,
    head: branchJson(
      repositories,
      issue.pull.headRepository,
      issue.pull.headRef,
      issue.pull.headSha,
      links,
    ),
    base: branchJson(repositories, fullName(repository), issue.pull.baseRef, '', links),
  };
}

export function variableJson(variable: Variable): Record<string, unknown> {
  return {
    name: variable.name,
    value: variable.value,
    created_at: variable.createdAt,
    updated_at: variable.updatedAt,
  };
}
