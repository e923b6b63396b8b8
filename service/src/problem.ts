// RFC 9457 problem details. Each kind of failure has a stable code; its `type` URI is
// `/problems/{code}`, relative to the service, and `GET /problems/{code}` describes it.

/** Problem codes, stable across releases: clients may branch on them. */
export type ProblemCode =
  | 'invalid-body'
  | 'invalid-query'
  | 'invalid-id'
  | 'invalid-cursor'
  | 'missing-token'
  | 'invalid-token'
  | 'not-author'
  | 'client-not-allowed'
  | 'not-found'
  | 'method-not-allowed'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'internal-error'
  | 'configuration-invalid'
  | 'database-unavailable'
  | 'identity-provider-unavailable';

/** Status, title and description of one problem type. */
export interface ProblemType {
  status: number;
  title: string;
  description: string;
}

export const problemTypes: Readonly<Record<ProblemCode, ProblemType>> = {
  'invalid-body': {
    status: 400,
    title: 'Invalid request body',
    description:
      'The body is not valid JSON, or does not match the schema of the operation. Keys that start with "$" or contain "." are rejected.',
  },
  'invalid-query': {
    status: 400,
    title: 'Invalid query parameter',
    description: 'A query parameter is unknown, repeated or out of range.',
  },
  'invalid-id': {
    status: 400,
    title: 'Invalid message id',
    description: 'A message id is 24 hexadecimal characters.',
  },
  'invalid-cursor': {
    status: 400,
    title: 'Invalid cursor',
    description:
      'The cursor was not returned by this service as nextCursor, or was returned for a different author filter.',
  },
  'missing-token': {
    status: 401,
    title: 'Access token required',
    description: 'Send an Okta access token in the Authorization header: "Bearer {token}".',
  },
  'invalid-token': {
    status: 401,
    title: 'Invalid access token',
    description:
      'The access token is expired, not yet valid, not signed by the issuer, issued for another audience, or is not an access token.',
  },
  'not-author': {
    status: 403,
    title: 'Not the author',
    description: 'Only the author of a message may change or delete it.',
  },
  'client-not-allowed': {
    status: 403,
    title: 'Client not allowed',
    description: 'The application that requested the access token may not call this API.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No resource exists at this path.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    description: 'The resource does not support this method. The Allow header lists those it does.',
  },
  'body-too-large': {
    status: 413,
    title: 'Request body too large',
    description: 'The request body is larger than the service accepts.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'Send the body as application/json in UTF-8, without Content-Encoding.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal server error',
    description: 'The service failed unexpectedly. The requestId member identifies the log entry.',
  },
  'configuration-invalid': {
    status: 500,
    title: 'Service misconfigured',
    description: 'The service configuration is invalid. The function logs name the setting.',
  },
  'database-unavailable': {
    status: 503,
    title: 'Database unavailable',
    description: 'The database did not respond in time. Retry after the Retry-After delay.',
  },
  'identity-provider-unavailable': {
    status: 503,
    title: 'Identity provider unavailable',
    description:
      'The signing keys of the token issuer could not be fetched. Retry after the Retry-After delay.',
  },
};

/** The JSON body of a problem response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  requestId?: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  /** Response headers, such as `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Extra members of the body, such as the failing `errors`. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/** An error that the service sends to the client as a problem response. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;

  /** `detail` is shown to the client: name the value that was wrong and what to do instead. */
  constructor(code: ProblemCode, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'ProblemError';
    this.code = code;
    this.status = problemTypes[code].status;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

/** Builds the JSON body of `problem`. */
export function problemBody(problem: ProblemError, requestId: string | undefined): ProblemBody {
  const type = problemTypes[problem.code];
  return {
    ...problem.extensions,
    type: problemTypeUri(problem.code),
    title: type.title,
    status: type.status,
    detail: problem.message,
    code: problem.code,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

export function problemTypeUri(code: ProblemCode): string {
  return `/problems/${code}`;
}

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(problemTypes, value);
}
