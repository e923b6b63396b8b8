// Two small providers with strict schemas shaped like the real AWS and Okta sections, so config
// validation is tested without the real providers. Their handlers are never called.
import { z } from 'zod';
import type {
  DesiredResource,
  Provider,
  ResourceHandler,
  SpecValue,
} from '../../actions/engine/provider.ts';

const key = z.string().regex(/^[a-z][\w-]*$/);

function handler(kind: string, extra: Partial<ResourceHandler> = {}): ResourceHandler {
  const unused = () => Promise.reject(new Error(`${kind}: not used in validation tests`));
  return { kind, observe: unused, create: unused, update: unused, delete: unused, ...extra };
}

function resourcesOf(
  provider: string,
  section: Record<string, unknown>,
  kinds: Record<string, string>,
  nameField: Record<string, string>,
): DesiredResource[] {
  const resources: DesiredResource[] = [];
  for (const [collection, kind] of Object.entries(kinds)) {
    const entries = (section[collection] ?? {}) as Record<string, Record<string, SpecValue>>;
    for (const [name, spec] of Object.entries(entries)) {
      resources.push({
        address: `${provider}.${collection}.${name}`,
        kind,
        name: spec[nameField[collection]!] as string,
        spec,
      });
    }
  }
  return resources;
}

export const testAwsSchema = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
  region: z.string(),
  roles: z
    .record(
      key,
      z.strictObject({
        roleName: z.string(),
        description: z.string().optional(),
        managedPolicyArns: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  functions: z
    .record(
      key,
      z.strictObject({
        functionName: z.string(),
        role: z.string(),
        runtime: z.enum(['nodejs20.x', 'nodejs22.x', 'nodejs24.x']),
        memorySize: z.number().int().min(128).max(10240).optional(),
        environment: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
  functionUrls: z
    .record(
      key,
      z.strictObject({ functionName: z.string(), authType: z.enum(['NONE', 'AWS_IAM']) }),
    )
    .optional(),
  logging: z
    .discriminatedUnion('destination', [
      z.strictObject({ destination: z.literal('cloudwatch'), retentionInDays: z.number().int() }),
      z.strictObject({ destination: z.literal('none') }),
    ])
    .optional(),
});

type AwsSection = z.infer<typeof testAwsSchema>;

export const testAwsProvider: Provider<AwsSection> = {
  name: 'aws',
  schema: testAwsSchema,
  check(section) {
    const names = Object.entries(section.functions ?? {}).map(
      ([name, fn]) => [name, fn.functionName] as const,
    );
    return names
      .filter(
        ([, functionName], index) =>
          names.findIndex(([, other]) => other === functionName) !== index,
      )
      .map(([name, functionName]) => ({
        path: ['functions', name, 'functionName'],
        rule: 'aws.function-name-unique',
        message: `functionName "${functionName}" is used by another function; use a distinct name`,
      }));
  },
  resources: (section) =>
    resourcesOf(
      'aws',
      section,
      {
        roles: 'aws:iam:Role',
        functions: 'aws:lambda:Function',
        functionUrls: 'aws:lambda:FunctionUrl',
      },
      { roles: 'roleName', functions: 'functionName', functionUrls: 'functionName' },
    ),
  handlers: {
    'aws:iam:Role': handler('aws:iam:Role', { outputs: ['arn', 'roleId'] }),
    'aws:lambda:Function': handler('aws:lambda:Function', {
      outputs: ['arn'],
      fields: { environment: { deferrable: true } },
    }),
    'aws:lambda:FunctionUrl': handler('aws:lambda:FunctionUrl', { outputs: ['url', 'origin'] }),
  },
};

export const testOktaSchema = z.strictObject({
  orgUrl: z.url(),
  apps: z
    .record(
      key,
      z.strictObject({ label: z.string(), redirectUris: z.array(z.string()).default([]) }),
    )
    .optional(),
  trustedOrigins: z
    .record(
      key,
      z.strictObject({
        name: z.string(),
        origin: z.string(),
        scopes: z.array(z.enum(['CORS', 'REDIRECT'])),
      }),
    )
    .optional(),
});

type OktaSection = z.infer<typeof testOktaSchema>;

export const testOktaProvider: Provider<OktaSection> = {
  name: 'okta',
  schema: testOktaSchema,
  resources: (section) =>
    resourcesOf(
      'okta',
      section,
      { apps: 'okta:Application', trustedOrigins: 'okta:TrustedOrigin' },
      { apps: 'label', trustedOrigins: 'name' },
    ),
  handlers: {
    'okta:Application': handler('okta:Application', {
      outputs: ['clientId', 'issuer', 'audience'],
    }),
    'okta:TrustedOrigin': handler('okta:TrustedOrigin', { outputs: ['id'] }),
  },
};

export const testProviders = [testAwsProvider, testOktaProvider] as Provider[];
