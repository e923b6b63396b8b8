// The ownership marker as AWS tags, and the split between marker tags and the user's own tags.
import type { OwnershipMarker, ProviderContext } from '../../engine/provider.ts';

export const markerKeys = {
  managedBy: 'gitops:managed-by',
  environment: 'gitops:environment',
  address: 'gitops:address',
} as const;

/** Returns the marker as a tag map, written on every resource the provider creates. */
export function markerTags(marker: OwnershipMarker): Record<string, string> {
  return {
    [markerKeys.managedBy]: marker.managedBy,
    [markerKeys.environment]: marker.environment,
    [markerKeys.address]: marker.address,
  };
}

/** Converts an AWS tag list (`Key`/`Value`) to a map. */
export function tagMap(
  tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined,
): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

/** Converts a tag map to an AWS tag list, sorted by key. */
export function tagList(
  tags: Readonly<Record<string, string>>,
): Array<{ Key: string; Value: string }> {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ Key: key, Value: tags[key] ?? '' }));
}

/** Returns the user's tags: every tag except the marker. */
export function userTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(tags)
      .filter((key) => !key.startsWith('gitops:'))
      .sort()
      .map((key) => [key, tags[key] ?? '']),
  );
}

/** `owned` when the tags carry this environment's marker for this address. */
export function ownershipOf(
  tags: Readonly<Record<string, string>>,
  marker: OwnershipMarker,
): 'owned' | 'foreign' {
  return tags[markerKeys.managedBy] === marker.managedBy &&
    tags[markerKeys.environment] === marker.environment &&
    tags[markerKeys.address] === marker.address
    ? 'owned'
    : 'foreign';
}

/** Returns whether the tags carry a marker of this environment, for any address. */
export function ownedByEnvironment(
  tags: Readonly<Record<string, string>>,
  context: ProviderContext,
): boolean {
  return (
    tags[markerKeys.managedBy] === 'gitops' && tags[markerKeys.environment] === context.environment
  );
}

/** Describes the marker a resource carries, for error messages. */
export function describeMarker(tags: Readonly<Record<string, string>>): string {
  if (tags[markerKeys.managedBy] === undefined) {
    return 'it has no gitops:managed-by tag';
  }
  return `its marker says environment "${tags[markerKeys.environment] ?? ''}", address "${tags[markerKeys.address] ?? ''}"`;
}

/**
 * The tags a resource should carry: the user's desired tags (or its current ones, when the
 * config does not manage tags) plus the marker.
 */
export function desiredTags(
  desired: Readonly<Record<string, string>> | undefined,
  current: Readonly<Record<string, string>>,
  marker: OwnershipMarker,
): Record<string, string> {
  return { ...(desired ?? userTags(current)), ...markerTags(marker) };
}

/** Returns the tags to set and the keys to remove to go from `current` to `wanted`. */
export function tagChanges(
  current: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): { set: Record<string, string>; remove: string[] } {
  const set = Object.fromEntries(
    Object.entries(wanted).filter(([key, value]) => current[key] !== value),
  );
  const remove = Object.keys(current)
    .filter((key) => !(key in wanted))
    .sort();
  return { set, remove };
}
