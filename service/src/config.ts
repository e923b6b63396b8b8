// The service's settings, parsed once from environment variables into one typed object. Every
// problem is collected and reported at once, naming the variable, the rule and the value received.
import { redactSecrets } from './log.ts';

/** Environment variables, in the shape of `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface OktaSettings {
  /** Issuer of the access tokens, such as `https://dev-1.okta.com/oauth2/default`. */
  issuer: string;
  /** Expected `aud` claim. */
  audience: string;
  /** Client id of the app that signs users in on /docs; the docs page is served only with one. */
  clientId: string | undefined;
  /** Scopes the docs page requests. */
  scopes: string[];
  /** Client ids (`cid` claim) allowed to call the API; empty allows every client. */
  allowedClientIds: string[];
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockToleranceSeconds: number;
  /** Minimum time between two JWKS downloads caused by an unknown `kid`, in ms. */
  jwksCooldownMs: number;
  /** Time after which the JWKS is downloaded again even when every `kid` is known, in ms. */
  jwksCacheMaxAgeMs: number;
  /** Maximum time for one issuer metadata or JWKS request, in ms. */
  httpTimeoutMs: number;
}

export interface MongoSettings {
  /** Connection string. Contains credentials when MONGODB_URI does: never log it. */
  uri: string;
  databaseName: string;
  maxPoolSize: number;
  serverSelectionTimeoutMS: number;
  connectTimeoutMS: number;
  socketTimeoutMS: number;
  /** Server-side limit of each query and write. */
  maxTimeMS: number;
  /** Time after a failed connect during which requests fail fast instead of connecting again. */
  reconnectDelayMs: number;
}

export interface ServiceConfig {
  okta: OktaSettings;
  mongodb: MongoSettings;
  /** Maximum request body size, in bytes. */
  bodyLimitBytes: number;
  /** Maximum time the /health database ping waits, in ms. */
  healthPingTimeoutMs: number;
  logLevel: LogLevel;
  /** The Lambda version running this code (`AWS_LAMBDA_FUNCTION_VERSION`); absent off Lambda. */
  functionVersion?: string;
}

/** One rejected setting. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Raised by `loadConfig` with every rejected setting. */
export class ConfigError extends Error {
  readonly code = 'ERR_SERVICE_CONFIG';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      `invalid service configuration:\n${issues.map((issue) => `  ${issue.variable}: ${issue.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const hostnamePattern =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const authorizationServerIdPattern = /^[A-Za-z0-9]+$/;
const databaseNamePattern = /^[^/\\. "$*<>:|?]{1,63}$/;
const clientIdPattern = /^[A-Za-z0-9._-]{1,100}$/;
const scopePattern = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Parses the service settings from `env`. Throws `ConfigError` listing every invalid or missing
 * variable. The result contains the MongoDB connection string, which may carry credentials.
 */
export function loadConfig(env: Environment): ServiceConfig {
  const issues: ConfigIssue[] = [];
  const reader = new EnvironmentReader(env, issues);

  const okta: OktaSettings = {
    issuer: readIssuer(reader),
    audience: reader.string('OKTA_AUDIENCE', 'api://default'),
    clientId: reader.optionalMatching('OKTA_CLIENT_ID', clientIdPattern, 'an Okta client id'),
    scopes: reader.list('OKTA_SCOPES', ['email', 'openid', 'profile'], ' ', scopePattern),
    allowedClientIds: reader.list('OKTA_ALLOWED_CLIENT_IDS', [], ',', clientIdPattern),
    clockToleranceSeconds: reader.integer('OKTA_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    jwksCooldownMs: reader.integer('OKTA_JWKS_COOLDOWN_MS', 30_000, 1_000, 3_600_000),
    jwksCacheMaxAgeMs: reader.integer('OKTA_JWKS_CACHE_MAX_AGE_MS', 600_000, 60_000, 86_400_000),
    httpTimeoutMs: reader.integer('OKTA_HTTP_TIMEOUT_MS', 3_000, 100, 30_000),
  };

  const mongodb: MongoSettings = {
    uri: readMongoUri(reader),
    databaseName: reader.matching(
      'MONGODB_DATABASE',
      'default',
      databaseNamePattern,
      'a MongoDB database name (1 to 63 characters, none of / \\ . space " $ * < > : | ?)',
    ),
    maxPoolSize: reader.integer('MONGODB_MAX_POOL_SIZE', 5, 1, 100),
    serverSelectionTimeoutMS: reader.integer(
      'MONGODB_SERVER_SELECTION_TIMEOUT_MS',
      3_000,
      1,
      60_000,
    ),
    connectTimeoutMS: reader.integer('MONGODB_CONNECT_TIMEOUT_MS', 3_000, 1, 60_000),
    socketTimeoutMS: reader.integer('MONGODB_SOCKET_TIMEOUT_MS', 5_000, 1, 60_000),
    maxTimeMS: reader.integer('MONGODB_MAX_TIME_MS', 2_000, 1, 60_000),
    reconnectDelayMs: reader.integer('MONGODB_RECONNECT_DELAY_MS', 1_000, 0, 60_000),
  };
  // A query that outlives the socket timeout closes the connection instead of failing cleanly.
  if (mongodb.maxTimeMS >= mongodb.socketTimeoutMS) {
    issues.push({
      variable: 'MONGODB_MAX_TIME_MS',
      message: `must be below MONGODB_SOCKET_TIMEOUT_MS (${mongodb.socketTimeoutMS}) so the server stops a slow query before the socket times out (got ${mongodb.maxTimeMS})`,
    });
  }

  const config: ServiceConfig = {
    okta,
    mongodb,
    bodyLimitBytes: reader.integer('BODY_LIMIT_BYTES', 16_384, 64, 1_048_576),
    healthPingTimeoutMs: reader.integer('HEALTH_PING_TIMEOUT_MS', 1_000, 1, 30_000),
    logLevel: reader.oneOf('LOG_LEVEL', 'info', logLevels),
    ...(env.AWS_LAMBDA_FUNCTION_VERSION
      ? { functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION }
      : {}),
  };

  if (issues.length > 0) {
    throw new ConfigError(issues);
  }
  return config;
}

function readIssuer(reader: EnvironmentReader): string {
  const issuer = reader.optional('OKTA_ISSUER');
  const host = reader.optional('OKTA_HOST');
  const serverId = reader.optional('OKTA_AUTHORIZATION_SERVER_ID');

  if (issuer !== undefined) {
    return checkIssuerUrl(reader, 'OKTA_ISSUER', issuer);
  }
  if (host === undefined) {
    reader.reject(
      'OKTA_ISSUER',
      'missing: set OKTA_ISSUER (such as https://dev-1.okta.com/oauth2/default) or OKTA_HOST',
    );
    return '';
  }
  if (!hostnamePattern.test(host)) {
    reader.reject(
      'OKTA_HOST',
      `must be a host name such as dev-1.okta.com, without scheme or path (got "${host}")`,
    );
    return '';
  }
  const id = serverId ?? 'default';
  if (!authorizationServerIdPattern.test(id)) {
    reader.reject(
      'OKTA_AUTHORIZATION_SERVER_ID',
      `must be letters and digits, such as "default" or "aus1a2b3c4" (got "${id}")`,
    );
    return '';
  }
  return `https://${host}/oauth2/${id}`;
}

function checkIssuerUrl(reader: EnvironmentReader, variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reader.reject(variable, `must be an absolute URL (got "${value}")`);
    return '';
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    reader.reject(variable, `must use https, or http on a loopback host (got "${value}")`);
  } else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    reader.reject(variable, `must not contain a query, fragment or credentials (got "${value}")`);
  } else if (value.endsWith('/')) {
    // The `iss` claim is compared byte for byte, and Okta issuers have no trailing slash.
    reader.reject(variable, `must not end with "/" (got "${value}")`);
  }
  return value;
}

function readMongoUri(reader: EnvironmentReader): string {
  const uri = reader.optional('MONGODB_URI');
  const host = reader.optional('MONGODB_HOST');

  if (uri !== undefined) {
    if (!/^mongodb(\+srv)?:\/\/[^/?#]+/.test(uri)) {
      reader.reject(
        'MONGODB_URI',
        `must be a mongodb:// or mongodb+srv:// connection string (got "${redactSecrets(uri)}")`,
      );
    }
    return uri;
  }
  if (host === undefined) {
    reader.reject(
      'MONGODB_URI',
      'missing: set MONGODB_URI, or MONGODB_HOST (the Atlas SRV host) to sign in with the AWS role',
    );
    return '';
  }
  if (!hostnamePattern.test(host)) {
    reader.reject(
      'MONGODB_HOST',
      `must be a host name such as cluster0.abcde.mongodb.net, without scheme or path (got "${host}")`,
    );
    return '';
  }
  // MONGODB-AWS reads the function role's credentials from the environment at connect time.
  return `mongodb+srv://${host}/?authSource=%24external&authMechanism=MONGODB-AWS`;
}

/** Reads variables and records each rejection in `issues`. Empty strings count as unset. */
class EnvironmentReader {
  constructor(
    private readonly env: Environment,
    private readonly issues: ConfigIssue[],
  ) {}

  reject(variable: string, message: string): void {
    this.issues.push({ variable, message });
  }

  optional(variable: string): string | undefined {
    const value = this.env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(variable: string, fallback: string): string {
    return this.optional(variable) ?? fallback;
  }

  matching(variable: string, fallback: string, pattern: RegExp, expected: string): string {
    const value = this.string(variable, fallback);
    if (!pattern.test(value)) {
      this.reject(variable, `must be ${expected} (got "${value}")`);
    }
    return value;
  }

  optionalMatching(variable: string, pattern: RegExp, expected: string): string | undefined {
    const value = this.optional(variable);
    if (value !== undefined && !pattern.test(value)) {
      this.reject(variable, `must be ${expected} (got "${value}")`);
    }
    return value;
  }

  integer(variable: string, fallback: number, min: number, max: number): number {
    const value = this.optional(variable);
    if (value === undefined) {
      return fallback;
    }
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.reject(variable, `must be an integer from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(variable: string, fallback: T, allowed: readonly T[]): T {
    const value = this.optional(variable);
    if (value === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.reject(variable, `must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  list(variable: string, fallback: string[], separator: string, item: RegExp): string[] {
    const value = this.optional(variable);
    if (value === undefined) {
      return fallback;
    }
    const items = value
      .split(separator)
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const invalid = items.filter((part) => !item.test(part));
    if (invalid.length > 0) {
      this.reject(
        variable,
        `contains invalid entries ${invalid.map((part) => `"${part}"`).join(', ')}`,
      );
    }
    return [...new Set(items)].sort();
  }
}
