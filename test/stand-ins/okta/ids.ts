// Okta-style object ids: a 3-character type prefix and 17 base62 characters, 20 in all
// (`0oa` apps, `tos` trusted origins, `rst` app sign-in policies, `00p` other policies). The
// generator is seeded so a test run produces the same ids every time.

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Prefixes that Okta uses for the object types the stand-in serves. */
export const idPrefix = {
  app: '0oa',
  trustedOrigin: 'tos',
  accessPolicy: 'rst',
  policy: '00p',
  accessPolicyRule: 'rul',
  policyRule: '0pr',
  authorizationServer: 'aus',
  user: '00u',
  org: '00o',
  error: 'oae',
  request: 'req',
  signingKey: 'key',
} as const;

/** A deterministic id source (mulberry32), whose state can be saved and restored. */
export class IdGenerator {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  /** Returns `prefix` followed by random base62 characters, `length` characters in all. */
  next(prefix: string, length = 20): string {
    let id = prefix;
    while (id.length < length) {
      id += alphabet[Math.floor(this.#random() * alphabet.length)];
    }
    return id;
  }

  #random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
