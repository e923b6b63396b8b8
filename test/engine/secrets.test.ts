import { describe, expect, it } from 'vitest';
import {
  Redactor,
  createEnvironmentSecretResolver,
  extractSecrets,
  isSecretKey,
} from '../../actions/engine/secrets.ts';

describe('isSecretKey', () => {
  const secret = [
    'password',
    'DB_PASSWORD',
    'clientSecret',
    'OKTA_API_TOKEN',
    'privateKey',
    'apiKey',
    'secretAccessKey',
    'refresh_token',
    'credentials',
  ];
  const plain = [
    'tokenEndpointAuthMethod',
    'secretName',
    'secretNames',
    'passwordPolicy',
    'keyId',
    'accessPolicy',
    'roleName',
    'tokenLifetime',
  ];

  for (const key of secret) {
    it(`flags ${key}`, () => {
      expect(isSecretKey(key)).toBe(true);
    });
  }
  for (const key of plain) {
    it(`passes ${key}`, () => {
      expect(isSecretKey(key)).toBe(false);
    });
  }
});

describe('extractSecrets', () => {
  it('converts secret objects', () => {
    const { data, problems } = extractSecrets({
      env: { DB_PASSWORD: { secret: { name: 'DB_PASSWORD', from: 'env' } } },
    });
    expect(problems).toEqual([]);
    expect(data).toEqual({ env: { DB_PASSWORD: '${secret:env:DB_PASSWORD}' } });
  });

  it('accepts a reference under a secret key', () => {
    expect(extractSecrets({ clientSecret: '${okta.apps.spa.clientSecret}' }).problems).toEqual([]);
  });

  it('rejects extra keys in a secret', () => {
    const { problems } = extractSecrets({
      x: { secret: { name: 'A', from: 'env', value: 'oops' } },
    });
    expect(problems[0]?.rule).toBe('secret.invalid-reference');
    expect(problems[0]?.message).toContain('unknown key "value"');
  });

  it('rejects an AWS access key anywhere', () => {
    const { problems } = extractSecrets({ note: 'key AKIAABCDEFGHIJKLMNOP here' });
    expect(problems.map((problem) => problem.rule)).toEqual(['secret.literal']);
    expect(problems[0]?.message).not.toContain('AKIA');
  });

  it('rejects a numeric secret', () => {
    expect(
      extractSecrets({ pin: 1, password: 1234 }).problems.map((problem) => problem.path),
    ).toEqual([['password']]);
  });
});

describe('createEnvironmentSecretResolver', () => {
  it('reads the variable', async () => {
    const resolver = createEnvironmentSecretResolver({ DB_PASSWORD: 'pw-value' });
    await expect(
      resolver.resolve({ type: 'secret', text: '', from: 'env', name: 'DB_PASSWORD' }),
    ).resolves.toBe('pw-value');
  });

  it('names a missing variable', async () => {
    const resolver = createEnvironmentSecretResolver({});
    await expect(
      resolver.resolve({ type: 'secret', text: '', from: 'env', name: 'DB_PASSWORD' }),
    ).rejects.toThrow('secret DB_PASSWORD is not set');
  });
});

describe('Redactor', () => {
  it('masks every occurrence', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-long');
    expect(redactor.redact('a hunter2-long b hunter2-long')).toBe('a *** b ***');
  });

  it('ignores very short values', () => {
    const redactor = new Redactor();
    redactor.add('ab');
    expect(redactor.redact('abc')).toBe('abc');
  });
});
