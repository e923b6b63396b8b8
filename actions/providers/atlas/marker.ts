// How Atlas resources carry the ownership marker. Projects and clusters have resource tags,
// database users have labels (the user schema has no description field), and access list
// entries have only a free-text `comment` of at most 80 characters, so the marker is a short
// suffix there: `Lambda egress [gitops:dev:anywhere]`.
//
// Atlas tag keys and values allow letters, numbers, spaces and `; @ _ - . +` only, which is why
// the keys are `gitops-managed-by` and not `gitops:managed-by` as on AWS.
import type { OwnershipMarker } from '../../engine/provider.ts';

/** A key/value pair as Atlas spells tags (`ResourceTag`) and labels (`ComponentLabel`). */
export interface AtlasTag {
  readonly key: string;
  readonly value: string;
}

export const markerTagKeys = {
  managedBy: 'gitops-managed-by',
  environment: 'gitops-environment',
  address: 'gitops-address',
} as const;

/** Tag keys starting with this prefix belong to the marker and are not allowed in config. */
export const markerTagPrefix = 'gitops-';

/** The marker as three tags. */
export function markerTags(marker: OwnershipMarker): AtlasTag[] {
  return [
    { key: markerTagKeys.address, value: marker.address },
    { key: markerTagKeys.environment, value: marker.environment },
    { key: markerTagKeys.managedBy, value: marker.managedBy },
  ];
}

/** Config tags (a key/value map) plus the marker, sorted by key so requests are stable. */
export function tagsWithMarker(
  tags: Readonly<Record<string, string>> | undefined,
  marker: OwnershipMarker,
): AtlasTag[] {
  const configured = Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));
  return [...configured, ...markerTags(marker)].sort((left, right) =>
    left.key.localeCompare(right.key),
  );
}

/** Tags that are not part of the marker, as the config's key/value map. */
export function configuredTags(tags: readonly AtlasTag[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of [...(tags ?? [])].sort((left, right) => left.key.localeCompare(right.key))) {
    if (!tag.key.startsWith(markerTagPrefix)) result[tag.key] = tag.value;
  }
  return result;
}

/** The environment and address a marker in `tags` names, or undefined when it is absent. */
export function markerOfTags(
  tags: readonly AtlasTag[] | undefined,
): { environment: string; address: string } | undefined {
  const value = (key: string) => tags?.find((tag) => tag.key === key)?.value;
  const environment = value(markerTagKeys.environment);
  const address = value(markerTagKeys.address);
  if (value(markerTagKeys.managedBy) !== 'gitops' || environment === undefined) return undefined;
  if (address === undefined) return undefined;
  return { environment, address };
}

/** `owned` when the tags carry exactly this environment's marker for this address. */
export function ownershipOfTags(
  tags: readonly AtlasTag[] | undefined,
  marker: OwnershipMarker,
): 'owned' | 'foreign' {
  const found = markerOfTags(tags);
  return found?.environment === marker.environment && found.address === marker.address
    ? 'owned'
    : 'foreign';
}

const commentMarker = /\s*\[gitops:([^:\]\s]+):([^\]\s]+)\]$/;

/** The last segment of a config address: `anywhere` in `atlas.accessList.anywhere`. */
export function addressKey(address: string): string {
  return address.slice(address.lastIndexOf('.') + 1);
}

/** The comment suffix for a marker: `[gitops:dev:anywhere]`. */
export function commentMarkerText(environment: string, key: string): string {
  return `[gitops:${environment}:${key}]`;
}

/** The comment Atlas stores: the configured comment followed by the marker. */
export function commentWithMarker(comment: string | undefined, marker: OwnershipMarker): string {
  const suffix = commentMarkerText(marker.environment, addressKey(marker.address));
  return comment === undefined || comment === '' ? suffix : `${comment} ${suffix}`;
}

/** Splits a stored comment into the configured part and the marker, when there is one. */
export function parseComment(stored: string | undefined): {
  comment: string | undefined;
  marker: { environment: string; key: string } | undefined;
} {
  if (stored === undefined) return { comment: undefined, marker: undefined };
  const match = commentMarker.exec(stored);
  if (match === null) return { comment: stored, marker: undefined };
  const comment = stored.slice(0, match.index);
  return {
    comment: comment === '' ? undefined : comment,
    marker: { environment: match[1]!, key: match[2]! },
  };
}
