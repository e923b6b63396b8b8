import { describe, expect, it } from 'vitest';
import { diffSpec, maskedValue, normaliseJsonDocument } from '../../actions/engine/compare.ts';
import type { FieldRule, SpecValue } from '../../actions/engine/provider.ts';

type Spec = Record<string, SpecValue>;

const assumeRolePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
};

interface Case {
  readonly name: string;
  /** Why the case exists. */
  readonly why: string;
  readonly desired: Spec;
  readonly observed: Spec;
  readonly fields?: Record<string, FieldRule>;
  /** Paths expected to change, in order. */
  readonly changed: string[];
}

const cases: Case[] = [
  {
    name: 'equal scalars',
    why: 'the base case: nothing changes',
    desired: { memorySize: 512, runtime: 'nodejs22.x' },
    observed: { memorySize: 512, runtime: 'nodejs22.x' },
    changed: [],
  },
  {
    name: 'changed scalar',
    why: 'a plain update names the field',
    desired: { memorySize: 512 },
    observed: { memorySize: 256 },
    changed: ['memorySize'],
  },
  {
    name: 'number versus numeric string',
    why: 'providers must map observed values to the config shape; the engine does not coerce',
    desired: { timeout: 10 },
    observed: { timeout: '10' },
    changed: ['timeout'],
  },
  {
    name: 'server-set default',
    why: 'fields absent from the desired spec are never compared',
    desired: { functionName: 'api' },
    observed: { functionName: 'api', ephemeralStorage: 512, lastModified: '2026-01-01' },
    changed: [],
  },
  {
    name: 'nested server-set default',
    why: 'the desired-only rule applies at every depth',
    desired: { cors: { allowOrigins: ['*'] } },
    observed: { cors: { allowOrigins: ['*'], maxAge: 0 } },
    changed: [],
  },
  {
    name: 'nested change names the leaf',
    why: 'a change inside an object names the deepest field',
    desired: { environment: { OKTA_ISSUER: 'https://a', MONGODB_HOST: 'h' } },
    observed: { environment: { OKTA_ISSUER: 'https://b', MONGODB_HOST: 'h' } },
    changed: ['environment.OKTA_ISSUER'],
  },
  {
    name: 'missing observed object',
    why: 'an object the vendor lacks changes as a whole',
    desired: { cors: { allowOrigins: ['*'] } },
    observed: {},
    changed: ['cors'],
  },
  {
    name: 'ordered list reordered',
    why: 'arrays are ordered by default: redirect URIs keep their order',
    desired: { redirectUris: ['a', 'b'] },
    observed: { redirectUris: ['b', 'a'] },
    changed: ['redirectUris'],
  },
  {
    name: 'ordered list extra item',
    why: 'an observed item the config lacks is a change',
    desired: { redirectUris: ['a'] },
    observed: { redirectUris: ['a', 'b'] },
    changed: ['redirectUris'],
  },
  {
    name: 'set reordered',
    why: 'a set ignores order',
    desired: { grantTypes: ['authorization_code', 'refresh_token'] },
    observed: { grantTypes: ['refresh_token', 'authorization_code'] },
    fields: { grantTypes: { compare: 'set' } },
    changed: [],
  },
  {
    name: 'set duplicates',
    why: 'a set ignores duplicates',
    desired: { scopes: ['CORS'] },
    observed: { scopes: ['CORS', 'CORS'] },
    fields: { scopes: { compare: 'set' } },
    changed: [],
  },
  {
    name: 'set missing item',
    why: 'a set still notices a missing member',
    desired: { thresholds: [50, 80, 100] },
    observed: { thresholds: [80, 50] },
    fields: { thresholds: { compare: 'set' } },
    changed: ['thresholds'],
  },
  {
    name: 'set of objects with defaults',
    why: 'set members are matched with the desired-only rule',
    desired: { roles: [{ roleName: 'readWrite', databaseName: 'default' }] },
    observed: { roles: [{ databaseName: 'default', roleName: 'readWrite', collectionName: null }] },
    fields: { roles: { compare: 'set' } },
    changed: [],
  },
  {
    name: 'json policy URL-encoded',
    why: 'IAM returns policy documents URL-encoded',
    desired: { assumeRolePolicyDocument: assumeRolePolicy },
    observed: {
      assumeRolePolicyDocument: encodeURIComponent(JSON.stringify(assumeRolePolicy)),
    },
    fields: { assumeRolePolicyDocument: { compare: 'json' } },
    changed: [],
  },
  {
    name: 'json single-item array',
    why: 'IAM treats a one-item array and its item alike',
    desired: { assumeRolePolicyDocument: assumeRolePolicy },
    observed: {
      assumeRolePolicyDocument: {
        Statement: {
          Action: ['sts:AssumeRole'],
          Principal: { Service: ['lambda.amazonaws.com'] },
          Effect: 'Allow',
        },
        Version: '2012-10-17',
      },
    },
    fields: { assumeRolePolicyDocument: { compare: 'json' } },
    changed: [],
  },
  {
    name: 'json action order',
    why: 'IAM action lists are sets',
    desired: { policy: { Action: ['s3:GetObject', 's3:PutObject'] } },
    observed: { policy: JSON.stringify({ Action: ['s3:PutObject', 's3:GetObject'] }) },
    fields: { policy: { compare: 'json' } },
    changed: [],
  },
  {
    name: 'json real change',
    why: 'a different principal is a change',
    desired: { assumeRolePolicyDocument: assumeRolePolicy },
    observed: {
      assumeRolePolicyDocument: JSON.stringify({
        ...assumeRolePolicy,
        Statement: [
          { ...assumeRolePolicy.Statement[0], Principal: { Service: 'ec2.amazonaws.com' } },
        ],
      }),
    },
    fields: { assumeRolePolicyDocument: { compare: 'json' } },
    changed: ['assumeRolePolicyDocument'],
  },
  {
    name: 'ignored field',
    why: 'write-only fields such as code are never compared',
    desired: { code: { artifact: 'dist/lambda.zip' } },
    observed: { code: { sha256: 'abc' } },
    fields: { code: { compare: 'ignore' } },
    changed: [],
  },
  {
    name: 'unknown desired value',
    why: 'a value known only after apply always shows as a change',
    desired: { role: { $unknown: '${aws.roles.lambda.arn}' } },
    observed: { role: 'arn:aws:iam::1:role/x' },
    changed: ['role'],
  },
  {
    name: 'null desired equals absent',
    why: 'null in config means the field is not set',
    desired: { description: null },
    observed: {},
    changed: [],
  },
  {
    name: 'rule under an array index',
    why: 'rule keys leave out array indices',
    desired: { statements: [{ actions: ['b', 'a'] }] },
    observed: { statements: [{ actions: ['a', 'b'] }] },
    fields: { 'statements.actions': { compare: 'set' } },
    changed: [],
  },
];

describe('diffSpec', () => {
  for (const testCase of cases) {
    it(`compares ${testCase.name}`, () => {
      const changes = diffSpec(testCase.desired, testCase.observed, { fields: testCase.fields });
      expect(
        changes.map((change) => change.path),
        testCase.why,
      ).toEqual(testCase.changed);
    });
  }

  it('reports before and after', () => {
    const [change] = diffSpec({ memorySize: 512 }, { memorySize: 256 });
    expect(change).toEqual({ path: 'memorySize', before: 256, after: 512 });
  });

  it('masks sensitive fields', () => {
    const [change] = diffSpec(
      { password: 'new-value' },
      { password: 'old-value' },
      { fields: { password: { sensitive: true } } },
    );
    expect(change).toEqual({
      path: 'password',
      before: maskedValue,
      after: maskedValue,
      sensitive: true,
    });
  });

  it('masks a parent of a sensitive field', () => {
    const changes = diffSpec(
      { environment: { API_KEY: 'x' } },
      {},
      { fields: { 'environment.API_KEY': { sensitive: true } } },
    );
    expect(changes[0]?.sensitive).toBe(true);
    expect(JSON.stringify(changes)).not.toContain('"x"');
  });

  it('masks values from secrets', () => {
    const changes = diffSpec(
      { environment: { DB_PASSWORD: 'hunter2', MODE: 'a' } },
      { environment: { DB_PASSWORD: 'old', MODE: 'b' } },
      { secretPaths: ['environment.DB_PASSWORD'] },
    );
    expect(changes).toEqual([
      { path: 'environment.DB_PASSWORD', before: maskedValue, after: maskedValue, sensitive: true },
      { path: 'environment.MODE', before: 'b', after: 'a' },
    ]);
  });

  it('keeps absent before unmasked', () => {
    const [change] = diffSpec({ token: 'abc' }, {}, { fields: { token: { sensitive: true } } });
    expect(change?.before).toBeUndefined();
    expect(change?.after).toBe(maskedValue);
  });

  it('quotes keys that are not identifiers', () => {
    const [change] = diffSpec({ tags: { 'gitops:managed-by': 'gitops' } }, { tags: {} });
    expect(change?.path).toBe('tags["gitops:managed-by"]');
  });
});

describe('normaliseJsonDocument', () => {
  it('sorts keys and arrays', () => {
    expect(JSON.stringify(normaliseJsonDocument({ b: ['y', 'x'], a: 1 }))).toBe(
      '{"a":1,"b":["x","y"]}',
    );
  });

  it('unwraps one-item arrays', () => {
    expect(normaliseJsonDocument({ Action: ['sts:AssumeRole'] })).toEqual({
      Action: 'sts:AssumeRole',
    });
  });
});
