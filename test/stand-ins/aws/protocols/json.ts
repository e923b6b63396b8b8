// JSON bodies for awsJson1.1 (CloudWatch Logs, Budgets, Cost Explorer, Secrets Manager) and for
// Lambda's REST-JSON. Timestamps are `Date` objects in responses and become epoch seconds, the
// default timestamp format of both protocols.
import { AwsError } from '../errors.ts';

export function jsonText(value: unknown): string {
  return JSON.stringify(value, function replace(this: Record<string, unknown>, key: string) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : raw;
  });
}

/** Parses a JSON request body; an empty body is an empty object. */
export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    return parsed as Record<string, unknown>;
  } catch {
    throw new AwsError(
      'SerializationException',
      'Start of structure or map found where not expected.',
      400,
    );
  }
}

/** Builds an awsJson error body: `__type` plus the message member. */
export function jsonErrorBody(error: AwsError): Record<string, string> {
  return { __type: error.code, [error.messageMember]: error.message, ...error.fields };
}

/** Builds a REST-JSON (Lambda) error body. The code travels in the `x-amzn-ErrorType` header. */
export function restJsonErrorBody(error: AwsError): Record<string, string> {
  return {
    Type: error.status >= 500 ? 'Service' : 'User',
    ...error.fields,
    [error.messageMember]: error.message,
  };
}

function fieldError(name: string, expected: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must be ${expected}`,
    400,
  );
}

export function requiredField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

export function optionalField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw fieldError(name, 'a string');
  }
  return value;
}

export function optionalNumber(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number') {
    throw fieldError(name, 'a number');
  }
  return value;
}

export function stringMap(body: Record<string, unknown>, name: string): Record<string, string> {
  const value = body[name];
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(name, 'a map of strings');
  }
  return value as Record<string, string>;
}
