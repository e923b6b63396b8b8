import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumeRoleWithGitHubOidc } from '../../actions/github/aws-credentials.ts';
import { readRunContext } from '../../actions/github/context.ts';
import {
  createRunnerSecretResolver,
  readCredentialVariables,
  readVendorCredentials,
} from '../../actions/github/vendor-credentials.ts';
import { startAwsResponder } from './aws-responder.ts';
import { captureStdout, frozenNow, startStandIn } from './helpers.ts';

const roleArn = 'arn:aws:iam::123456789012:role/gitops-dev';
const atlasSecret = 'atlas-client-secret-0123456789';
const oktaToken = '00okta-api-token-abcdefghijklmnopqrstuvwxyz';
const pemKey = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  'VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDu',
  '-----END PRIVATE KEY-----',
].join('\n');

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Creates a Secrets Manager client signed with credentials from the OIDC exchange. */
async function oidcSecretsManager(secrets: Record<string, string>) {
  const standIn = await startStandIn({ run: { environment: 'dev' } });
  const aws = await startAwsResponder({
    jwks: standIn.jwks,
    issuer: standIn.issuer,
    now: frozenNow,
    trust: { [roleArn]: ['repo:octo-org/example-backend:environment:dev'] },
    secrets,
  });
  const env = standIn.runnerEnvironment();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const credentials = await assumeRoleWithGitHubOidc({
    roleArn,
    region: 'us-east-1',
    context: readRunContext(env),
    env,
    stsEndpoint: aws.url,
  });
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: aws.url,
    credentials,
    maxAttempts: 1,
  });
  return { aws, client, credentials };
}

describe('readVendorCredentials', () => {
  it('reads Secrets Manager with the OIDC role', async () => {
    const { aws, client, credentials } = await oidcSecretsManager({
      'gitops/dev': JSON.stringify({
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        ATLAS_CLIENT_SECRET: atlasSecret,
        OKTA_API_TOKEN: oktaToken,
      }),
    });

    const result = await readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas', 'okta'],
    );

    expect(result.atlas).toEqual({
      type: 'serviceAccount',
      clientId: 'mdb_sa_id_0123',
      clientSecret: atlasSecret,
    });
    expect(result.okta).toEqual({ type: 'apiToken', token: oktaToken });
    expect(aws.secretReads).toEqual([
      { secretId: 'gitops/dev', accessKeyId: credentials.accessKeyId },
    ]);
  });

  it('masks secrets and derived forms', async () => {
    const { client } = await oidcSecretsManager({
      'gitops/dev': JSON.stringify({
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        ATLAS_CLIENT_SECRET: atlasSecret,
        OKTA_CLIENT_ID: '0oa-service-app',
        OKTA_PRIVATE_KEY: pemKey,
      }),
    });
    const stdout = captureStdout();

    await readVendorCredentials({ from: 'secretsManager', secretId: 'gitops/dev', client }, [
      'atlas',
      'okta',
    ]);

    const masks = stdout
      .lines()
      .filter((line) => line.startsWith('::add-mask::'))
      .map((line) => line.slice('::add-mask::'.length));
    expect(masks).toContain(atlasSecret);
    expect(masks).toContain(Buffer.from(atlasSecret).toString('base64'));
    expect(masks).toContain(Buffer.from(`mdb_sa_id_0123:${atlasSecret}`).toString('base64'));
    // A multi-line key is masked whole (the runner unescapes %0A) and line by line.
    expect(masks).toContain(pemKey.replace(/\n/g, '%0A'));
    expect(masks).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7');
    expect(masks).not.toContain('mdb_sa_id_0123');
  });

  it('masks JWK private members', async () => {
    const jwk = JSON.stringify({
      kty: 'RSA',
      n: 'public-modulus',
      e: 'AQAB',
      d: 'private-exponent-d',
      p: 'prime-p-value',
      q: 'prime-q-value',
    });
    const stdout = captureStdout();

    await readVendorCredentials(
      { from: 'env', env: { OKTA_CLIENT_ID: '0oa-service-app', OKTA_PRIVATE_KEY: jwk } },
      ['okta'],
    );

    const text = stdout.text();
    expect(text).toContain('::add-mask::private-exponent-d');
    expect(text).toContain('::add-mask::prime-p-value');
    expect(text).not.toContain('::add-mask::public-modulus');
  });

  it('names missing keys, not values', async () => {
    const { client } = await oidcSecretsManager({
      'gitops/dev': JSON.stringify({
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        OKTA_API_TOKEN: oktaToken,
      }),
    });

    const attempt = readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas', 'okta'],
    );

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SECRET_INVALID' });
    await expect(attempt).rejects.toThrow(
      'Atlas credentials are missing from the Secrets Manager secret gitops/dev: set ATLAS_CLIENT_ID and ATLAS_CLIENT_SECRET (a service account), or ATLAS_PUBLIC_API_KEY and ATLAS_PRIVATE_API_KEY (an API key).',
    );
  });

  it('hides a SecretString that is not JSON', async () => {
    const { client } = await oidcSecretsManager({ 'gitops/dev': 'plain-secret-text-123' });
    const stdout = captureStdout();

    const message = await readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas'],
    ).catch((error: Error) => error.message);

    expect(message).toMatch(/^The SecretString of gitops\/dev is not JSON/);
    expect(message).not.toContain('plain-secret-text-123');
    expect(stdout.text()).toContain('::add-mask::plain-secret-text-123');
  });

  it('explains a secret that is not found', async () => {
    const { client } = await oidcSecretsManager({});

    const attempt = readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/prod', client },
      ['atlas'],
    );

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SECRET_READ' });
    await expect(attempt).rejects.toThrow(
      /gitops\/prod failed with ResourceNotFoundException: .*Create it in the role's region/,
    );
  });

  it('reads environment secrets', async () => {
    const result = await readVendorCredentials(
      {
        from: 'env',
        env: {
          ATLAS_PUBLIC_API_KEY: 'abcdefgh',
          ATLAS_PRIVATE_API_KEY: 'private-key-uuid',
          OKTA_API_TOKEN: oktaToken,
        },
      },
      ['atlas', 'okta'],
    );

    expect(result.atlas).toEqual({
      type: 'apiKey',
      publicKey: 'abcdefgh',
      privateKey: 'private-key-uuid',
    });
    expect(result.okta).toEqual({ type: 'apiToken', token: oktaToken });
  });

  it('reads only the vendors requested', async () => {
    const result = await readVendorCredentials(
      { from: 'env', env: { OKTA_API_TOKEN: oktaToken } },
      ['okta'],
    );

    expect(result.atlas).toBeUndefined();
    expect(result.okta).toEqual({ type: 'apiToken', token: oktaToken });
  });
});

describe('readCredentialVariables', () => {
  it('returns the keys of the vendors requested', async () => {
    const { client } = await oidcSecretsManager({
      'gitops/dev': JSON.stringify({
        OKTA_API_TOKEN: oktaToken,
        ATLAS_CLIENT_SECRET: atlasSecret,
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        UNRELATED: 'ignored',
      }),
    });

    const variables = await readCredentialVariables(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas'],
    );

    expect(variables).toEqual({
      ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
      ATLAS_CLIENT_SECRET: atlasSecret,
    });
  });

  it('checks the keys like readVendorCredentials', async () => {
    const attempt = readCredentialVariables({ from: 'env', env: { OKTA_CLIENT_ID: '0oa' } }, [
      'okta',
    ]);

    await expect(attempt).rejects.toThrow(
      'Okta credentials are missing from the environment: set OKTA_CLIENT_ID and OKTA_PRIVATE_KEY (an OAuth service app), or OKTA_API_TOKEN.',
    );
  });
});

describe('createRunnerSecretResolver', () => {
  it('resolves and masks both sources', async () => {
    const { aws, client } = await oidcSecretsManager({
      'gitops/dev/db-password': 'db-password-value',
    });
    const resolver = createRunnerSecretResolver({
      env: { OKTA_API_TOKEN: oktaToken },
      secretsManager: client,
    });
    const stdout = captureStdout();

    const fromEnv = await resolver.resolve({
      type: 'secret',
      text: '',
      from: 'env',
      name: 'OKTA_API_TOKEN',
    });
    const fromSecretsManager = await resolver.resolve({
      type: 'secret',
      text: '',
      from: 'secretsManager',
      name: 'gitops/dev/db-password',
    });
    await resolver.resolve({
      type: 'secret',
      text: '',
      from: 'secretsManager',
      name: 'gitops/dev/db-password',
    });

    expect(fromEnv).toBe(oktaToken);
    expect(fromSecretsManager).toBe('db-password-value');
    expect(aws.secretReads).toHaveLength(1);
    expect(stdout.text()).toContain(`::add-mask::${oktaToken}`);
    expect(stdout.text()).toContain('::add-mask::db-password-value');
  });

  it('explains an unset environment secret', async () => {
    const resolver = createRunnerSecretResolver({ env: {} });

    const attempt = resolver.resolve({
      type: 'secret',
      text: '',
      from: 'env',
      name: 'OKTA_API_TOKEN',
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SECRET_UNRESOLVED' });
    await expect(attempt).rejects.toThrow('env: OKTA_API_TOKEN: ${{ secrets.OKTA_API_TOKEN }}');
  });

  it('needs AWS credentials for Secrets Manager', async () => {
    const resolver = createRunnerSecretResolver({ env: {} });

    const attempt = resolver.resolve({
      type: 'secret',
      text: '',
      from: 'secretsManager',
      name: 'gitops/dev',
    });

    await expect(attempt).rejects.toThrow(/this run has no AWS credentials/);
  });
});
