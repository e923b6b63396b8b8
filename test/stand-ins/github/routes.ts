// The REST endpoints the runner glue uses: issues, issue comments, labels, pull request lookup
// and repository and environment variables. Each behaves as GitHub documents it, including the
// 65,536-character body limit, label filters that match all listed labels, and `Link` pagination.
import type { Account, Issue, IssueComment, Label, Links, Repository, Variable } from './model.ts';
import { commentJson, issueJson, labelJson, pullJson, variableJson } from './model.ts';
import type { RouteRequest, RouteResponse } from './http.ts';
import {
  HttpError,
  Router,
  characterCount,
  paginate,
  stringField,
  validationFailed,
} from './http.ts';

/** GitHub's limit on issue and comment bodies, in characters. */
export const maxBodyCharacters = 65_536;

/** The state and clock the routes work on. */
export interface Store {
  readonly repositories: Map<string, Repository>;
  readonly links: Links;
  /** The account that resources created over HTTP belong to. */
  readonly actor: Account;
  now(): string;
  nextId(kind: 'issue' | 'comment' | 'label'): number;
}

function repositoryOf(store: Store, request: RouteRequest): Repository {
  const key = `${request.params.owner ?? ''}/${request.params.repo ?? ''}`.toLowerCase();
  const repository = store.repositories.get(key);
  if (!repository) throw new HttpError(404, 'Not Found');
  return repository;
}

function issueOf(repository: Repository, rawNumber: string | undefined): Issue {
  const issue = repository.issues.get(Number(rawNumber));
  if (!issue) throw new HttpError(404, 'Not Found');
  return issue;
}

function commentOf(repository: Repository, rawId: string | undefined): IssueComment {
  const comment = repository.comments.get(Number(rawId));
  if (!comment) throw new HttpError(404, 'Not Found');
  return comment;
}

function checkBodyLength(body: string, resource: string): void {
  if (characterCount(body) > maxBodyCharacters) {
    throw validationFailed(
      resource,
      'body',
      'custom',
      `body is too long (maximum is ${maxBodyCharacters} characters)`,
    );
  }
}

/** Finds a label by name, case-insensitively as GitHub does, or creates it with the default colour. */
function ensureLabel(store: Store, repository: Repository, name: string): Label {
  const existing = repository.labels.get(name.toLowerCase());
  if (existing) return existing;
  const label: Label = { id: store.nextId('label'), name, color: 'ededed', description: null };
  repository.labels.set(name.toLowerCase(), label);
  return label;
}

function labelNames(body: unknown): string[] | undefined {
  const value = (body as Record<string, unknown> | null)?.labels;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new HttpError(
      422,
      `Invalid request.\n\nFor 'labels', ${JSON.stringify(value)} is not an array.`,
    );
  }
  return value.map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { name?: unknown }).name === 'string'
    ) {
      return (item as { name: string }).name;
    }
    throw new HttpError(
      422,
      `Invalid request.\n\nFor 'labels', ${JSON.stringify(item)} is not a label name.`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Issues

function listIssues(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const state = request.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) {
    throw new HttpError(422, `Invalid value for parameter state: ${JSON.stringify(state)}`);
  }
  const wanted = (request.query.get('labels') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const direction = request.query.get('direction') ?? 'desc';

  const matching = [...repository.issues.values()]
    .filter((issue) => state === 'all' || issue.state === state)
    .filter((issue) =>
      wanted.every((name) => issue.labels.some((label) => label.name.toLowerCase() === name)),
    )
    .sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
  const { page, headers } = paginate(matching, request, store.links.apiUrl);
  return {
    status: 200,
    body: page.map((issue) => issueJson(repository, issue, store.links)),
    headers,
  };
}

function createIssue(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const title = stringField(request.body, 'title', 'Issue', { required: true }) ?? '';
  if (title.trim() === '') throw validationFailed('Issue', 'title', 'missing_field');
  const body = stringField(request.body, 'body', 'Issue', { required: false }) ?? null;
  if (body !== null) checkBodyLength(body, 'Issue');
  const now = store.now();
  const issue: Issue = {
    id: store.nextId('issue'),
    number: repository.nextNumber++,
    title,
    body,
    state: 'open',
    stateReason: null,
    // GitHub creates labels that do not exist yet when the caller may push to the repository.
    labels: (labelNames(request.body) ?? []).map((name) => ensureLabel(store, repository, name)),
    user: store.actor,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  repository.issues.set(issue.number, issue);
  return { status: 201, body: issueJson(repository, issue, store.links) };
}

function updateIssue(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const issue = issueOf(repository, request.params.number);
  const title = stringField(request.body, 'title', 'Issue', { required: false });
  const body = stringField(request.body, 'body', 'Issue', { required: false });
  const state = stringField(request.body, 'state', 'Issue', { required: false });
  const stateReason = stringField(request.body, 'state_reason', 'Issue', { required: false });
  const labels = labelNames(request.body);

  if (state !== undefined && state !== 'open' && state !== 'closed') {
    throw validationFailed('Issue', 'state', 'invalid');
  }
  if (
    stateReason !== undefined &&
    !['completed', 'not_planned', 'reopened', 'duplicate'].includes(stateReason)
  ) {
    throw validationFailed('Issue', 'state_reason', 'invalid');
  }
  if (body !== undefined) checkBodyLength(body, 'Issue');

  const now = store.now();
  if (title !== undefined) issue.title = title;
  if (body !== undefined) issue.body = body;
  if (labels !== undefined)
    issue.labels = labels.map((name) => ensureLabel(store, repository, name));
  if (state === 'closed' && issue.state === 'open') {
    issue.state = 'closed';
    issue.closedAt = now;
    issue.stateReason = (stateReason as Issue['stateReason'] | undefined) ?? 'completed';
  } else if (state === 'open' && issue.state === 'closed') {
    issue.state = 'open';
    issue.closedAt = null;
    issue.stateReason = 'reopened';
  } else if (stateReason !== undefined) {
    issue.stateReason = stateReason as Issue['stateReason'];
  }
  issue.updatedAt = now;
  return { status: 200, body: issueJson(repository, issue, store.links) };
}

// ---------------------------------------------------------------------------------------------
// Issue comments

function listComments(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const issue = issueOf(repository, request.params.number);
  const since = request.query.get('since');
  const comments = [...repository.comments.values()]
    .filter((comment) => comment.issueNumber === issue.number)
    .filter((comment) => since === null || comment.updatedAt >= since)
    .sort((a, b) => a.id - b.id);
  const { page, headers } = paginate(comments, request, store.links.apiUrl);
  return {
    status: 200,
    body: page.map((comment) => commentJson(repository, comment, store.links)),
    headers,
  };
}

function createComment(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const issue = issueOf(repository, request.params.number);
  const body = stringField(request.body, 'body', 'IssueComment', { required: true }) ?? '';
  checkBodyLength(body, 'IssueComment');
  const now = store.now();
  const comment: IssueComment = {
    id: store.nextId('comment'),
    issueNumber: issue.number,
    body,
    user: store.actor,
    createdAt: now,
    updatedAt: now,
  };
  repository.comments.set(comment.id, comment);
  issue.updatedAt = now;
  return { status: 201, body: commentJson(repository, comment, store.links) };
}

function updateComment(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const comment = commentOf(repository, request.params.id);
  const body = stringField(request.body, 'body', 'IssueComment', { required: true }) ?? '';
  checkBodyLength(body, 'IssueComment');
  comment.body = body;
  comment.updatedAt = store.now();
  return { status: 200, body: commentJson(repository, comment, store.links) };
}

// ---------------------------------------------------------------------------------------------
// Labels

function createLabel(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const name = stringField(request.body, 'name', 'Label', { required: true }) ?? '';
  if (repository.labels.has(name.toLowerCase())) {
    throw validationFailed('Label', 'name', 'already_exists');
  }
  const color = stringField(request.body, 'color', 'Label', { required: false }) ?? 'ededed';
  if (!/^[0-9a-fA-F]{6}$/.test(color)) throw validationFailed('Label', 'color', 'invalid');
  const label: Label = {
    id: store.nextId('label'),
    name,
    color: color.toLowerCase(),
    description: stringField(request.body, 'description', 'Label', { required: false }) ?? null,
  };
  repository.labels.set(name.toLowerCase(), label);
  return { status: 201, body: labelJson(repository, label, store.links) };
}

function addLabels(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const issue = issueOf(repository, request.params.number);
  for (const name of labelNames(request.body) ?? []) {
    if (!issue.labels.some((label) => label.name.toLowerCase() === name.toLowerCase())) {
      issue.labels.push(ensureLabel(store, repository, name));
    }
  }
  issue.updatedAt = store.now();
  return {
    status: 200,
    body: issue.labels.map((label) => labelJson(repository, label, store.links)),
  };
}

// ---------------------------------------------------------------------------------------------
// Pull requests

type PullIssue = Issue & { pull: NonNullable<Issue['pull']> };

function pulls(repository: Repository): PullIssue[] {
  return [...repository.issues.values()].filter(
    (issue): issue is PullIssue => issue.pull !== undefined,
  );
}

function listPulls(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const state = request.query.get('state') ?? 'open';
  // `head` is `owner:branch`; GitHub ignores a value without the owner prefix.
  const head = request.query.get('head');
  const base = request.query.get('base');
  const matching = pulls(repository)
    .filter((issue) => state === 'all' || issue.state === state)
    .filter((issue) => {
      if (head === null || !head.includes(':')) return true;
      const [owner = '', branch = ''] = head.split(':');
      const headOwner = issue.pull.headRepository.split('/')[0] ?? '';
      return headOwner.toLowerCase() === owner.toLowerCase() && issue.pull.headRef === branch;
    })
    .filter((issue) => base === null || issue.pull.baseRef === base)
    .sort((a, b) => b.number - a.number);
  const { page, headers } = paginate(matching, request, store.links.apiUrl);
  return {
    status: 200,
    body: page.map((issue) => pullJson(store.repositories, repository, issue, store.links)),
    headers,
  };
}

function getPull(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const issue = issueOf(repository, request.params.number);
  if (!issue.pull) throw new HttpError(404, 'Not Found');
  return {
    status: 200,
    body: pullJson(store.repositories, repository, issue as PullIssue, store.links),
  };
}

function pullsForCommit(store: Store, request: RouteRequest): RouteResponse {
  const repository = repositoryOf(store, request);
  const sha = request.params.sha ?? '';
  const matching = pulls(repository)
    .filter((issue) => issue.pull.headSha === sha)
    .sort((a, b) => b.number - a.number);
  const { page, headers } = paginate(matching, request, store.links.apiUrl);
  return {
    status: 200,
    body: page.map((issue) => pullJson(store.repositories, repository, issue, store.links)),
    headers,
  };
}

// ---------------------------------------------------------------------------------------------
// Variables

/** GitHub stores variable names upper-case and rejects names outside `[A-Z0-9_]`. */
function variableName(raw: string): string {
  const name = raw.toUpperCase();
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || name.startsWith('GITHUB_')) {
    throw validationFailed('Variable', 'name', 'invalid');
  }
  return name;
}

function variableRoutes(
  router: Router,
  store: Store,
  prefix: string,
  variablesOf: (repository: Repository, request: RouteRequest) => Map<string, Variable>,
): void {
  router.add('GET', prefix, (request) => {
    const variables = variablesOf(repositoryOf(store, request), request);
    const sorted = [...variables.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { page, headers } = paginate(sorted, request, store.links.apiUrl);
    return {
      status: 200,
      body: { total_count: sorted.length, variables: page.map(variableJson) },
      headers,
    };
  });
  router.add('GET', `${prefix}/:name`, (request) => {
    const variables = variablesOf(repositoryOf(store, request), request);
    const variable = variables.get((request.params.name ?? '').toUpperCase());
    if (!variable) throw new HttpError(404, 'Not Found');
    return { status: 200, body: variableJson(variable) };
  });
  router.add('POST', prefix, (request) => {
    const variables = variablesOf(repositoryOf(store, request), request);
    const name = variableName(
      stringField(request.body, 'name', 'Variable', { required: true }) ?? '',
    );
    const value = stringField(request.body, 'value', 'Variable', { required: true }) ?? '';
    if (variables.has(name)) throw new HttpError(409, 'Already exists - Variable already exists');
    const now = store.now();
    variables.set(name, { name, value, createdAt: now, updatedAt: now });
    return { status: 201, body: {} };
  });
  router.add('PATCH', `${prefix}/:name`, (request) => {
    const variables = variablesOf(repositoryOf(store, request), request);
    const variable = variables.get((request.params.name ?? '').toUpperCase());
    if (!variable) throw new HttpError(404, 'Not Found');
    const value = stringField(request.body, 'value', 'Variable', { required: false });
    if (value !== undefined) variable.value = value;
    variable.updatedAt = store.now();
    return { status: 204 };
  });
  router.add('DELETE', `${prefix}/:name`, (request) => {
    const variables = variablesOf(repositoryOf(store, request), request);
    if (!variables.delete((request.params.name ?? '').toUpperCase())) {
      throw new HttpError(404, 'Not Found');
    }
    return { status: 204 };
  });
}

/** Builds the router for every REST endpoint the stand-in serves. */
export function createRestRouter(store: Store): Router {
  const router = new Router();
  const repo = '/repos/:owner/:repo';

  router.add('GET', repo, (request) => {
    const repository = repositoryOf(store, request);
    return {
      status: 200,
      body: {
        id: repository.id,
        name: repository.name,
        full_name: `${repository.owner}/${repository.name}`,
        owner: { login: repository.owner },
        fork: false,
        url: `${store.links.apiUrl}${request.path}`,
      },
    };
  });

  router.add('GET', `${repo}/issues`, (request) => listIssues(store, request));
  router.add('POST', `${repo}/issues`, (request) => createIssue(store, request));
  router.add('GET', `${repo}/issues/:number`, (request) => {
    const repository = repositoryOf(store, request);
    return {
      status: 200,
      body: issueJson(repository, issueOf(repository, request.params.number), store.links),
    };
  });
  router.add('PATCH', `${repo}/issues/:number`, (request) => updateIssue(store, request));

  router.add('GET', `${repo}/issues/:number/comments`, (request) => listComments(store, request));
  router.add('POST', `${repo}/issues/:number/comments`, (request) => createComment(store, request));
  router.add('GET', `${repo}/issues/comments/:id`, (request) => {
    const repository = repositoryOf(store, request);
    return {
      status: 200,
      body: commentJson(repository, commentOf(repository, request.params.id), store.links),
    };
  });
  router.add('PATCH', `${repo}/issues/comments/:id`, (request) => updateComment(store, request));
  router.add('DELETE', `${repo}/issues/comments/:id`, (request) => {
    const repository = repositoryOf(store, request);
    repository.comments.delete(commentOf(repository, request.params.id).id);
    return { status: 204 };
  });

  router.add('GET', `${repo}/labels`, (request) => {
    const repository = repositoryOf(store, request);
    const labels = [...repository.labels.values()].sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(labels, request, store.links.apiUrl);
    return {
      status: 200,
      body: page.map((label) => labelJson(repository, label, store.links)),
      headers,
    };
  });
  router.add('GET', `${repo}/labels/:name`, (request) => {
    const repository = repositoryOf(store, request);
    const label = repository.labels.get((request.params.name ?? '').toLowerCase());
    if (!label) throw new HttpError(404, 'Not Found');
    return { status: 200, body: labelJson(repository, label, store.links) };
  });
  router.add('POST', `${repo}/labels`, (request) => createLabel(store, request));
  router.add('POST', `${repo}/issues/:number/labels`, (request) => addLabels(store, request));

  router.add('GET', `${repo}/pulls`, (request) => listPulls(store, request));
  router.add('GET', `${repo}/pulls/:number`, (request) => getPull(store, request));
  router.add('GET', `${repo}/commits/:sha/pulls`, (request) => pullsForCommit(store, request));

  variableRoutes(router, store, `${repo}/actions/variables`, (repository) => repository.variables);
  variableRoutes(
    router,
    store,
    `${repo}/environments/:environment/variables`,
    (repository, request) => {
      // GitHub keeps variables only in environments that exist; PUT .../environments/NAME makes one.
      const variables = repository.environmentVariables.get(request.params.environment ?? '');
      if (!variables) throw new HttpError(404, 'Not Found');
      return variables;
    },
  );
  router.add('PUT', `${repo}/environments/:environment`, (request) => {
    const repository = repositoryOf(store, request);
    const name = request.params.environment ?? '';
    if (!repository.environmentVariables.has(name)) {
      repository.environmentVariables.set(name, new Map());
    }
    return {
      status: 200,
      body: { name, url: `${store.links.apiUrl}${request.path}`, protection_rules: [] },
    };
  });

  return router;
}
