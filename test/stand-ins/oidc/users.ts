import { createHash, timingSafeEqual } from 'node:crypto';

/** A person who can sign in to the stand-in, as the options declare them. */
export interface TestUser {
  /** Okta login, usually an email address; the `sub` of the access tokens. */
  login: string;
  password: string;
  /** Okta user id (`uid` claim, ID token `sub`); derived from the login when absent. */
  id?: string;
  /** Display name; the login when absent. */
  name?: string;
}

/** A validated test user with every field filled in. */
export interface Account {
  id: string;
  login: string;
  name: string;
  password: string;
}

/** Validates `users` and indexes them by login; throws one error naming every invalid entry. */
export function indexUsers(users: readonly TestUser[]): Map<string, Account> {
  const accounts = new Map<string, Account>();
  const problems: string[] = [];

  users.forEach((user, index) => {
    const at = `users[${index}]`;
    if (typeof user.login !== 'string' || user.login.trim() === '') {
      problems.push(`${at}.login: must be a non-empty string (got ${JSON.stringify(user.login)})`);
      return;
    }
    if (typeof user.password !== 'string' || user.password === '') {
      problems.push(`${at}.password: must be a non-empty string`);
      return;
    }
    if (accounts.has(user.login)) {
      problems.push(`${at}.login: duplicate login "${user.login}"`);
      return;
    }
    accounts.set(user.login, {
      id: user.id ?? oktaUserId(user.login),
      login: user.login,
      name: user.name ?? user.login,
      password: user.password,
    });
  });

  if (problems.length > 0) {
    throw new Error(`Invalid OIDC stand-in users:\n  ${problems.join('\n  ')}`);
  }
  return accounts;
}

/** Checks a password without leaking through timing how much of it matched. */
export function passwordMatches(account: Account, password: string): boolean {
  const expected = createHash('sha256').update(account.password).digest();
  const received = createHash('sha256').update(password).digest();
  return timingSafeEqual(expected, received);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Derives a stable id in the shape Okta gives users: `00u` and 17 more alphanumeric characters,
 * the same for the same login on every start.
 */
export function oktaUserId(login: string): string {
  const digest = createHash('sha256').update(login).digest();
  let id = '00u';
  for (let index = 0; id.length < 20; index += 1) {
    id += BASE62[digest[index]! % BASE62.length];
  }
  return id;
}
