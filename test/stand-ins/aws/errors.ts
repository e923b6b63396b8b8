// Errors the stand-in returns, shaped per protocol by the server: an awsQuery `<ErrorResponse>`, an
// awsJson `__type` body, or a REST-JSON body with the `x-amzn-ErrorType` header.

/** The service names the stand-in dispatches to, as they appear in the request log. */
export type ServiceName = 'iam' | 'sts' | 'lambda' | 'logs' | 'budgets' | 'ce' | 'secretsmanager';

/** An AWS error response: the vendor's code, HTTP status and message. */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  /** The vendor's error code, such as `NoSuchEntity` or `ResourceConflictException`. */
  readonly code: string;
  readonly status: number;
  /** awsQuery `<Type>`: `Sender` for client errors, `Receiver` for server errors. */
  readonly type: 'Sender' | 'Receiver';
  /** Extra response headers, such as Lambda's `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra body members, such as Lambda's `Reason`; the message member is added by the server. */
  readonly fields: Readonly<Record<string, string>>;
  /** Name of the message member in JSON bodies: Lambda uses `Message` or `message` per error. */
  readonly messageMember: 'Message' | 'message';

  constructor(
    code: string,
    message: string,
    status: number,
    options: {
      headers?: Record<string, string>;
      fields?: Record<string, string>;
      messageMember?: 'Message' | 'message';
    } = {},
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.type = status >= 500 ? 'Receiver' : 'Sender';
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? {};
    this.messageMember = options.messageMember ?? 'message';
  }
}

/** The error each service returns when it throttles a caller, as the real service sends it. */
export function throttlingError(service: ServiceName, retryAfterSeconds: number): AwsError {
  switch (service) {
    case 'iam':
    case 'sts':
      return new AwsError('Throttling', 'Rate exceeded', 400);
    case 'lambda':
      return new AwsError('TooManyRequestsException', 'Rate exceeded', 429, {
        headers: { 'Retry-After': String(retryAfterSeconds) },
        fields: { Type: 'User', Reason: 'CallerRateLimitExceeded' },
      });
    case 'ce':
      return new AwsError('LimitExceededException', 'You have exceeded the rate limit.', 400, {
        messageMember: 'Message',
      });
    case 'budgets':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400, {
        messageMember: 'Message',
      });
    case 'logs':
    case 'secretsmanager':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
  }
}

/** The error each service returns for an internal failure (HTTP 5xx). */
export function serverError(service: ServiceName, status = 500): AwsError {
  switch (service) {
    case 'iam':
      return new AwsError(
        'ServiceFailure',
        'The request processing has failed because of an unknown error.',
        status,
      );
    case 'sts':
      return new AwsError('ServiceUnavailable', 'Service is unable to handle request.', status);
    case 'lambda':
      return new AwsError(
        'ServiceException',
        'The AWS Lambda service encountered an error.',
        status,
        {
          fields: { Type: 'Service' },
          messageMember: 'Message',
        },
      );
    case 'logs':
      return new AwsError(
        'ServiceUnavailableException',
        'The service cannot complete the request.',
        status,
      );
    case 'budgets':
      return new AwsError('InternalErrorException', 'An error on the server occurred.', status, {
        messageMember: 'Message',
      });
    case 'ce':
      return new AwsError('InternalFailure', 'The request processing has failed.', status);
    case 'secretsmanager':
      return new AwsError('InternalServiceError', 'An error occurred on the server side.', status);
  }
}

/** Builds the error for a request naming a service or operation the stand-in does not serve. */
export function unknownOperation(description: string): AwsError {
  return new AwsError(
    'UnknownOperationException',
    `The AWS stand-in does not implement ${description}.`,
    400,
  );
}

/** Builds the error for a request without an `Authorization` header. */
export function missingAuthentication(service: ServiceName): AwsError {
  if (service === 'iam' || service === 'sts') {
    return new AwsError(
      'MissingAuthenticationToken',
      'Request is missing Authentication Token',
      403,
    );
  }
  return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
}
