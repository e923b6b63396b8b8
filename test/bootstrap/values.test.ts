// The pure parts of the bootstrap: which keys go into a vendor secret, which vendor a secret
// name belongs to, and which GitHub variables go where.
import { describe, expect, it } from 'vitest';
import { vendorOfSecret, vendorSecretValue } from '../../actions/bootstrap/secrets.ts';
import { repositoryVariables } from '../../actions/bootstrap/variables.ts';
import type { GitHubConfig } from '../../actions/providers/aws/schema.ts';

describe('vendorSecretValue', () => {
  it('prefers the Atlas service account', () => {
    const value = vendorSecretValue('atlas', {
      ATLAS_CLIENT_ID: 'id',
      ATLAS_CLIENT_SECRET: 'secret',
      ATLAS_PUBLIC_API_KEY: 'public',
      ATLAS_PRIVATE_API_KEY: 'private',
    });

    expect(value).toEqual({ ATLAS_CLIENT_ID: 'id', ATLAS_CLIENT_SECRET: 'secret' });
  });

  it('takes the Atlas API key pair', () => {
    const value = vendorSecretValue('atlas', {
      ATLAS_PUBLIC_API_KEY: 'public',
      ATLAS_PRIVATE_API_KEY: 'private',
    });

    expect(value).toEqual({ ATLAS_PRIVATE_API_KEY: 'private', ATLAS_PUBLIC_API_KEY: 'public' });
  });

  it('takes the Okta private key with its key id', () => {
    const value = vendorSecretValue('okta', {
      OKTA_CLIENT_ID: '0oa1',
      OKTA_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----',
      OKTA_KEY_ID: 'kid-1',
      OKTA_API_TOKEN: 'token',
    });

    expect(value).toEqual({
      OKTA_CLIENT_ID: '0oa1',
      OKTA_KEY_ID: 'kid-1',
      OKTA_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----',
    });
  });

  it('returns nothing without keys', () => {
    expect(vendorSecretValue('okta', { ATLAS_CLIENT_ID: 'id', OKTA_API_TOKEN: ' ' })).toBe(
      undefined,
    );
  });

  it('names the keys of an incomplete set', () => {
    const attempt = () =>
      vendorSecretValue('okta', { OKTA_CLIENT_ID: '0oa1', OKTA_KEY_ID: 'kid-1' });

    expect(attempt).toThrow('Okta keys are incomplete: OKTA_CLIENT_ID, OKTA_KEY_ID are set');
  });
});

describe('vendorOfSecret', () => {
  it.each([
    ['example-backend-dev/atlas', 'atlas'],
    ['example-backend-dev/Okta', 'okta'],
    ['okta', 'okta'],
    ['example-backend-dev/atlas-old', undefined],
    ['example-backend-dev/db', undefined],
  ])('reads %s as %s', (name, vendor) => {
    expect(vendorOfSecret(name)).toBe(vendor);
  });
});

describe('repositoryVariables', () => {
  const github: GitHubConfig = {
    repository: 'octo-org/octo-repo',
    repositoryOwnerId: 1,
    repositoryId: 2,
    branch: 'dev',
    defaultBranch: 'main',
    environment: 'dev',
    pullRequests: true,
    oidcProvider: { managed: true },
    planRole: { roleName: 'plan' },
    deployRole: { roleName: 'deploy' },
    secretNames: ['octo/dev/db', 'octo/dev/okta'],
  };
  const roles = { plan: 'arn:plan', deploy: 'arn:deploy', preview: undefined };

  it('scopes the deploy values to the environment', () => {
    const variables = repositoryVariables(github, 'eu-west-1', roles);

    expect(variables).toEqual([
      { name: 'AWS_DEPLOY_ROLE_ARN', value: 'arn:deploy', environment: 'dev' },
      { name: 'AWS_REGION', value: 'eu-west-1', environment: 'dev' },
      { name: 'OKTA_SECRET_NAME', value: 'octo/dev/okta', environment: 'dev' },
    ]);
  });

  // Jobs outside an environment read no variables, so none goes to the repository by default.
  it('leaves the repository alone by default', () => {
    const variables = repositoryVariables(github, 'eu-west-1', { ...roles, preview: 'arn:pr' });

    expect(variables.filter((variable) => variable.environment === undefined)).toEqual([]);
    expect(variables.map((variable) => variable.name)).not.toContain('AWS_PREVIEW_ROLE_ARN');
  });

  it('puts the values in the repository on request', () => {
    const variables = repositoryVariables(github, 'eu-west-1', roles, 'repository');

    expect(variables).toEqual([
      { name: 'AWS_DEPLOY_ROLE_ARN', value: 'arn:deploy', environment: undefined },
      { name: 'AWS_REGION', value: 'eu-west-1', environment: undefined },
      { name: 'OKTA_SECRET_NAME', value: 'octo/dev/okta', environment: undefined },
    ]);
  });
});
