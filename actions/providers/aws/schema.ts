// The `aws:` section of an environment's config: strict objects with the AWS field names, so a
// typo is an error rather than a silently ignored key.
import { z } from 'zod';

/** A whole-value reference to another resource's output, such as `${aws.roles.lambda.arn}`. */
export const referencePattern =
  /^\$\{[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\}$/;

/** Retention periods CloudWatch Logs accepts, in days. */
export const logRetentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Environment variable names Lambda reserves for its runtime. */
export const reservedEnvironmentKeys: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/**
 * Builds a record schema that checks keys one by one, so each bad key gets its own message and
 * path. A zod record key schema would report only "Invalid key in record".
 */
function keyedRecord<Value extends z.ZodType>(
  checkKey: (key: string) => string | undefined,
  value: Value,
) {
  return z.record(z.string(), value).superRefine((record, context) => {
    for (const key of Object.keys(record)) {
      const problem = checkKey(key);
      if (problem !== undefined) {
        context.addIssue({ code: 'custom', path: [key], message: `key "${key}" ${problem}` });
      }
    }
  });
}

const collectionKey = (key: string) =>
  /^[A-Za-z][A-Za-z0-9_-]*$/.test(key)
    ? undefined
    : 'must start with a letter and contain only letters, digits, _ and -';

const roleName = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'must be 1 to 64 characters from letters, digits and +=,.@_-');

const aliasName = z
  .string()
  .regex(/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/, 'must be letters, digits, _ and -, and not only digits');

/** Tags written by the user; the `gitops:` keys are the ownership marker and `aws:` is reserved. */
const tags = keyedRecord((key) => {
  if (/^(aws|gitops):/i.test(key)) {
    return 'must not start with aws: (reserved by AWS) or gitops: (the ownership marker)';
  }
  return /^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$/u.test(key)
    ? undefined
    : 'must be 1 to 128 letters, digits, spaces or _.:/=+-@';
}, z.string().max(256));

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const principal = z.union([
  z.literal('*'),
  z.strictObject({
    AWS: stringOrList.optional(),
    Service: stringOrList.optional(),
    Federated: stringOrList.optional(),
    CanonicalUser: stringOrList.optional(),
  }),
]);

const conditionScalar = z.union([z.string(), z.boolean(), z.number()]);
const condition = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.union([conditionScalar, z.array(conditionScalar).min(1)])),
);

const statementBase = {
  Sid: z
    .string()
    .regex(/^[A-Za-z0-9]*$/, 'must contain only letters and digits')
    .optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList.optional(),
  NotAction: stringOrList.optional(),
  Condition: condition.optional(),
};

const hasAction = (statement: { Action?: unknown; NotAction?: unknown }) =>
  (statement.Action === undefined) !== (statement.NotAction === undefined);
const actionMessage = { message: 'a statement needs exactly one of Action or NotAction' };

/** A trust policy statement: it names a principal and no resource. */
const trustStatement = z
  .strictObject({
    ...statementBase,
    Principal: principal.optional(),
    NotPrincipal: principal.optional(),
  })
  .refine(hasAction, actionMessage)
  .refine(
    (statement) => statement.Principal !== undefined || statement.NotPrincipal !== undefined,
    {
      message: 'a trust policy statement needs a Principal',
    },
  );

/** An identity policy statement: it names resources and no principal. */
const identityStatement = z
  .strictObject({
    ...statementBase,
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
  })
  .refine(hasAction, actionMessage)
  .refine((statement) => statement.Resource !== undefined || statement.NotResource !== undefined, {
    message: 'an identity policy statement needs a Resource',
  });

export const trustPolicySchema = z.strictObject({
  Version: z.literal('2012-10-17'),
  Id: z.string().optional(),
  Statement: z.union([trustStatement, z.array(trustStatement).min(1)]),
});

export const identityPolicySchema = z.strictObject({
  Version: z.literal('2012-10-17'),
  Id: z.string().optional(),
  Statement: z.union([identityStatement, z.array(identityStatement).min(1)]),
});

const roleSchema = z.strictObject({
  roleName,
  description: z.string().max(1000).optional(),
  assumeRolePolicyDocument: trustPolicySchema,
  /** Managed policies attached to the role, compared as a set. */
  managedPolicyArns: z
    .array(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/, 'must be an IAM policy ARN'),
    )
    .max(20)
    .optional(),
  /** Inline policies by name. */
  inlinePolicies: keyedRecord(
    (key) =>
      /^[\w+=,.@-]{1,128}$/.test(key)
        ? undefined
        : 'must be 1 to 128 characters from letters, digits and +=,.@_-',
    identityPolicySchema,
  ).optional(),
  /** Maximum session duration in seconds, 3600 to 43200. */
  maxSessionDuration: z.int().min(3600).max(43_200).optional(),
  tags: tags.optional(),
});

function environmentKeyProblem(key: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_]+$/.test(key)) {
    return 'must start with a letter and contain at least two letters, digits or _';
  }
  return reservedEnvironmentKeys.has(key)
    ? 'is reserved by the Lambda runtime and cannot be set'
    : undefined;
}

const functionSchema = z.strictObject({
  functionName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -'),
  description: z.string().max(256).optional(),
  /** The execution role: an IAM role ARN or a reference to one, such as `${aws.roles.lambda.arn}`. */
  role: z
    .string()
    .regex(
      new RegExp(
        `^(arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+|${referencePattern.source.slice(1, -1)})$`,
      ),
      'must be an IAM role ARN or a reference such as ${aws.roles.lambda.arn}',
    ),
  runtime: z.enum(['nodejs22.x', 'nodejs24.x']),
  /** `file.export` inside the zip, such as `index.handler`. */
  handler: z
    .string()
    .regex(/^[^\s]{1,128}$/, 'must be a file and export name such as index.handler'),
  architectures: z.tuple([z.enum(['arm64', 'x86_64'])]),
  /** Memory in MB, 128 to 10240. */
  memorySize: z.int().min(128).max(10_240),
  /** Timeout in seconds, 1 to 900. */
  timeout: z.int().min(1).max(900),
  code: z.strictObject({
    /** Path of the zip that `npm run build` writes, relative to the repository root. */
    artifact: z.string().regex(/^[^\0]+\.zip$/, 'must be the path of a .zip file'),
  }),
  environment: keyedRecord(environmentKeyProblem, z.string()).optional(),
  reservedConcurrentExecutions: z.int().min(0).optional(),
  /** Alias that points at the version each deploy publishes. */
  alias: aliasName.optional(),
  /** Retention of `/aws/lambda/{functionName}`, in days. */
  logRetentionInDays: z.literal(logRetentionDays).optional(),
  tags: tags.optional(),
});

const corsMethod = z.enum(['*', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

const functionUrlSchema = z.strictObject({
  /** The function: its name or a reference such as `${aws.functions.api.functionName}`. */
  functionName: z
    .string()
    .regex(
      new RegExp(`^([A-Za-z0-9_-]{1,64}|${referencePattern.source.slice(1, -1)})$`),
      'must be a function name or a reference such as ${aws.functions.api.functionName}',
    ),
  /** Alias the URL invokes; without it the URL invokes `$LATEST`. */
  qualifier: aliasName.optional(),
  authType: z.enum(['NONE', 'AWS_IAM']),
  invokeMode: z.enum(['BUFFERED', 'RESPONSE_STREAM']).optional(),
  cors: z
    .strictObject({
      allowOrigins: z.array(z.string().min(1).max(253)).max(100).optional(),
      allowMethods: z.array(corsMethod).max(6).optional(),
      allowHeaders: z.array(z.string().min(1).max(1024)).max(100).optional(),
      exposeHeaders: z.array(z.string().min(1).max(1024)).max(100).optional(),
      /** Seconds, 0 to 86400. */
      maxAge: z.int().min(0).max(86_400).optional(),
      allowCredentials: z.boolean().optional(),
    })
    .optional(),
});

const budgetSchema = z.strictObject({
  budgetName: z
    .string()
    .regex(/^[^:\\]{1,100}$/, "must be 1 to 100 characters without ':' or '\\'"),
  /** Monthly cost limit in `unit`. */
  limitAmount: z.number().positive(),
  unit: z.string().regex(/^[A-Z]{3}$/, 'must be a currency code such as USD'),
  /** Alert thresholds in percent of `limitAmount`, on actual cost. */
  thresholds: z.array(z.number().gt(0).max(1000)).min(1).max(10),
  subscribers: z
    .array(
      z.strictObject({
        subscriptionType: z.enum(['EMAIL', 'SNS']),
        address: z.string().min(1),
      }),
    )
    .min(1),
  tags: tags.optional(),
});

const noWildcard = (what: string) =>
  `must be the exact ${what}, without * or ?: a wildcard in the OIDC subject would let other branches, environments or repositories assume the role`;

const branchName = z
  .string()
  .regex(/^(?!\/)(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}(?<!\/)$/, noWildcard('branch name'));

const githubSchema = z.strictObject({
  /** `OWNER/REPO` exactly as GitHub spells it: IAM compares the `sub` claim case-sensitively. */
  repository: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, noWildcard('OWNER/REPO')),
  /** Numeric id of the owner, for GitHub's immutable `sub` form `repo:OWNER@ID/REPO@ID:...`. */
  repositoryOwnerId: z.int().positive(),
  /** Numeric id of the repository, for the same immutable `sub` form. */
  repositoryId: z.int().positive(),
  /** Branch whose pushes deploy this environment. */
  branch: branchName,
  /**
   * The repository's default branch. Scheduled workflows (drift check, billing check, preview
   * sweep) run there, so the plan role and the preview role trust it.
   */
  defaultBranch: branchName,
  /** GitHub environment the deploy job runs in. */
  environment: z.string().regex(/^[A-Za-z0-9._ -]{1,255}$/, noWildcard('environment name')),
  /** Whether pull requests may assume the plan role. They never get the deploy role. */
  pullRequests: z.boolean(),
  oidcProvider: z.strictObject({
    /**
     * Whether this environment creates the account's GitHub OIDC provider. There is one per account:
     * when two environments share an account, only one of them manages it.
     */
    managed: z.boolean(),
    thumbprintList: z
      .array(
        z
          .string()
          .regex(/^[0-9a-f]{40}$/, 'must be a 40-character lower-case hex SHA-1 thumbprint'),
      )
      .max(5)
      .optional(),
  }),
  planRole: z.strictObject({
    roleName,
    maxSessionDuration: z.int().min(3600).max(43_200).optional(),
  }),
  deployRole: z.strictObject({
    roleName,
    maxSessionDuration: z.int().min(3600).max(43_200).optional(),
  }),
  /**
   * Role that pull-request previews assume: it manages only functions and log groups named
   * `<functionName>-pr-*`. Without it, no preview role is created.
   */
  previewRole: z
    .strictObject({
      roleName,
      maxSessionDuration: z.int().min(3600).max(43_200).optional(),
    })
    .optional(),
  /** Secrets Manager secrets the GitHub roles may read at run time, such as the Atlas and Okta keys. */
  secretNames: z
    .array(z.string().regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name'))
    .optional(),
});

export const awsSchema = z.strictObject({
  /** The account every resource lives in; runs against any other account are rejected. */
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1'),
  roles: keyedRecord(collectionKey, roleSchema).optional(),
  functions: keyedRecord(collectionKey, functionSchema).optional(),
  functionUrls: keyedRecord(collectionKey, functionUrlSchema).optional(),
  budgets: keyedRecord(collectionKey, budgetSchema).optional(),
  github: githubSchema.optional(),
});

export type AwsSection = z.infer<typeof awsSchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type FunctionConfig = z.infer<typeof functionSchema>;
export type FunctionUrlConfig = z.infer<typeof functionUrlSchema>;
export type BudgetConfig = z.infer<typeof budgetSchema>;
export type GitHubConfig = z.infer<typeof githubSchema>;
