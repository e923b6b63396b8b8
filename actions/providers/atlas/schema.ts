// The `atlas:` section of an environment's config, with Atlas's own field names. A string that
// contains an id or a name that another resource produces may instead be a whole reference, such
// as `${atlas.projects.dev.id}` or `${aws.roles.lambda.arn}`. The engine resolves those.
import { z } from 'zod';
import { markerTagPrefix } from './marker.ts';

const referencePattern = /^\$\{[^${}]+\}$/;
const objectIdPattern = /^[a-f0-9]{24}$/;

/** Returns whether `value` is one whole `${...}` reference rather than a literal. */
export function isReference(value: string): boolean {
  return referencePattern.test(value);
}

const key = z
  .string()
  .regex(/^[A-Za-z0-9][\w-]*$/, 'keys start with a letter or digit, then letters, digits, _ or -');

const idOrReference = z
  .string()
  .refine((value) => objectIdPattern.test(value) || isReference(value), {
    message: 'must be a 24-hex-digit Atlas id or a reference such as ${atlas.projects.dev.id}',
  });

// Atlas resource tags: keys and values of 1 to 255 letters, numbers, spaces or `; @ _ - . +`.
const tagText = z
  .string()
  .regex(/^[\p{L}\p{N} ;@_.+-]{1,255}$/u, 'use 1 to 255 letters, numbers, spaces or ; @ _ - . +');
const tags = z
  .record(
    tagText.refine((value) => !value.startsWith(markerTagPrefix), {
      message: `keys starting with ${markerTagPrefix} are reserved for the ownership marker`,
    }),
    tagText,
  )
  .refine((value) => Object.keys(value).length <= 47, {
    message: 'at most 47 tags: Atlas allows 50 and the ownership marker uses 3',
  });

const cloudProvider = z.enum(['AWS', 'GCP', 'AZURE']);
const clusterName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]*$/, 'letters, digits and -, starting with a letter or digit')
  .max(64);
const regionName = z
  .string()
  .regex(/^[A-Z0-9_]+$/, 'an Atlas region name such as US_EAST_1 (upper case, underscores)');

const clusterCommon = {
  projectId: idOrReference,
  name: clusterName,
  regionName,
  tags: tags.optional(),
  terminationProtectionEnabled: z.boolean().optional(),
};

/** M0, the free shared tier: one per project. */
const tenantCluster = z.strictObject({
  ...clusterCommon,
  providerName: z.literal('TENANT'),
  backingProviderName: cloudProvider,
  instanceSizeName: z.string().refine((value) => value === 'M0', {
    message: 'shared-tier (TENANT) clusters are M0; for M2 or M5 use providerName FLEX',
  }),
});

const flexCluster = z.strictObject({
  ...clusterCommon,
  providerName: z.literal('FLEX'),
  backingProviderName: cloudProvider,
});

const dedicatedCluster = z.strictObject({
  ...clusterCommon,
  providerName: cloudProvider,
  instanceSizeName: z
    .string()
    .regex(/^M(1\d|[2-9]\d|\d{3,})(_NVME|_LOW_CPU)?$/, 'a dedicated size such as M10 or M30'),
  nodeCount: z.union([z.literal(3), z.literal(5), z.literal(7)]).optional(),
  diskSizeGB: z.number().positive().optional(),
  backupEnabled: z.boolean().optional(),
  mongoDBMajorVersion: z
    .string()
    .regex(/^\d+\.\d+$/, 'a major version such as 8.0')
    .optional(),
});

const cluster = z.discriminatedUnion('providerName', [
  tenantCluster,
  flexCluster,
  dedicatedCluster,
]);

const ipv4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const accessListEntry = z
  .strictObject({
    projectId: idOrReference,
    cidrBlock: z
      .string()
      .refine(
        (value) => {
          const [address, bits, extra] = value.split('/');
          return (
            extra === undefined &&
            ipv4.test(address ?? '') &&
            /^\d{1,2}$/.test(bits ?? '') &&
            Number(bits) <= 32
          );
        },
        { message: 'an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24' },
      )
      .optional(),
    ipAddress: z.string().regex(ipv4, 'an IPv4 address such as 203.0.113.7').optional(),
    comment: z.string().max(80).optional(),
  })
  .refine((entry) => (entry.cidrBlock === undefined) !== (entry.ipAddress === undefined), {
    message: 'set exactly one of cidrBlock and ipAddress',
  });

const databaseUser = z.strictObject({
  projectId: idOrReference,
  /** The IAM ARN, literal or a reference such as `${aws.roles.lambda.arn}`. */
  username: z.string().min(1).max(1024),
  awsIAMType: z.enum(['USER', 'ROLE'], {
    message: 'awsIAMType must be USER or ROLE: this template creates IAM database users only',
  }),
  databaseName: z.literal('$external', {
    message: 'AWS IAM database users authenticate against $external',
  }),
  roles: z
    .array(
      z.strictObject({
        roleName: z.string().min(1),
        databaseName: z.string().min(1),
        collectionName: z.string().min(1).optional(),
      }),
    )
    .min(1),
  scopes: z
    .array(z.strictObject({ name: clusterName, type: z.enum(['CLUSTER', 'DATA_LAKE', 'STREAM']) }))
    .optional(),
  labels: tags.optional(),
});

const project = z.strictObject({
  name: z
    .string()
    .regex(/^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u, "1 to 64 letters, digits or -_.(),:&@+'"),
  tags: tags.optional(),
});

/**
 * Monthly spend limit of the organization, which the billing check compares with the pending
 * invoice. Atlas invoices in US dollars, so the unit is USD.
 */
const budget = z.strictObject({
  limitAmount: z
    .number({ message: 'limitAmount must be a number of US dollars, such as 25' })
    .positive('limitAmount must be more than 0 US dollars'),
  unit: z.literal('USD', { message: 'unit must be USD: Atlas invoices in US dollars' }),
});

/** The `atlas:` config section. Collections are keyed maps; the keys form config addresses. */
export const atlasSchema = z.strictObject({
  orgId: z.string().regex(objectIdPattern, 'the 24-hex-digit id of your Atlas organization'),
  budget: budget.optional(),
  projects: z.record(key, project).optional(),
  clusters: z.record(key, cluster).optional(),
  accessList: z.record(key, accessListEntry).optional(),
  databaseUsers: z.record(key, databaseUser).optional(),
});

export type AtlasSection = z.infer<typeof atlasSchema>;
export type AtlasBudget = z.infer<typeof budget>;
export type ProjectSpec = z.infer<typeof project>;
export type ClusterSpec = z.infer<typeof cluster>;
export type AccessListEntrySpec = z.infer<typeof accessListEntry>;
export type DatabaseUserSpec = z.infer<typeof databaseUser>;
