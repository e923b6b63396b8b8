// Defaults that the actions read from the environment's config file when an input is empty, so a
// fork needs no per-environment repository variables: the config already names the account, the
// region, the GitHub roles and the credential secrets. Scheduled and preview jobs run without a
// GitHub environment and could not read environment variables anyway.
import { ActionError } from './errors.ts';

/** The GitHub roles of `aws.github`, by the key of their config entry. */
export const githubRoleKeys = {
  plan: 'planRole',
  deploy: 'deployRole',
  preview: 'previewRole',
} as const;

export type GitHubRoleKind = keyof typeof githubRoleKeys;

type Json = Record<string, unknown>;

function objectAt(value: unknown, ...path: string[]): Json | undefined {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      return undefined;
    }
    current = (current as Json)[key];
  }
  return typeof current === 'object' && current !== null && !Array.isArray(current)
    ? (current as Json)
    : undefined;
}

function stringAt(value: unknown, key: string): string | undefined {
  const field = objectAt(value) === undefined ? undefined : (value as Json)[key];
  return typeof field === 'string' && field.trim() !== '' ? field.trim() : undefined;
}

/**
 * Returns the ARN of a GitHub role that the config declares,
 * `arn:aws:iam::{aws.accountId}:role/{aws.github.<kind>Role.roleName}`, or undefined when the
 * config lacks either value.
 */
export function roleArnFromConfig(raw: unknown, kind: GitHubRoleKind): string | undefined {
  const aws = objectAt(raw, 'aws');
  const accountId = stringAt(aws, 'accountId');
  const roleName = stringAt(objectAt(raw, 'aws', 'github', githubRoleKeys[kind]), 'roleName');
  return accountId === undefined || roleName === undefined
    ? undefined
    : `arn:aws:iam::${accountId}:role/${roleName}`;
}

/**
 * Returns the role ARN to assume: `input` when set, else the one the config declares. Throws an
 * `ActionError` naming both places when neither has one.
 */
export function resolveRoleArn(
  input: string | undefined,
  raw: unknown,
  kind: GitHubRoleKind,
  configFile: string,
): string {
  const roleArn = input ?? roleArnFromConfig(raw, kind);
  if (roleArn === undefined) {
    throw new ActionError(
      'ERR_INPUT_INVALID',
      `Input "role_arn" is empty and ${configFile} declares no aws.accountId with aws.github.${githubRoleKeys[kind]}.roleName. Add them to the config (npm run bootstrap creates the role), or pass role_arn.`,
    );
  }
  return roleArn;
}

/** Returns `aws.region` of the config, or undefined when it has none. */
export function regionFromConfig(raw: unknown): string | undefined {
  return stringAt(objectAt(raw, 'aws'), 'region');
}

/**
 * Returns the secret of `aws.github.secretNames` whose last path segment is `vendor` in any case,
 * such as `example-backend-dev/atlas`: the secret `npm run bootstrap` stores the credentials in.
 */
export function secretNameFromConfig(raw: unknown, vendor: 'atlas' | 'okta'): string | undefined {
  const names = objectAt(raw, 'aws', 'github')?.secretNames;
  if (!Array.isArray(names)) {
    return undefined;
  }
  return names.find(
    (name): name is string =>
      typeof name === 'string' && name.split('/').at(-1)?.toLowerCase() === vendor,
  );
}

/** Name prefixes of the environment variables with a vendor's credentials. */
const vendorKeyPrefixes = { atlas: 'ATLAS_', okta: 'OKTA_' } as const;

/**
 * Returns the Secrets Manager secret to read a vendor's credentials from, or undefined to read
 * them from the step's environment. The input wins when set. Next comes the environment, when it
 * already contains one of the vendor's credential keys. Last comes the config's secret.
 */
export function resolveCredentialSecret(
  input: string | undefined,
  raw: unknown,
  vendor: 'atlas' | 'okta',
  env: Readonly<Record<string, string | undefined>>,
  keys: readonly string[],
): string | undefined {
  if (input !== undefined) {
    return input;
  }
  const prefix = vendorKeyPrefixes[vendor];
  const inEnvironment = keys.some((key) => key.startsWith(prefix) && Boolean(env[key]?.trim()));
  return inEnvironment ? undefined : secretNameFromConfig(raw, vendor);
}
