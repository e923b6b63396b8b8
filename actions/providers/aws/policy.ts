// IAM policy documents compared by meaning. IAM returns them URL-encoded and reshaped: whitespace
// removed, a one-item list collapsed to a string, keys and statements in any order. Two documents
// are the same when their canonical forms are equal.
import type { SpecValue } from '../../engine/provider.ts';
import { isUnknown } from '../../engine/provider.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Parses a policy document as AWS returns it: URL-encoded (IAM) or plain JSON (Lambda). */
export function decodePolicy(text: string): Json {
  const trimmed = text.trim();
  const json = trimmed.startsWith('{') ? trimmed : decodeURIComponent(trimmed);
  return JSON.parse(json) as Json;
}

function asSortedList(value: Json | undefined): Json {
  const list = Array.isArray(value) ? value : [value ?? null];
  const strings = [
    ...new Set(list.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))),
  ];
  return strings.sort();
}

function canonicalValue(value: Json): Json {
  if (Array.isArray(value)) {
    return value.map(canonicalValue);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonicalValue(value[key] ?? null)]),
    );
  }
  return value;
}

const listKeys = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

function canonicalStatement(statement: Json): Json {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) {
    return statement;
  }
  const output: Record<string, Json> = {};
  for (const [key, value] of Object.entries(statement)) {
    if (listKeys.has(key)) {
      output[key] = asSortedList(value);
    } else if (
      (key === 'Principal' || key === 'NotPrincipal') &&
      value !== '*' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      output[key] = Object.fromEntries(
        Object.entries(value).map(([type, ids]) => [type, asSortedList(ids)]),
      );
    } else if (
      key === 'Condition' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      // Condition values compare as strings in IAM: `true` and "true" are the same value.
      output[key] = Object.fromEntries(
        Object.entries(value).map(([operator, entries]) => [
          operator,
          typeof entries === 'object' && entries !== null && !Array.isArray(entries)
            ? Object.fromEntries(
                Object.entries(entries).map(([conditionKey, values]) => [
                  conditionKey,
                  asSortedList(
                    (Array.isArray(values) ? values : [values]).map((item) =>
                      typeof item === 'string' ? item : JSON.stringify(item),
                    ),
                  ),
                ]),
              )
            : entries,
        ]),
      );
    } else {
      output[key] = value;
    }
  }
  return canonicalValue(output);
}

/** Returns the canonical form of a policy document: lists sorted and de-duplicated, statements sorted. */
export function canonicalPolicy(document: Json): Json {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return document;
  }
  const statements = document.Statement;
  const list = Array.isArray(statements)
    ? statements
    : statements === undefined
      ? []
      : [statements];
  const canonicalStatements = list
    .map(canonicalStatement)
    .map((statement) => JSON.stringify(statement))
    .sort()
    .map((text) => JSON.parse(text) as Json);
  return canonicalValue({ ...document, Statement: canonicalStatements });
}

function containsUnknown(value: SpecValue | undefined): boolean {
  if (isUnknown(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsUnknown);
  }
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/** Returns whether two policy documents mean the same; a desired document with unknowns never does. */
export function policiesEqual(desired: SpecValue | undefined, actual: Json): boolean {
  if (desired === undefined || containsUnknown(desired)) {
    return false;
  }
  return (
    JSON.stringify(canonicalPolicy(desired as Json)) === JSON.stringify(canonicalPolicy(actual))
  );
}

/**
 * The observed document in the config's shape: the desired document itself when both mean the
 * same, so the engine finds no change, and the decoded document otherwise.
 */
export function observedPolicy(desired: SpecValue | undefined, actualText: string): SpecValue {
  const actual = decodePolicy(actualText);
  return policiesEqual(desired, actual) ? (desired as SpecValue) : actual;
}

/** Serialises a desired policy document for an IAM call. */
export function policyText(document: SpecValue | undefined): string {
  return JSON.stringify(document);
}
