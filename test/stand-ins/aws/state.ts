// The stand-in's world: every resource it holds, as plain JSON so that it can be written to a file
// between runs of the local stack. Times are epoch milliseconds.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TagRecord {
  Key: string;
  Value: string;
}

export interface RoleRecord {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: number;
  /** The trust policy as IAM stores it: reshaped, not yet URL-encoded. */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  Tags: TagRecord[];
  AttachedPolicyArns: string[];
  /** Inline policies by name, reshaped like the trust policy. */
  InlinePolicies: Record<string, string>;
  /** When the trust policy last changed; Lambda cannot assume the role until it propagated. */
  TrustChangedAt: number;
}

export interface OidcProviderRecord {
  Arn: string;
  /** The issuer URL without its scheme, as IAM returns it. */
  Url: string;
  ClientIDList: string[];
  ThumbprintList: string[];
  CreateDate: number;
  Tags: TagRecord[];
}

/** One version of a Lambda function: `$LATEST` or a published number. */
export interface FunctionVersionRecord {
  Version: string;
  Runtime: string;
  Role: string;
  Handler: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  Environment?: Record<string, string>;
  Architectures: string[];
  CodeSha256: string;
  CodeSize: number;
  LastModified: number;
  RevisionId: string;
}

export interface AliasRecord {
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
}

export interface CorsRecord {
  AllowCredentials?: boolean;
  AllowHeaders?: string[];
  AllowMethods?: string[];
  AllowOrigins?: string[];
  ExposeHeaders?: string[];
  MaxAge?: number;
}

export interface FunctionUrlRecord {
  /** The alias name, or `` for the unqualified function. */
  Qualifier: string;
  UrlId: string;
  AuthType: string;
  Cors?: CorsRecord;
  InvokeMode: string;
  CreationTime: number;
  LastModifiedTime: number;
}

/** A statement of a function's resource-based policy, as GetPolicy returns it. */
export interface PolicyStatementRecord {
  Sid: string;
  Effect: 'Allow';
  Principal: string | Record<string, string>;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface LambdaFunctionRecord {
  FunctionName: string;
  FunctionArn: string;
  latest: FunctionVersionRecord;
  /** Published versions, oldest first. */
  versions: FunctionVersionRecord[];
  aliases: Record<string, AliasRecord>;
  /** Function URL configurations by qualifier (`` for the unqualified function). */
  urls: Record<string, FunctionUrlRecord>;
  /** Resource-based policy statements by qualifier. */
  policies: Record<string, PolicyStatementRecord[]>;
  Tags: Record<string, string>;
  ReservedConcurrentExecutions?: number;
  /** `State` is `Pending` until this time, then `Active`. */
  activeAt: number;
  /** `LastUpdateStatus` is `InProgress` until this time, then `Successful`. */
  updatedAt: number;
  /** Whether the last change was the creation (reported as `Creating`) or an update. */
  lastChange: 'create' | 'update';
}

export interface LogGroupRecord {
  logGroupName: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: string;
  tags: Record<string, string>;
}

export interface BudgetNotificationRecord {
  Notification: {
    NotificationType: string;
    ComparisonOperator: string;
    Threshold: number;
    ThresholdType: string;
    NotificationState: string;
  };
  Subscribers: Array<{ SubscriptionType: string; Address: string }>;
}

export interface BudgetRecord {
  /** The budget as DescribeBudget returns it, with the stand-in's defaults filled in. */
  Budget: Record<string, unknown> & { BudgetName: string };
  Notifications: BudgetNotificationRecord[];
  Tags: TagRecord[];
}

export interface SecretVersionRecord {
  VersionId: string;
  SecretString?: string;
  /** Base64 of the binary secret. */
  SecretBinary?: string;
  VersionStages: string[];
  CreatedDate: number;
}

export interface SecretRecord {
  Name: string;
  ARN: string;
  Description?: string;
  Tags: TagRecord[];
  CreatedDate: number;
  LastChangedDate: number;
  Versions: SecretVersionRecord[];
}

/** A caller identity: the stand-in's own admin user, or a session from an AssumeRole call. */
export interface SessionRecord {
  AccessKeyId: string;
  Arn: string;
  UserId: string;
  /** The role behind an assumed-role session; absent for the admin user. */
  RoleArn?: string;
  Expiration: number;
}

export interface AwsState {
  /** Counter behind every generated id, so ids stay unique across runs of a persisted state. */
  sequence: number;
  iam: { roles: Record<string, RoleRecord>; oidcProviders: Record<string, OidcProviderRecord> };
  lambda: {
    functions: Record<string, LambdaFunctionRecord>;
    /** Uploaded zip files, base64, by CodeSha256. */
    code: Record<string, string>;
  };
  logs: { groups: Record<string, LogGroupRecord> };
  budgets: { budgets: Record<string, BudgetRecord> };
  secretsmanager: { secrets: Record<string, SecretRecord> };
  sts: { sessions: Record<string, SessionRecord> };
}

export function emptyState(): AwsState {
  return {
    sequence: 0,
    iam: { roles: {}, oidcProviders: {} },
    lambda: { functions: {}, code: {} },
    logs: { groups: {} },
    budgets: { budgets: {} },
    secretsmanager: { secrets: {} },
    sts: { sessions: {} },
  };
}

/** Reads the state file, or returns an empty state when the file does not exist yet. */
export function loadState(path: string | undefined): AwsState {
  if (path === undefined || !existsSync(path)) {
    return emptyState();
  }
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `AWS stand-in state file ${path} is not valid JSON; delete it to start from an empty state`,
      { cause: error },
    );
  }
  return { ...emptyState(), ...(parsed as Partial<AwsState>) };
}

/** Writes the state file atomically (a temporary file renamed over the old one). */
export function saveState(path: string, state: AwsState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, path);
}
