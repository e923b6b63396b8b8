// The awsQuery protocol of IAM and STS: form-encoded requests with `Action` and `Version`, lists
// flattened as `Tags.member.1.Key`, and XML responses wrapped in `{Action}Response`/`{Action}Result`.
import { AwsError } from '../errors.ts';

/** A decoded request: nested objects, with `X.member.N` lists turned into arrays. */
export type QueryParams = Record<string, unknown>;

function toArrays(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'member') {
    const members = record.member as Record<string, unknown>;
    return Object.keys(members)
      .sort((left, right) => Number(left) - Number(right))
      .map((index) => toArrays(members[index]));
  }
  return Object.fromEntries(keys.map((key) => [key, toArrays(record[key])]));
}

/** Parses a form-encoded awsQuery body into nested values. */
export function parseQuery(body: string): QueryParams {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const segments = key.split('.');
    let node = root;
    for (const [index, segment] of segments.entries()) {
      if (index === segments.length - 1) {
        node[segment] = value;
      } else {
        const next = node[segment];
        if (typeof next !== 'object' || next === null) {
          node[segment] = {};
        }
        node = node[segment] as Record<string, unknown>;
      }
    }
  }
  return toArrays(root) as QueryParams;
}

/** A required string parameter; a missing one is the `ValidationError` IAM and STS return. */
export function requiredString(params: QueryParams, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

export function optionalString(params: QueryParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

export function optionalInteger(params: QueryParams, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) {
    return undefined;
  }
  const number = Number(value);
  if (!Number.isInteger(number)) {
    throw new AwsError('ValidationError', `Invalid value for ${name}: ${value}`, 400);
  }
  return number;
}

/** Returns a list parameter. An empty list arrives as `Name=` and an absent one as nothing. */
export function listParam<T = unknown>(params: QueryParams, name: string): T[] {
  const value = params[name];
  if (Array.isArray(value)) {
    return value as T[];
  }
  return [];
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** IAM's timestamp form: ISO 8601 in UTC without milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function elementXml(name: string, value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (Array.isArray(value)) {
    return `<${name}>${value.map((item) => elementXml('member', item)).join('')}</${name}>`;
  }
  if (value instanceof Date) {
    return `<${name}>${isoSeconds(value)}</${name}>`;
  }
  if (typeof value === 'object') {
    const children = Object.entries(value as Record<string, unknown>)
      .map(([key, child]) => elementXml(key, child))
      .join('');
    return `<${name}>${children}</${name}>`;
  }
  return `<${name}>${escapeXml(typeof value === 'string' ? value : JSON.stringify(value))}</${name}>`;
}

/** Builds the XML body of a successful call; `result` is omitted for actions that return nothing. */
export function queryResponseXml(
  action: string,
  namespace: string,
  result: unknown,
  requestId: string,
): string {
  const resultXml = result === undefined ? '' : elementXml(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${namespace}">${resultXml}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** Builds the XML body of an error, with the `Type`, `Code` and `Message` elements IAM and STS send. */
export function queryErrorXml(error: AwsError, namespace: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
