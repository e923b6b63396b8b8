import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretError } from '../../actions/engine/secrets.ts';
import {
  StackError,
  checkEndpoints,
  createProviders,
  createSecretResolver,
  disposeProviders,
} from '../../actions/stack.ts';
import type { StackOptions } from '../../actions/stack.ts';
import { startServer } from '../helpers/servers.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';

const loopback = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  ATLAS_BASE_URL: 'http://127.0.0.1:2',
  OKTA_ORG_URL: 'http://127.0.0.1:3',
};

const raw = {
  aws: { region: 'us-east-1' },
  atlas: { orgId: '000000000000000000000000' },
  okta: { orgUrl: 'https://dev-98765432.okta.com' },
};

function options(overrides: Partial<StackOptions>): StackOptions {
  return { env: {}, target: 'local', purpose: 'reconcile', raw, ...overrides };
}

describe('checkEndpoints', () => {
  it('requires every endpoint locally', () => {
    expect(() => checkEndpoints({}, 'local')).toThrow(
      'AWS_ENDPOINT_URL is not set; ATLAS_BASE_URL is not set; OKTA_ORG_URL is not set.',
    );
  });

  it('rejects a remote endpoint locally', () => {
    expect(() =>
      checkEndpoints({ ...loopback, ATLAS_BASE_URL: 'https://cloud.mongodb.com' }, 'local'),
    ).toThrow('ATLAS_BASE_URL is https://cloud.mongodb.com, not a loopback address');
  });

  it('accepts loopback locally', () => {
    expect(() => checkEndpoints(loopback, 'local')).not.toThrow();
  });

  it('rejects loopback for the cloud', () => {
    expect(() => checkEndpoints({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, 'cloud')).toThrow(
      'AWS_ENDPOINT_URL points at http://localhost:4566, a local stand-in',
    );
  });

  it('accepts no overrides for the cloud', () => {
    expect(() => checkEndpoints({}, 'cloud')).not.toThrow();
  });
});

describe('createProviders', () => {
  it('builds every provider for validation without credentials', () => {
    const providers = createProviders(options({ purpose: 'validate', target: 'cloud' }));
    expect(providers.map((provider) => provider.name)).toEqual(['aws', 'atlas', 'okta']);
    disposeProviders(providers);
  });

  it('names missing credentials, never values', () => {
    const env = {
      ...loopback,
      MONGODB_ATLAS_CLIENT_ID: 'id',
      MONGODB_ATLAS_CLIENT_SECRET: 'atlas-secret-value',
    };
    const error = (() => {
      try {
        createProviders(options({ env }));
        return undefined;
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(StackError);
    expect(error?.message).toContain('OKTA_API_TOKEN');
    expect(error?.message).not.toContain('atlas-secret-value');
  });

  it('skips vendors the config lacks', () => {
    const env = { ...loopback, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const providers = createProviders(options({ env, raw: { aws: raw.aws } }));
    disposeProviders(providers);
    expect(providers.map((provider) => provider.name)).toEqual(['aws']);
  });

  it('reports credentials to mask', () => {
    const masked: string[] = [];
    const env = {
      ...loopback,
      MONGODB_ATLAS_CLIENT_ID: 'id',
      MONGODB_ATLAS_CLIENT_SECRET: 'atlas-secret-value',
      OKTA_API_TOKEN: 'okta-token-value',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
    };
    const providers = createProviders(options({ env, onSecret: (value) => masked.push(value) }));
    disposeProviders(providers);
    expect(masked).toEqual(
      expect.arrayContaining(['atlas-secret-value', 'okta-token-value', 'aws-secret-value']),
    );
  });
});

describe('createSecretResolver', () => {
  it('reads environment secrets', async () => {
    const resolver = createSecretResolver(options({ env: { DB_PASSWORD: 'from-env' } }));
    await expect(
      resolver.resolve({ type: 'secret', text: '', from: 'env', name: 'DB_PASSWORD' }),
    ).resolves.toBe('from-env');
  });

  it('reads Secrets Manager', async () => {
    const standIn = await startAwsStandIn({ listen: startServer });
    const client = new SecretsManagerClient(standIn.clientConfig());
    await client.send(
      new CreateSecretCommand({ Name: 'example-backend-dev/okta', SecretString: 'sm-value' }),
    );
    client.destroy();
    const config = standIn.clientConfig();
    const resolver = createSecretResolver(
      options({
        env: {
          AWS_ENDPOINT_URL: config.endpoint,
          AWS_ACCESS_KEY_ID: config.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
        },
      }),
    );
    const reference = {
      type: 'secret',
      text: '',
      from: 'secretsManager',
      name: 'example-backend-dev/okta',
    } as const;
    await expect(resolver.resolve(reference)).resolves.toBe('sm-value');
  });

  it('names a missing Secrets Manager secret', async () => {
    const standIn = await startAwsStandIn({ listen: startServer });
    const config = standIn.clientConfig();
    const resolver = createSecretResolver(
      options({
        env: {
          AWS_ENDPOINT_URL: config.endpoint,
          AWS_ACCESS_KEY_ID: config.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
        },
      }),
    );
    const error = await resolver
      .resolve({ type: 'secret', text: '', from: 'secretsManager', name: 'missing/secret' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as SecretError).message).toContain(
      'reading secret missing/secret from Secrets Manager failed (ResourceNotFoundException)',
    );
  });
});
