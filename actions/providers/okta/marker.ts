// Ownership markers of Okta resources. An app keeps its marker in `profile.gitops`, because
// `profile` is a free-form JSON object that Okta stores with OAuth 2.0 client apps. A trusted
// origin has no such field, so its marker is a suffix of the name:
// `example-backend-dev docs [gitops:dev:docs]`. A label or name alone never makes a resource ours.
import type { OwnershipMarker } from '../../engine/provider.ts';

/** Key of the marker object inside an app's `profile`. */
export const profileMarkerKey = 'gitops';

/** The environment and address a marker names. */
export interface MarkerIdentity {
  readonly environment: string;
  readonly address: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the marker in the form the app profile stores. */
export function profileMarker(marker: OwnershipMarker): Record<string, string> {
  return {
    managedBy: marker.managedBy,
    environment: marker.environment,
    address: marker.address,
  };
}

/** Reads the environment and address of the marker in an app's `profile`, if it has one. */
export function markerOfProfile(profile: unknown): MarkerIdentity | undefined {
  const stored = isRecord(profile) ? profile[profileMarkerKey] : undefined;
  if (!isRecord(stored) || stored.managedBy !== 'gitops') {
    return undefined;
  }
  const { environment, address } = stored;
  if (typeof environment !== 'string' || typeof address !== 'string') {
    return undefined;
  }
  return { environment, address };
}

/** Returns whether an app's `profile` carries exactly this marker. */
export function profileIsOwned(profile: unknown, marker: OwnershipMarker): boolean {
  const found = markerOfProfile(profile);
  return found?.environment === marker.environment && found.address === marker.address;
}

const nameMarker = / \[gitops:([^:\]\s]+):([^\]\s]+)\]$/;

/** Returns the last segment of a config address: `docs` in `okta.trustedOrigins.docs`. */
export function addressKey(address: string): string {
  return address.slice(address.lastIndexOf('.') + 1);
}

/** Builds the name Okta stores for a trusted origin: the configured name, then the marker. */
export function nameWithMarker(name: string, marker: OwnershipMarker): string {
  return `${name} [gitops:${marker.environment}:${addressKey(marker.address)}]`;
}

/** Splits a stored trusted origin name into the configured name and the marker, if any. */
export function parseMarkedName(stored: string): {
  name: string;
  marker: { environment: string; key: string } | undefined;
} {
  const match = nameMarker.exec(stored);
  if (!match) {
    return { name: stored, marker: undefined };
  }
  return {
    name: stored.slice(0, match.index),
    marker: { environment: match[1] ?? '', key: match[2] ?? '' },
  };
}

/** Returns whether a stored trusted origin name carries exactly this marker. */
export function nameIsOwned(stored: string, marker: OwnershipMarker): boolean {
  const found = parseMarkedName(stored).marker;
  return found?.environment === marker.environment && found.key === addressKey(marker.address);
}
