// Records of pull-request previews kept in Okta itself, so that no state file is needed. An app
// lists the redirect URIs that previews added in `profile.gitopsPreviews`, and the app handler
// leaves those URIs alone. A trusted origin of a preview carries the record as a name suffix:
// `example-backend-dev-pr-7 [gitops-preview:dev:octo-org/example-backend#7]`. That suffix differs
// from the environment's marker (`[gitops:dev:docs]`), so prune never counts it as the
// environment's own resource.

/** Key of the preview list inside an app's `profile`. */
export const previewProfileKey = 'gitopsPreviews';

/** One redirect URI that a preview added to an app. */
export interface PreviewRedirect {
  /** The pull request: `owner/repo#number`. */
  readonly preview: string;
  /** Config environment the preview was made from, such as `dev`. */
  readonly environment: string;
  /** Lambda function whose URL the redirect URI is built from. */
  readonly functionName: string;
  readonly redirectUri: string;
}

/** A trusted origin of a preview, as its stored name records it. */
export interface PreviewOriginRecord {
  readonly preview: string;
  readonly environment: string;
  readonly functionName: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the preview redirect URIs an app's `profile` lists; malformed entries are skipped. */
export function previewRedirectsOf(profile: unknown): PreviewRedirect[] {
  const stored = isRecord(profile) ? profile[previewProfileKey] : undefined;
  if (!Array.isArray(stored)) {
    return [];
  }
  return stored.flatMap((entry): PreviewRedirect[] => {
    if (!isRecord(entry)) return [];
    const { preview, environment, functionName, redirectUri } = entry;
    if (
      typeof preview !== 'string' ||
      typeof environment !== 'string' ||
      typeof functionName !== 'string' ||
      typeof redirectUri !== 'string'
    ) {
      return [];
    }
    return [{ preview, environment, functionName, redirectUri }];
  });
}

/** Returns the redirect URIs that previews own, according to an app's `profile`. */
export function previewRedirectUris(profile: unknown): Set<string> {
  return new Set(previewRedirectsOf(profile).map((entry) => entry.redirectUri));
}

/** Sorts preview records by pull request, then function, then URI, so writes are deterministic. */
export function sortPreviewRedirects(entries: readonly PreviewRedirect[]): PreviewRedirect[] {
  const key = (entry: PreviewRedirect) =>
    `${entry.preview}\n${entry.functionName}\n${entry.redirectUri}`;
  return [...entries].sort((left, right) => key(left).localeCompare(key(right)));
}

const originSuffix = / \[gitops-preview:([^:\]\s]+):([^\]\s]+#\d+)\]$/;

/** Builds the stored name of a preview's trusted origin: the function name, then the record. */
export function previewOriginName(record: PreviewOriginRecord): string {
  return `${record.functionName} [gitops-preview:${record.environment}:${record.preview}]`;
}

/** Reads the record from a stored trusted origin name, or returns undefined for other origins. */
export function parsePreviewOriginName(stored: string): PreviewOriginRecord | undefined {
  const match = originSuffix.exec(stored);
  if (!match) {
    return undefined;
  }
  return {
    functionName: stored.slice(0, match.index),
    environment: match[1] ?? '',
    preview: match[2] ?? '',
  };
}
