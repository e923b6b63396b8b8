// The TTL monitor: removes documents whose indexed date is older than the index's
// `expireAfterSeconds`, the way mongod's background task does (every 60 seconds by default).
import type { Catalog } from './catalog.ts';
import { valuesAtPath } from './values.ts';

/** mongod's `ttlMonitorSleepSecs` default, in milliseconds. */
export const DEFAULT_TTL_MONITOR_INTERVAL_MS = 60_000;

/**
 * Removes every expired document once and returns how many. As on mongod, only single-field
 * indexes expire documents, and a field without a date never expires. For an array of dates the
 * earliest counts.
 */
export function removeExpired(catalog: Catalog, now: number): number {
  let removed = 0;
  for (const database of catalog.databaseNames()) {
    for (const collection of catalog.collections(database)) {
      for (const index of collection.indexes.values()) {
        const seconds = index.spec.expireAfterSeconds;
        if (seconds === undefined || index.fields.length !== 1) continue;
        const field = index.fields[0] as string;
        const cutoff = now - seconds * 1000;
        const expired: number[] = [];
        for (const [recordId, document] of collection.documents()) {
          // A sparse or partial index expires only the documents it covers.
          if (index.entriesOf(document).length === 0) continue;
          const dates = valuesAtPath(document, field)
            .flat()
            .filter((value): value is Date => value instanceof Date)
            .map((date) => date.getTime());
          if (dates.length > 0 && Math.min(...dates) <= cutoff) expired.push(recordId);
        }
        for (const recordId of expired) collection.remove(recordId);
        removed += expired.length;
      }
    }
  }
  return removed;
}
