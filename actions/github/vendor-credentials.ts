// Atlas and Okta credentials, read at run time: from one AWS Secrets Manager secret read with the
// OIDC role (preferred, because nothing long-lived is stored in GitHub), or from environment
// variables that a workflow maps from environment secrets. Every secret value is registered with
// the runner the moment it is read, before it is checked, so no message or log can show it.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from '../engine/secrets.ts';
import type { SecretResolver } from '../engine/secrets.ts';
import { ActionError } from './errors.ts';
import { basicAuthorization, maskSecret, maskSecretForms } from './masking.ts';

/** Atlas credentials, in the shapes the Atlas provider's client takes. */
export type AtlasCredentials =
  | { readonly type: 'serviceAccount'; readonly clientId: string; readonly clientSecret: string }
  | { readonly type: 'apiKey'; readonly publicKey: string; readonly privateKey: string };

/** Okta credentials: an API token (`SSWS`), or an OAuth service app's private key. */
export type OktaCredentials =
  | { readonly type: 'apiToken'; readonly token: string }
  | {
      readonly type: 'privateKey';
      readonly clientId: string;
      /** PEM or JWK JSON. */
      readonly privateKey: string;
      readonly keyId: string | undefined;
    };

export interface VendorCredentials {
  readonly atlas?: AtlasCredentials;
  readonly okta?: OktaCredentials;
}

export type Vendor = 'atlas' | 'okta';

/**
 * Source of the credentials: the keys of a Secrets Manager secret whose SecretString is a JSON
 * object, or environment variables of the same names.
 */
export type CredentialSource =
  | {
      readonly from: 'secretsManager';
      readonly secretId: string;
      readonly client: SecretsManagerClient;
    }
  | { readonly from: 'env'; readonly env: Readonly<Record<string, string | undefined>> };

/** The keys the credentials are read from, and which of them are secret. */
export const credentialKeys = {
  ATLAS_CLIENT_ID: { vendor: 'atlas', secret: false },
  ATLAS_CLIENT_SECRET: { vendor: 'atlas', secret: true },
  ATLAS_PUBLIC_API_KEY: { vendor: 'atlas', secret: false },
  ATLAS_PRIVATE_API_KEY: { vendor: 'atlas', secret: true },
  OKTA_API_TOKEN: { vendor: 'okta', secret: true },
  OKTA_CLIENT_ID: { vendor: 'okta', secret: false },
  OKTA_PRIVATE_KEY: { vendor: 'okta', secret: true },
  OKTA_KEY_ID: { vendor: 'okta', secret: false },
} as const satisfies Record<string, { vendor: Vendor; secret: boolean }>;

type CredentialKey = keyof typeof credentialKeys;
type Values = Partial<Record<CredentialKey, string>>;

/** Private members of a JWK, which a JSON private key carries besides the whole text. */
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Registers a secret value, and for a JWK JSON private key, each of its private members. */
function maskCredential(value: string): void {
  maskSecretForms(value);
  if (!value.trimStart().startsWith('{')) return;
  try {
    const jwk = JSON.parse(value) as Record<string, unknown>;
    for (const member of privateJwkMembers) {
      if (typeof jwk[member] === 'string') maskSecret(jwk[member]);
    }
  } catch {
    // Not JSON: the whole value is masked above, which is all a PEM key needs.
  }
}

function describeSource(source: CredentialSource): string {
  return source.from === 'env'
    ? 'the environment'
    : `the Secrets Manager secret ${source.secretId}`;
}

function secretsManagerFailure(error: unknown, secretId: string): ActionError {
  const name = (error as { name?: string }).name ?? 'Error';
  const advice: Record<string, string> = {
    ResourceNotFoundException: `Create it in the role's region with a JSON SecretString holding ${Object.keys(credentialKeys).join(', ')} as needed, or read the credentials from environment secrets instead.`,
    AccessDeniedException: `Allow secretsmanager:GetSecretValue on the secret in the policy of the role this job assumes.`,
    DecryptionFailure: `Allow kms:Decrypt on the secret's KMS key in the policy of the role this job assumes.`,
  };
  return new ActionError(
    'ERR_SECRET_READ',
    `Reading the Secrets Manager secret ${secretId} failed with ${name}: ${(error as Error).message}. ${advice[name] ?? 'Check the secret name and the region, then retry the job.'}`,
    { cause: error },
  );
}

async function readSecretString(client: SecretsManagerClient, secretId: string): Promise<string> {
  let response;
  try {
    response = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    throw secretsManagerFailure(error, secretId);
  }
  if (response.SecretString === undefined) {
    throw new ActionError(
      'ERR_SECRET_INVALID',
      `The Secrets Manager secret ${secretId} has no SecretString (binary secrets are not supported). Store the credentials as a JSON object in SecretString.`,
    );
  }
  return response.SecretString;
}

/** Reads the credential keys from the source, masking each secret one as it is read. */
async function readValues(source: CredentialSource): Promise<Values> {
  const values: Values = {};
  if (source.from === 'env') {
    for (const [key, { secret }] of Object.entries(credentialKeys)) {
      const value = source.env[key];
      if (value === undefined || value === '') continue;
      if (secret) maskCredential(value);
      values[key as CredentialKey] = value;
    }
    return values;
  }

  const text = await readSecretString(source.client, source.secretId);
  maskSecret(text);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, so it is not passed on.
    throw new ActionError(
      'ERR_SECRET_INVALID',
      `The SecretString of ${source.secretId} is not JSON. Store a JSON object whose keys are ${Object.keys(credentialKeys).join(', ')}.`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ActionError(
      'ERR_SECRET_INVALID',
      `The SecretString of ${source.secretId} must be a JSON object (got a JSON ${Array.isArray(document) ? 'array' : typeof document}).`,
    );
  }
  for (const [key, value] of Object.entries(document)) {
    if (!(key in credentialKeys)) continue;
    const { secret } = credentialKeys[key as CredentialKey];
    if (typeof value !== 'string' || value === '') {
      throw new ActionError(
        'ERR_SECRET_INVALID',
        `Key ${key} of the secret ${source.secretId} must be a non-empty string (got ${value === '' ? 'an empty string' : typeof value}).`,
      );
    }
    if (secret) maskCredential(value);
    values[key as CredentialKey] = value;
  }
  return values;
}

function missing(
  vendor: string,
  source: CredentialSource,
  pairs: readonly (readonly string[])[],
): ActionError {
  const options = pairs.map((pair) => pair.join(' and ')).join(', or ');
  return new ActionError(
    'ERR_SECRET_INVALID',
    `${vendor} credentials are missing from ${describeSource(source)}: set ${options}.`,
  );
}

function atlasCredentials(values: Values, source: CredentialSource): AtlasCredentials {
  const { ATLAS_CLIENT_ID, ATLAS_CLIENT_SECRET, ATLAS_PUBLIC_API_KEY, ATLAS_PRIVATE_API_KEY } =
    values;
  if (ATLAS_CLIENT_ID && ATLAS_CLIENT_SECRET) {
    // The token request sends both as a Basic header, whose base64 text the runner cannot match
    // against the masked secret.
    basicAuthorization(ATLAS_CLIENT_ID, ATLAS_CLIENT_SECRET);
    return { type: 'serviceAccount', clientId: ATLAS_CLIENT_ID, clientSecret: ATLAS_CLIENT_SECRET };
  }
  if (ATLAS_PUBLIC_API_KEY && ATLAS_PRIVATE_API_KEY) {
    return { type: 'apiKey', publicKey: ATLAS_PUBLIC_API_KEY, privateKey: ATLAS_PRIVATE_API_KEY };
  }
  throw missing('Atlas', source, [
    ['ATLAS_CLIENT_ID', 'ATLAS_CLIENT_SECRET (a service account)'],
    ['ATLAS_PUBLIC_API_KEY', 'ATLAS_PRIVATE_API_KEY (an API key)'],
  ]);
}

function oktaCredentials(values: Values, source: CredentialSource): OktaCredentials {
  const { OKTA_API_TOKEN, OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_KEY_ID } = values;
  if (OKTA_CLIENT_ID && OKTA_PRIVATE_KEY) {
    return {
      type: 'privateKey',
      clientId: OKTA_CLIENT_ID,
      privateKey: OKTA_PRIVATE_KEY,
      keyId: OKTA_KEY_ID,
    };
  }
  if (OKTA_API_TOKEN) return { type: 'apiToken', token: OKTA_API_TOKEN };
  throw missing('Okta', source, [
    ['OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY (an OAuth service app)'],
    ['OKTA_API_TOKEN'],
  ]);
}

/**
 * Reads the credentials of `vendors` from `source`. Throws `ActionError` `ERR_SECRET_READ` when
 * the secret cannot be read and `ERR_SECRET_INVALID` when a vendor's keys are missing or malformed.
 * Messages name keys and the secret, never values.
 */
export async function readVendorCredentials(
  source: CredentialSource,
  vendors: readonly Vendor[],
): Promise<VendorCredentials> {
  const values = await readValues(source);
  return {
    ...(vendors.includes('atlas') ? { atlas: atlasCredentials(values, source) } : {}),
    ...(vendors.includes('okta') ? { okta: oktaCredentials(values, source) } : {}),
  };
}

/**
 * Reads the credential keys of `vendors` from `source` as environment variables (`ATLAS_CLIENT_ID`
 * and so on), the form in which the provider stack reads them. Checks them as
 * `readVendorCredentials` does, so a missing key fails here with the same message.
 */
export async function readCredentialVariables(
  source: CredentialSource,
  vendors: readonly Vendor[],
): Promise<Record<string, string>> {
  const values = await readValues(source);
  if (vendors.includes('atlas')) atlasCredentials(values, source);
  if (vendors.includes('okta')) oktaCredentials(values, source);
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(values).sort(([a], [b]) => a.localeCompare(b))) {
    if (vendors.includes(credentialKeys[key as CredentialKey].vendor)) variables[key] = value;
  }
  return variables;
}

/**
 * Creates the engine's resolver for `${secret:...}` references in config: `env` names from
 * `env`, `secretsManager` names through `secretsManager` (the OIDC role's client). Values are
 * masked as they are read and cached for the run.
 */
export function createRunnerSecretResolver(options: {
  env: Readonly<Record<string, string | undefined>>;
  secretsManager?: SecretsManagerClient;
}): SecretResolver {
  const cache = new Map<string, Promise<string>>();

  const read = async (from: 'env' | 'secretsManager', name: string): Promise<string> => {
    if (from === 'env') {
      const value = options.env[name];
      if (value === undefined || value === '') {
        throw new SecretError(
          `secret ${name} is not set: map it from a GitHub secret into the step's env (env: ${name}: \${{ secrets.${name} }}).`,
        );
      }
      maskSecretForms(value);
      return value;
    }
    if (!options.secretsManager) {
      throw new SecretError(
        `secret ${name} comes from Secrets Manager, but this run has no AWS credentials. Set the role ARN input so the action can assume the role through OIDC.`,
      );
    }
    const value = await readSecretString(options.secretsManager, name).catch((error: unknown) => {
      throw new SecretError((error as Error).message, { cause: error });
    });
    maskSecretForms(value);
    return value;
  };

  return {
    resolve(reference) {
      const key = `${reference.from}:${reference.name}`;
      let value = cache.get(key);
      if (!value) {
        value = read(reference.from, reference.name);
        cache.set(key, value);
      }
      return value;
    },
  };
}
