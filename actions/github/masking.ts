// Registers secrets with the runner, which then replaces them with *** in the log. A secret is
// registered the moment it is read, together with the forms it takes on the wire (base64, a
// Basic header), because the runner masks exact text only.
import * as core from '@actions/core';

/**
 * Lines shorter than this are not masked on their own. Masking `{` or `}` from a JSON secret
 * would blank every brace in the log; the whole value is masked regardless.
 */
const minimumLineLength = 4;

/**
 * Registers `value` as a secret. A multi-line value (a PEM key) is also registered line by line,
 * because the runner matches a registered value against each log line separately.
 */
export function maskSecret(value: string): void {
  if (value === '') return;
  core.setSecret(value);
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  if (lines.length === 1) return;
  for (const line of new Set(lines)) {
    if (line.length >= minimumLineLength) core.setSecret(line);
  }
}

/** Registers `value` and its base64 and URL-encoded forms, which a request or error may carry. */
export function maskSecretForms(value: string): void {
  maskSecret(value);
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  core.setSecret(base64);
  core.setSecret(Buffer.from(value, 'utf8').toString('base64url'));
  const encoded = encodeURIComponent(value);
  if (encoded !== value) core.setSecret(encoded);
}

/**
 * Returns the `Authorization` value for HTTP Basic auth, after registering the credential pair and
 * the header as secrets.
 */
export function basicAuthorization(username: string, password: string): string {
  maskSecret(password);
  const credential = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  core.setSecret(credential);
  return `Basic ${credential}`;
}
