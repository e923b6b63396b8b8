// Secrets in config: never literal values, only names resolved at run time from the environment
// or AWS Secrets Manager. YAML writes `{ secret: { name: DB_PASSWORD, from: env } }`; specs carry
// the string form `${secret:env:DB_PASSWORD}` so provider schemas see an ordinary string.
import type { PathSegment } from './paths.ts';
import { checkSecretName, secretReferenceText } from './references.ts';
import type { SecretReference, SecretSource } from './references.ts';

/** Resolves a secret reference to its value. Implementations must not log the value. */
export interface SecretResolver {
  resolve(reference: SecretReference): Promise<string>;
  /** Releases what the resolver holds open, such as an SDK client's sockets. */
  dispose?(): void;
}

/** A secret that could not be resolved; the message names the secret, never a value. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  readonly code = 'ERR_SECRET_UNRESOLVED';
}

/** Resolves `from: env` secrets from an environment map; other sources are rejected. */
export function createEnvironmentSecretResolver(
  environment: Readonly<Record<string, string | undefined>>,
): SecretResolver {
  return {
    resolve(reference) {
      if (reference.from !== 'env') {
        return Promise.reject(
          new SecretError(
            `secret ${reference.name} comes from ${reference.from}, which this run cannot read. Run with AWS credentials so Secrets Manager is available.`,
          ),
        );
      }
      const value = environment[reference.name];
      if (value === undefined || value === '') {
        return Promise.reject(
          new SecretError(
            `secret ${reference.name} is not set: export the environment variable ${reference.name} (in GitHub Actions, map it from a repository secret).`,
          ),
        );
      }
      return Promise.resolve(value);
    },
  };
}

/**
 * Collects secret values and replaces them in text, so a value that reaches an error message or
 * a log line is masked. Values shorter than 4 characters are not masked, because replacing them
 * would garble ordinary text; secrets that short are rejected as too weak elsewhere anyway.
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    if (value.length >= 4) {
      this.values.add(value);
    }
  }

  redact(text: string): string {
    let result = text;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      result = result.split(value).join('***');
    }
    return result;
  }
}

// Key words that end the name of a field holding a secret. Matched on the last words of the key,
// so `tokenEndpointAuthMethod` and `secretName` are not secret while `OKTA_API_TOKEN` is.
const secretEndings: readonly (readonly string[])[] = [
  ['password'],
  ['passwd'],
  ['passphrase'],
  ['secret'],
  ['token'],
  ['credential'],
  ['credentials'],
  ['private', 'key'],
  ['privatekey'],
  ['api', 'key'],
  ['apikey'],
  ['access', 'key'],
  ['secret', 'key'],
  ['signing', 'key'],
];

function splitWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}

/** Returns whether a key's name marks a secret: `password`, `clientSecret`, `OKTA_API_TOKEN`. */
export function isSecretKey(key: string): boolean {
  const words = splitWords(key);
  return secretEndings.some(
    (ending) =>
      words.length >= ending.length &&
      ending.every((word, index) => words[words.length - ending.length + index] === word),
  );
}

const secretLookingValues: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a PEM private key' },
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
];

/** A problem found while reading secrets from config. */
export interface SecretProblem {
  readonly rule: 'secret.literal' | 'secret.invalid-reference';
  readonly path: readonly PathSegment[];
  readonly message: string;
}

const wholeReference = /^\$\{[^}]+\}$/;

function isSecretObject(value: unknown): value is { secret: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    'secret' in value &&
    typeof value.secret === 'object' &&
    value.secret !== null
  );
}

function convertSecretObject(
  value: { secret: unknown },
  path: readonly PathSegment[],
  problems: SecretProblem[],
): string | undefined {
  const secret = value.secret as Record<string, unknown>;
  const extra = Object.keys(secret).filter((key) => key !== 'name' && key !== 'from');
  const { name, from } = secret;
  const fix =
    'Write it as { secret: { name: NAME, from: env } } or { secret: { name: NAME, from: secretsManager } }.';
  let reason: string | undefined;
  if (extra.length > 0) {
    reason = `unknown key${extra.length > 1 ? 's' : ''} ${extra.map((key) => `"${key}"`).join(', ')} in a secret reference`;
  } else if (typeof name !== 'string' || name === '') {
    reason = 'a secret reference needs a non-empty string "name"';
  } else if (from !== 'env' && from !== 'secretsManager') {
    reason = `"from" must be env or secretsManager (got ${JSON.stringify(from ?? null)})`;
  } else {
    reason = checkSecretName(from, name);
  }
  if (reason !== undefined) {
    problems.push({ rule: 'secret.invalid-reference', path, message: `${reason}. ${fix}` });
    return undefined;
  }
  return secretReferenceText(from as SecretSource, name as string);
}

/**
 * Replaces `{ secret: {...} }` objects with their string form and reports literal secrets: a
 * non-empty literal under a secret-looking key, or a value shaped like a private key or an AWS
 * access key anywhere. Messages never repeat the value.
 */
export function extractSecrets(
  data: unknown,
  path: readonly PathSegment[] = [],
): { data: unknown; problems: SecretProblem[] } {
  const problems: SecretProblem[] = [];

  const visit = (value: unknown, at: readonly PathSegment[], key: string | undefined): unknown => {
    if (isSecretObject(value)) {
      return convertSecretObject(value, at, problems) ?? value;
    }
    if (Array.isArray(value)) {
      return value.map((item, index) => visit(item, [...at, index], key));
    }
    if (typeof value === 'object' && value !== null) {
      const result: Record<string, unknown> = {};
      for (const [childKey, child] of Object.entries(value)) {
        result[childKey] = visit(child, [...at, childKey], childKey);
      }
      return result;
    }
    const literal =
      (typeof value === 'string' && value !== '' && !wholeReference.test(value)) ||
      typeof value === 'number';
    if (literal && key !== undefined && isSecretKey(key)) {
      problems.push({
        rule: 'secret.literal',
        path: at,
        message: `"${key}" looks like a secret, and secrets must not be written in config (value hidden). Replace it with { secret: { name: NAME, from: env } } and provide NAME at run time, or from: secretsManager to read it from AWS Secrets Manager.`,
      });
    } else if (typeof value === 'string') {
      const shape = secretLookingValues.find(({ pattern }) => pattern.test(value));
      if (shape !== undefined) {
        problems.push({
          rule: 'secret.literal',
          path: at,
          message: `the value looks like ${shape.what}, which must not be written in config (value hidden). Replace it with a { secret: ... } reference, and rotate the key because it is now in Git history.`,
        });
      }
    }
    return value;
  };

  return { data: visit(data, path, undefined), problems };
}
