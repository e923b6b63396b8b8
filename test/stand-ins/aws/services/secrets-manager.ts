// Secrets Manager over awsJson1.1 (`secretsmanager.*`): the run-time secrets (Atlas and Okta
// credentials) the actions read with their OIDC role.
import { AwsError } from '../errors.ts';
import { optionalField, requiredField } from '../protocols/json.ts';
import type { AccessCheck, Operation, Runtime } from '../runtime.ts';
import type { SecretRecord, SecretVersionRecord } from '../state.ts';

type Body = Record<string, unknown>;

function notFound(): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    "Secrets Manager can't find the specified secret.",
    400,
    {
      messageMember: 'Message',
    },
  );
}

function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message, 400, { messageMember: 'Message' });
}

/** Finds a secret by name or full ARN. */
function findSecret(runtime: Runtime, secretId: string): SecretRecord {
  const secrets = Object.values(runtime.state.secretsmanager.secrets);
  const secret = secrets.find(
    (candidate) => candidate.Name === secretId || candidate.ARN === secretId,
  );
  if (secret === undefined) {
    throw notFound();
  }
  return secret;
}

function secretValue(body: Body): Pick<SecretVersionRecord, 'SecretString' | 'SecretBinary'> {
  const secretString = optionalField(body, 'SecretString');
  const secretBinary = optionalField(body, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter('You can specify either SecretString or SecretBinary, but not both.');
  }
  if (Buffer.byteLength(secretString ?? '') > 65_536) {
    throw invalidParameter('The secret value exceeds the maximum size of 65536 bytes.');
  }
  return { SecretString: secretString, SecretBinary: secretBinary };
}

/** Adds a version as `AWSCURRENT`, moving the old current one to `AWSPREVIOUS`. */
function addVersion(
  runtime: Runtime,
  secret: SecretRecord,
  versionId: string,
  value: Pick<SecretVersionRecord, 'SecretString' | 'SecretBinary'>,
): SecretVersionRecord {
  for (const version of secret.Versions) {
    version.VersionStages = version.VersionStages.includes('AWSCURRENT')
      ? ['AWSPREVIOUS']
      : version.VersionStages.filter((stage) => stage !== 'AWSPREVIOUS');
  }
  secret.Versions = secret.Versions.filter((version) => version.VersionStages.length > 0);
  const version: SecretVersionRecord = {
    VersionId: versionId,
    ...value,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: runtime.now(),
  };
  secret.Versions.push(version);
  secret.LastChangedDate = runtime.now();
  return version;
}

function secretCheck(action: string) {
  return (body: Body, runtime: Runtime): AccessCheck[] => {
    const id = String(body.SecretId);
    const existing = Object.values(runtime.state.secretsmanager.secrets).find(
      (candidate) => candidate.Name === id || candidate.ARN === id,
    );
    return [{ action, resource: existing?.ARN ?? id }];
  };
}

export const secretsManagerOperations: Record<string, Operation<Body>> = {
  CreateSecret: {
    write: true,
    authorize: (body, runtime) => [
      {
        action: 'secretsmanager:CreateSecret',
        resource: `arn:aws:secretsmanager:${runtime.region}:${runtime.accountId}:secret:${String(body.Name)}-??????`,
      },
    ],
    run(body, runtime) {
      const name = requiredField(body, 'Name');
      if (!/^[\w/+=.@-]{1,512}$/.test(name)) {
        throw invalidParameter(
          `Invalid name: ${name}. The name can contain letters, digits and /_+=.@-`,
        );
      }
      const token = optionalField(body, 'ClientRequestToken') ?? runtime.ids.uuid();
      const existing = runtime.state.secretsmanager.secrets[name];
      if (existing !== undefined) {
        // A retried call with the same token is the same request: return the first result.
        if (existing.Versions.some((version) => version.VersionId === token)) {
          return { ARN: existing.ARN, Name: existing.Name, VersionId: token };
        }
        throw new AwsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
          400,
          {
            messageMember: 'Message',
          },
        );
      }
      const tags = (Array.isArray(body.Tags) ? body.Tags : []) as Array<{
        Key: string;
        Value: string;
      }>;
      const secret: SecretRecord = {
        Name: name,
        ARN: `arn:aws:secretsmanager:${runtime.region}:${runtime.accountId}:secret:${name}-${runtime.ids.characters(6)}`,
        Description: optionalField(body, 'Description'),
        Tags: tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
        CreatedDate: runtime.now(),
        LastChangedDate: runtime.now(),
        Versions: [],
      };
      const value = secretValue(body);
      if (value.SecretString !== undefined || value.SecretBinary !== undefined) {
        addVersion(runtime, secret, token, value);
      }
      runtime.state.secretsmanager.secrets[name] = secret;
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        VersionId: secret.Versions.length > 0 ? token : undefined,
      };
    },
  },
  GetSecretValue: {
    write: false,
    authorize: secretCheck('secretsmanager:GetSecretValue'),
    run(body, runtime) {
      const secret = findSecret(runtime, requiredField(body, 'SecretId'));
      const versionId = optionalField(body, 'VersionId');
      const stage =
        optionalField(body, 'VersionStage') ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
      const version = secret.Versions.find(
        (candidate) =>
          (versionId === undefined || candidate.VersionId === versionId) &&
          (stage === undefined || candidate.VersionStages.includes(stage)),
      );
      if (version === undefined) {
        throw new AwsError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          400,
          { messageMember: 'Message' },
        );
      }
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        VersionId: version.VersionId,
        SecretString: version.SecretString,
        SecretBinary: version.SecretBinary,
        VersionStages: version.VersionStages,
        CreatedDate: new Date(version.CreatedDate),
      };
    },
  },
  PutSecretValue: {
    write: true,
    authorize: secretCheck('secretsmanager:PutSecretValue'),
    run(body, runtime) {
      const secret = findSecret(runtime, requiredField(body, 'SecretId'));
      const token = optionalField(body, 'ClientRequestToken') ?? runtime.ids.uuid();
      const repeated = secret.Versions.find((version) => version.VersionId === token);
      const value = secretValue(body);
      if (repeated !== undefined) {
        if (
          repeated.SecretString !== value.SecretString ||
          repeated.SecretBinary !== value.SecretBinary
        ) {
          throw new AwsError(
            'ResourceExistsException',
            'You can’t modify an existing version, you can only create a new version.',
            400,
            { messageMember: 'Message' },
          );
        }
        return {
          ARN: secret.ARN,
          Name: secret.Name,
          VersionId: token,
          VersionStages: repeated.VersionStages,
        };
      }
      const version = addVersion(runtime, secret, token, value);
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        VersionId: version.VersionId,
        VersionStages: version.VersionStages,
      };
    },
  },
  DescribeSecret: {
    write: false,
    authorize: secretCheck('secretsmanager:DescribeSecret'),
    run(body, runtime) {
      const secret = findSecret(runtime, requiredField(body, 'SecretId'));
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        Description: secret.Description,
        LastChangedDate: new Date(secret.LastChangedDate),
        Tags: secret.Tags,
        VersionIdsToStages: Object.fromEntries(
          secret.Versions.map((version) => [version.VersionId, version.VersionStages]),
        ),
        CreatedDate: new Date(secret.CreatedDate),
      };
    },
  },
};
