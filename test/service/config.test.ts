import { describe, expect, it } from 'vitest';
import type { Environment } from '../../service/src/config.ts';
import { ConfigError, loadConfig } from '../../service/src/config.ts';

const minimal: Environment = {
  OKTA_ISSUER: 'https://dev-1.okta.com/oauth2/default',
  MONGODB_URI: 'mongodb://127.0.0.1:27017',
};

function issuesOf(env: Environment): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    expect(loadConfig(minimal)).toEqual({
      okta: {
        issuer: 'https://dev-1.okta.com/oauth2/default',
        audience: 'api://default',
        clientId: undefined,
        scopes: ['email', 'openid', 'profile'],
        allowedClientIds: [],
        clockToleranceSeconds: 30,
        jwksCooldownMs: 30_000,
        jwksCacheMaxAgeMs: 600_000,
        httpTimeoutMs: 3_000,
      },
      mongodb: {
        uri: 'mongodb://127.0.0.1:27017',
        databaseName: 'default',
        maxPoolSize: 5,
        serverSelectionTimeoutMS: 3_000,
        connectTimeoutMS: 3_000,
        socketTimeoutMS: 5_000,
        maxTimeMS: 2_000,
        reconnectDelayMs: 1_000,
      },
      bodyLimitBytes: 16_384,
      healthPingTimeoutMs: 1_000,
      logLevel: 'info',
    });
  });

  it('builds the issuer from OKTA_HOST', () => {
    const config = loadConfig({
      OKTA_HOST: 'dev-1.okta.com',
      OKTA_AUTHORIZATION_SERVER_ID: 'aus1a2b3c4',
      MONGODB_URI: minimal.MONGODB_URI,
    });

    expect(config.okta.issuer).toBe('https://dev-1.okta.com/oauth2/aus1a2b3c4');
  });

  it('defaults the authorization server', () => {
    const config = loadConfig({ OKTA_HOST: 'dev-1.okta.com', MONGODB_URI: minimal.MONGODB_URI });

    expect(config.okta.issuer).toBe('https://dev-1.okta.com/oauth2/default');
  });

  it('builds the Atlas IAM URI from MONGODB_HOST', () => {
    const config = loadConfig({
      OKTA_ISSUER: minimal.OKTA_ISSUER,
      MONGODB_HOST: 'default-free-dev.abcde.mongodb.net',
    });

    expect(config.mongodb.uri).toBe(
      'mongodb+srv://default-free-dev.abcde.mongodb.net/?authSource=%24external&authMechanism=MONGODB-AWS',
    );
  });

  it('prefers MONGODB_URI over MONGODB_HOST', () => {
    const config = loadConfig({ ...minimal, MONGODB_HOST: 'cluster0.abcde.mongodb.net' });

    expect(config.mongodb.uri).toBe(minimal.MONGODB_URI);
  });

  it('parses and sorts the allow-list', () => {
    const config = loadConfig({ ...minimal, OKTA_ALLOWED_CLIENT_IDS: ' 0oa2, 0oa1,,0oa2 ' });

    expect(config.okta.allowedClientIds).toEqual(['0oa1', '0oa2']);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({
      OKTA_CLOCK_TOLERANCE_SECONDS: '301',
      MONGODB_MAX_POOL_SIZE: 'ten',
      LOG_LEVEL: 'verbose',
    });

    expect(issues).toEqual([
      {
        variable: 'OKTA_ISSUER',
        message:
          'missing: set OKTA_ISSUER (such as https://dev-1.okta.com/oauth2/default) or OKTA_HOST',
      },
      {
        variable: 'OKTA_CLOCK_TOLERANCE_SECONDS',
        message: 'must be an integer from 0 to 300 (got "301")',
      },
      {
        variable: 'MONGODB_URI',
        message:
          'missing: set MONGODB_URI, or MONGODB_HOST (the Atlas SRV host) to sign in with the AWS role',
      },
      {
        variable: 'MONGODB_MAX_POOL_SIZE',
        message: 'must be an integer from 1 to 100 (got "ten")',
      },
      { variable: 'LOG_LEVEL', message: 'must be one of debug, info, warn, error (got "verbose")' },
    ]);
  });

  it('names each variable in the message', () => {
    expect(() => loadConfig({ MONGODB_URI: minimal.MONGODB_URI })).toThrow(
      /invalid service configuration:\n {2}OKTA_ISSUER: missing/,
    );
  });

  const issuerCases: { issuer: string; message: string }[] = [
    { issuer: 'dev-1.okta.com', message: 'must be an absolute URL (got "dev-1.okta.com")' },
    {
      issuer: 'http://dev-1.okta.com/oauth2/default',
      message:
        'must use https, or http on a loopback host (got "http://dev-1.okta.com/oauth2/default")',
    },
    {
      issuer: 'https://dev-1.okta.com/oauth2/default/',
      message: 'must not end with "/" (got "https://dev-1.okta.com/oauth2/default/")',
    },
    {
      issuer: 'https://dev-1.okta.com/oauth2/default?x=1',
      message:
        'must not contain a query, fragment or credentials (got "https://dev-1.okta.com/oauth2/default?x=1")',
    },
  ];

  for (const testCase of issuerCases) {
    it(`rejects issuer ${testCase.issuer}`, () => {
      expect(issuesOf({ ...minimal, OKTA_ISSUER: testCase.issuer })).toEqual([
        { variable: 'OKTA_ISSUER', message: testCase.message },
      ]);
    });
  }

  it('accepts an http loopback issuer', () => {
    const config = loadConfig({ ...minimal, OKTA_ISSUER: 'http://127.0.0.1:9000/oauth2/default' });

    expect(config.okta.issuer).toBe('http://127.0.0.1:9000/oauth2/default');
  });

  it('rejects a host with a scheme', () => {
    expect(
      issuesOf({ MONGODB_URI: minimal.MONGODB_URI, OKTA_HOST: 'https://dev-1.okta.com' }),
    ).toEqual([
      {
        variable: 'OKTA_HOST',
        message:
          'must be a host name such as dev-1.okta.com, without scheme or path (got "https://dev-1.okta.com")',
      },
    ]);
  });

  it('hides URI credentials in errors', () => {
    const issues = issuesOf({ ...minimal, MONGODB_URI: 'postgres://app:hunter2@db.example.com/x' });

    expect(issues).toEqual([
      {
        variable: 'MONGODB_URI',
        message:
          'must be a mongodb:// or mongodb+srv:// connection string (got "postgres://[redacted]@db.example.com/x")',
      },
    ]);
  });

  it('requires maxTimeMS below the socket timeout', () => {
    const issues = issuesOf({
      ...minimal,
      MONGODB_MAX_TIME_MS: '5000',
      MONGODB_SOCKET_TIMEOUT_MS: '5000',
    });

    expect(issues).toEqual([
      {
        variable: 'MONGODB_MAX_TIME_MS',
        message:
          'must be below MONGODB_SOCKET_TIMEOUT_MS (5000) so the server stops a slow query before the socket times out (got 5000)',
      },
    ]);
  });

  it('rejects a junk number instead of defaulting', () => {
    expect(issuesOf({ ...minimal, BODY_LIMIT_BYTES: '16k' })).toEqual([
      {
        variable: 'BODY_LIMIT_BYTES',
        message: 'must be an integer from 64 to 1048576 (got "16k")',
      },
    ]);
  });

  it('rejects an invalid database name', () => {
    expect(issuesOf({ ...minimal, MONGODB_DATABASE: 'my.db' })).toEqual([
      {
        variable: 'MONGODB_DATABASE',
        message:
          'must be a MongoDB database name (1 to 63 characters, none of / \\ . space " $ * < > : | ?) (got "my.db")',
      },
    ]);
  });
});
