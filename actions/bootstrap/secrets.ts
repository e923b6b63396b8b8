// The Secrets Manager secrets that contain the Atlas and Okta credentials the workflows read at run
// time. Each secret named in `aws.github.secretNames` whose last path segment is `atlas` or `okta`
// gets a JSON SecretString with that vendor's keys from this process's environment, in the shape
// `actions/github/vendor-credentials.ts` reads. Messages name secrets and keys, never values.
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { credentialKeys } from '../github/vendor-credentials.ts';
import type { Vendor } from '../github/vendor-credentials.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Complete key sets per vendor, in the order the readers prefer them. The third Okta key is
 * optional: a service app with one key needs no key id.
 */
const keySets: Readonly<Record<Vendor, ReadonlyArray<{ keys: string[]; optional?: string[] }>>> = {
  atlas: [
    { keys: ['ATLAS_CLIENT_ID', 'ATLAS_CLIENT_SECRET'] },
    { keys: ['ATLAS_PUBLIC_API_KEY', 'ATLAS_PRIVATE_API_KEY'] },
  ],
  okta: [
    { keys: ['OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY'], optional: ['OKTA_KEY_ID'] },
    { keys: ['OKTA_API_TOKEN'] },
  ],
};

const keyHelp: Readonly<Record<Vendor, string>> = {
  atlas:
    'ATLAS_CLIENT_ID and ATLAS_CLIENT_SECRET (a service account), or ATLAS_PUBLIC_API_KEY and ATLAS_PRIVATE_API_KEY (an API key)',
  okta: 'OKTA_API_TOKEN (an API token), or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY, with OKTA_KEY_ID when the service app has several keys',
};

const vendorNames: Readonly<Record<Vendor, string>> = { atlas: 'Atlas', okta: 'Okta' };

/** A planned write of one secret; `value` is the SecretString and is never printed. */
export interface SecretChange {
  readonly name: string;
  readonly vendor: Vendor;
  /** `keep`: no keys are set here, so the existing secret stays as it is. */
  readonly action: 'create' | 'update' | 'unchanged' | 'keep';
  /** Names of the keys the new value contains, for the log. */
  readonly keys: readonly string[];
  readonly value?: string;
}

export interface SecretPlan {
  readonly changes: readonly SecretChange[];
  /** Secrets that cannot be written, each with what to do; nothing is applied while any exist. */
  readonly problems: readonly string[];
  /** Secret names this command does not manage, such as ones that config references read. */
  readonly skipped: readonly string[];
}

/** Returns the vendor whose credentials a secret contains, from its last path segment. */
export function vendorOfSecret(name: string): Vendor | undefined {
  const last = name.split('/').pop()?.toLowerCase();
  return last === 'atlas' || last === 'okta' ? last : undefined;
}

function read(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Picks the first complete key set of `vendor` from `env`. Returns the JSON object to store, or
 * `undefined` when no key of the vendor is set. Throws an Error when keys are set but no set is
 * complete, because storing half a credential would fail only later, in a workflow.
 */
export function vendorSecretValue(
  vendor: Vendor,
  env: Environment,
): Record<string, string> | undefined {
  for (const set of keySets[vendor]) {
    if (set.keys.every((key) => read(env, key) !== undefined)) {
      const value: Record<string, string> = {};
      for (const key of [...set.keys, ...(set.optional ?? [])].sort()) {
        const text = read(env, key);
        if (text !== undefined) {
          value[key] = text;
        }
      }
      return value;
    }
  }
  const present = Object.entries(credentialKeys)
    .filter(([key, meta]) => meta.vendor === vendor && read(env, key) !== undefined)
    .map(([key]) => key);
  if (present.length === 0) {
    return undefined;
  }
  throw new Error(
    `${vendorNames[vendor]} keys are incomplete: ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set, but a complete set is ${keyHelp[vendor]}. Set the missing keys, or unset these to keep the existing secret.`,
  );
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? 'Error';
}

async function secretExists(client: SecretsManagerClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeSecretCommand({ SecretId: name }));
    return true;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      return false;
    }
    throw new Error(
      `DescribeSecret of ${name} failed with ${errorName(error)}; check that the AWS credentials may call secretsmanager:DescribeSecret in this region.`,
      { cause: error },
    );
  }
}

/** Reads the current SecretString, or `undefined` when the secret has no value yet. */
async function currentValue(
  client: SecretsManagerClient,
  name: string,
): Promise<string | undefined> {
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: name }));
    return response.SecretString;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      return undefined;
    }
    throw new Error(
      `GetSecretValue of ${name} failed with ${errorName(error)}; check that the AWS credentials may call secretsmanager:GetSecretValue on it.`,
      { cause: error },
    );
  }
}

/** Serialises a JSON object with sorted keys, so equal credentials compare equal. */
function canonical(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return JSON.stringify(Object.fromEntries(entries));
}

function parsedCanonical(text: string | undefined): string | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    return canonical(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * Decides, for each vendor secret in `secretNames`, whether to create it, put a new value, keep
 * it or leave it unchanged. Reads only: DescribeSecret and GetSecretValue.
 */
export async function planSecrets(
  client: SecretsManagerClient,
  secretNames: readonly string[],
  env: Environment,
): Promise<SecretPlan> {
  const changes: SecretChange[] = [];
  const problems: string[] = [];
  const skipped: string[] = [];
  for (const name of secretNames) {
    const vendor = vendorOfSecret(name);
    if (vendor === undefined) {
      skipped.push(name);
      continue;
    }
    let desired: Record<string, string> | undefined;
    try {
      desired = vendorSecretValue(vendor, env);
    } catch (error) {
      problems.push(`secret ${name}: ${(error as Error).message}`);
      continue;
    }
    const exists = await secretExists(client, name);
    if (desired === undefined) {
      if (exists) {
        changes.push({ name, vendor, action: 'keep', keys: [] });
      } else {
        problems.push(
          `secret ${name} does not exist and no ${vendorNames[vendor]} keys are set: set ${keyHelp[vendor]} in the environment, then run bootstrap again.`,
        );
      }
      continue;
    }
    const value = canonical(desired)!;
    const keys = Object.keys(desired);
    if (!exists) {
      changes.push({ name, vendor, action: 'create', keys, value });
      continue;
    }
    const current = parsedCanonical(await currentValue(client, name));
    changes.push({ name, vendor, action: current === value ? 'unchanged' : 'update', keys, value });
  }
  return { changes, problems, skipped };
}

/** Writes one planned change: CreateSecret or PutSecretValue. Does nothing for the others. */
export async function applySecretChange(
  client: SecretsManagerClient,
  change: SecretChange,
  description: string,
): Promise<void> {
  if (change.value === undefined || (change.action !== 'create' && change.action !== 'update')) {
    return;
  }
  const operation = change.action === 'create' ? 'CreateSecret' : 'PutSecretValue';
  try {
    if (change.action === 'create') {
      await client.send(
        new CreateSecretCommand({
          Name: change.name,
          Description: description,
          SecretString: change.value,
        }),
      );
    } else {
      await client.send(
        new PutSecretValueCommand({ SecretId: change.name, SecretString: change.value }),
      );
    }
  } catch (error) {
    throw new Error(
      `${operation} of ${change.name} failed with ${errorName(error)}; check that the AWS credentials may call secretsmanager:${operation} on it, then run bootstrap again.`,
      { cause: error },
    );
  }
}

/**
 * Describes a change in one line, naming keys, never values: as planned (`would create`) or as
 * done (`created`).
 */
export function describeSecretChange(change: SecretChange, planned: boolean): string {
  const keys = change.keys.join(', ');
  switch (change.action) {
    case 'create':
      return `secret ${change.name}: ${planned ? 'would create' : 'created'} with ${keys}`;
    case 'update':
      return `secret ${change.name}: ${planned ? 'would put' : 'put'} a new value with ${keys}`;
    case 'unchanged':
      return `secret ${change.name}: unchanged (${keys})`;
    case 'keep':
      return `secret ${change.name}: no ${vendorNames[change.vendor]} keys are set, so the existing value is kept`;
  }
}
