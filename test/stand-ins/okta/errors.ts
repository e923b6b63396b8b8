// Okta's error responses: `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`. The
// codes and summaries follow Okta's published error list; `errorId` is filled in by the server.

/** One entry of `errorCauses`, naming the field first as Okta does (`label: ...`). */
export interface ErrorCause {
  readonly errorSummary: string;
}

/** An error the stand-in sends as an Okta error body with the given HTTP status. */
export class OktaError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly errorCauses: readonly ErrorCause[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    errorCode: string,
    errorSummary: string,
    errorCauses: readonly ErrorCause[] = [],
    headers: Record<string, string> = {},
  ) {
    super(errorSummary);
    this.status = status;
    this.errorCode = errorCode;
    this.errorCauses = errorCauses;
    this.headers = headers;
  }

  body(errorId: string) {
    return {
      errorCode: this.errorCode,
      errorSummary: this.message,
      errorLink: this.errorCode,
      errorId,
      errorCauses: this.errorCauses.map((cause) => ({ errorSummary: cause.errorSummary })),
    };
  }
}

/** A field that failed validation, reported as `field: message` in `errorCauses`. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** E0000001: the body broke one of the endpoint's rules. */
export function validationFailed(problems: readonly FieldProblem[]): OktaError {
  const fields = [...new Set(problems.map((problem) => problem.field))];
  return new OktaError(
    400,
    'E0000001',
    `Api validation failed: ${fields.join(', ')}`,
    problems.map((problem) => ({ errorSummary: `${problem.field}: ${problem.message}` })),
  );
}

/** E0000003: the body is not JSON. */
export function malformedBody(): OktaError {
  return new OktaError(400, 'E0000003', 'The request body was not well-formed.');
}

/** E0000007: no object with that id. `type` is Okta's internal name, such as `AppInstance`. */
export function notFound(id: string, type: string): OktaError {
  return new OktaError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`);
}

/** E0000011: missing, unknown or expired API token or access token. */
export function invalidToken(): OktaError {
  return new OktaError(401, 'E0000011', 'Invalid token provided');
}

/** E0000006: the caller is authenticated but lacks the scope the operation needs. */
export function accessDenied(requiredScope?: string): OktaError {
  const headers: Record<string, string> = requiredScope
    ? {
        'www-authenticate': `Bearer realm="IdpMgmtApi", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", scope="${requiredScope}"`,
      }
    : {};
  return new OktaError(
    403,
    'E0000006',
    'You do not have permission to perform the requested action',
    [],
    headers,
  );
}

/** E0000056: an app must be deactivated before it can be deleted. */
export function deleteActiveApp(): OktaError {
  return new OktaError(403, 'E0000056', 'Delete application forbidden.');
}

/** E0000047: the rate limit of the endpoint's bucket is used up. */
export function rateLimited(): OktaError {
  return new OktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
}

/** E0000022: the path exists but not with this method. */
export function methodNotAllowed(): OktaError {
  return new OktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
}

/** E0000031: the `filter` expression uses an attribute or operator the endpoint does not support. */
export function invalidSearch(detail: string): OktaError {
  return new OktaError(400, 'E0000031', 'Invalid search criteria.', [{ errorSummary: detail }]);
}

/** E0000009: an injected server fault. */
export function internalError(status: number): OktaError {
  return new OktaError(status, 'E0000009', 'Internal Server Error');
}
