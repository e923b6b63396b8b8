import { describe, expect, it } from 'vitest';
import {
  regionFromConfig,
  resolveCredentialSecret,
  resolveRoleArn,
  roleArnFromConfig,
  secretNameFromConfig,
} from '../../actions/github/config-defaults.ts';
import { ActionError } from '../../actions/github/errors.ts';
import { credentialKeys } from '../../actions/github/vendor-credentials.ts';

const config = {
  aws: {
    accountId: '123456789012',
    region: 'eu-west-1',
    github: {
      planRole: { roleName: 'app-dev-github-plan' },
      deployRole: { roleName: 'app-dev-github-deploy' },
      secretNames: ['app-dev/atlas', 'app-dev/okta'],
    },
  },
};
const keys = Object.keys(credentialKeys);

describe('roleArnFromConfig', () => {
  it.each([
    ['plan', 'arn:aws:iam::123456789012:role/app-dev-github-plan'],
    ['deploy', 'arn:aws:iam::123456789012:role/app-dev-github-deploy'],
    ['preview', undefined],
  ] as const)('builds the %s role ARN', (kind, arn) => {
    expect(roleArnFromConfig(config, kind)).toBe(arn);
  });

  it('needs the account id', () => {
    expect(roleArnFromConfig({ aws: { github: config.aws.github } }, 'plan')).toBeUndefined();
  });

  it('tolerates a config that is not an object', () => {
    expect(roleArnFromConfig(undefined, 'plan')).toBeUndefined();
    expect(roleArnFromConfig({ aws: ['list'] }, 'plan')).toBeUndefined();
  });
});

describe('resolveRoleArn', () => {
  it('prefers the input', () => {
    const input = 'arn:aws:iam::210987654321:role/other';
    expect(resolveRoleArn(input, config, 'plan', 'config/dev.yaml')).toBe(input);
  });

  it('names the config keys when both are missing', () => {
    const call = () => resolveRoleArn(undefined, config, 'preview', 'config/dev.yaml');
    expect(call).toThrow(ActionError);
    expect(call).toThrow(
      /config\/dev\.yaml declares no aws\.accountId with aws\.github\.previewRole\.roleName/,
    );
  });
});

describe('regionFromConfig', () => {
  it('reads aws.region', () => {
    expect(regionFromConfig(config)).toBe('eu-west-1');
    expect(regionFromConfig({})).toBeUndefined();
  });
});

describe('credential secrets', () => {
  it('matches the last path segment', () => {
    expect(secretNameFromConfig(config, 'atlas')).toBe('app-dev/atlas');
    expect(secretNameFromConfig(config, 'okta')).toBe('app-dev/okta');
    expect(
      secretNameFromConfig({ aws: { github: { secretNames: ['okta-extra'] } } }, 'okta'),
    ).toBeUndefined();
  });

  it.each([
    ['the input', 'named/secret', {}, 'named/secret'],
    ['the environment with a vendor key', undefined, { OKTA_API_TOKEN: 'token' }, undefined],
    ['the config otherwise', undefined, { ATLAS_CLIENT_ID: 'id' }, 'app-dev/okta'],
    ['the config over a blank key', undefined, { OKTA_API_TOKEN: '  ' }, 'app-dev/okta'],
  ])('chooses %s', (_name, input, env, expected) => {
    expect(resolveCredentialSecret(input, config, 'okta', env, keys)).toBe(expected);
  });
});
