// Digest authentication under concurrency: the real client against the Atlas stand-in over HTTP on
// 127.0.0.1, with the stand-in checking nonce expiry, replays and response hashes as RFC 7616
// describes. A fetch wrapper records each Authorization header as sent, so tests can check the
// (nonce, nc) pairs. Every request still goes over the network to the stand-in.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ProviderError, type Logger } from '../../actions/engine/provider.ts';
import { AtlasClient } from '../../actions/providers/atlas/client.ts';
import { digestAuthorization, parseDigestChallenge } from '../../actions/providers/atlas/digest.ts';
import { startServer } from '../helpers/servers.ts';
import type { AtlasStandIn, DigestNonceScope } from '../stand-ins/atlas/index.ts';
import { apiKey, FrozenClock, orgId, startStandIn } from './helpers.ts';
import { skipSpecCheckHeader } from './spec-check.ts';

const createProject = (name: string) =>
  ({ operation: 'createProject', method: 'POST', path: '/groups', body: { name, orgId } }) as const;

/** `fetch` that records the Authorization header of each request and calls `beforeSend` first. */
function recordingFetch(beforeSend: (index: number) => void = () => undefined) {
  const authorizations: (string | undefined)[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    authorizations.push(headers.authorization);
    beforeSend(authorizations.length);
    return fetch(input, init);
  };
  return { fetch: wrapped, authorizations };
}

function digestClient(url: string, fetchFunction: typeof fetch, privateKey = apiKey.privateKey) {
  return new AtlasClient({
    baseUrl: url,
    fetch: fetchFunction,
    credentials: { type: 'apiKey', publicKey: apiKey.publicKey, privateKey },
  });
}

/** Extracts `nonce` and `nc` from a Digest Authorization header, as one string. */
function nonceAndCount(header: string): string {
  const nonce = /nonce="([^"]+)"/.exec(header)?.[1];
  const nc = /nc=([0-9a-f]{8})/.exec(header)?.[1];
  return `${nonce} ${nc}`;
}

function recordingLog() {
  const lines: string[] = [];
  const log: Logger = {
    info: (message) => lines.push(message),
    debug: (message) => lines.push(message),
    warning: (message) => lines.push(message),
  };
  return { log, lines };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

// `challenge`: each 401 carries a new nonce. `period`: all carry the same one until it expires,
// so a client that starts a repeated nonce over at nc 1 sends a replay.
const scopes: DigestNonceScope[] = ['challenge', 'period'];

const names = Array.from({ length: 20 }, (_, index) => `project-${String(index).padStart(2, '0')}`);

describe('digest concurrency', () => {
  it.each(scopes)('succeeds for 20 concurrent requests (%s nonces)', async (digestNonceScope) => {
    const standIn = await startStandIn(new FrozenClock(), { digestNonceScope });
    const recorder = recordingFetch();
    const client = digestClient(standIn.url, recorder.fetch);

    const results = await Promise.allSettled(
      names.map((name) => client.request(createProject(name))),
    );

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(standIn.state.projects.map((project) => project.name).sort()).toEqual(names);
    const statuses = standIn.requests.map((exchange) => exchange.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);

    const signed = recorder.authorizations.filter((header) => header !== undefined);
    expect(signed).toHaveLength(20);
    const pairs = signed.map(nonceAndCount);
    expect(new Set(pairs).size).toBe(20);
    const counts = pairs.map((pair) => pair.split(' ')[1]).sort();
    expect(counts[0]).toBe('00000001');
    expect(counts[19]).toBe('00000014');
  });

  it.each(scopes)(
    'recovers when the nonce expires mid-run (%s nonces)',
    async (digestNonceScope) => {
      const clock = new FrozenClock();
      const standIn = await startStandIn(clock, {
        digestNonceLifetimeMs: 60_000,
        digestNonceScope,
      });
      // The clock passes the nonce lifetime while the 8th request is being sent, so the requests
      // signed from then on carry an expired nonce.
      const recorder = recordingFetch((index) => {
        if (index === 8) clock.milliseconds += 61_000;
      });
      const client = digestClient(standIn.url, recorder.fetch);
      const { log, lines } = recordingLog();

      const results = await Promise.allSettled(
        names.map((name) => client.request({ ...createProject(name), log })),
      );

      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(standIn.state.projects).toHaveLength(20);
      const stale = standIn.requests.filter((exchange) => exchange.authFailure === 'STALE_NONCE');
      expect(stale.length).toBeGreaterThan(0);
      for (const exchange of stale) {
        expect(exchange.responseHeaders['www-authenticate']).toMatch(/stale=true$/);
      }
      expect(lines.some((line) => line.includes('the Digest nonce expired (stale)'))).toBe(true);
    },
  );

  it('fails on a wrong key naming the public key', async () => {
    const standIn = await startStandIn(new FrozenClock());
    const recorder = recordingFetch();
    const client = digestClient(standIn.url, recorder.fetch, 'wrong-private-key-42');
    const { log, lines } = recordingLog();

    const error = await failure(client.request({ ...createProject('x'), log }));

    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.vendorCode).toBe('USER_UNAUTHORIZED');
    expect(error.message).toContain(`API key ${apiKey.publicKey}`);
    const everything = JSON.stringify({
      message: error.message,
      stack: error.stack,
      lines,
      cause: String(error.cause),
    });
    expect(everything).not.toContain('wrong-private-key-42');
    // The probe without credentials, the signed request and one retry with a new challenge.
    expect(standIn.requests.map((exchange) => exchange.authFailure)).toEqual([
      'NO_CREDENTIALS',
      'WRONG_RESPONSE',
      'WRONG_RESPONSE',
    ]);
  });

  it('stops 20 concurrent wrong-key requests', async () => {
    const standIn = await startStandIn(new FrozenClock());
    const recorder = recordingFetch();
    const client = digestClient(standIn.url, recorder.fetch, 'wrong-private-key-42');

    const results = await Promise.allSettled(
      names.map((name) => client.request(createProject(name))),
    );

    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    // One probe for all of them, then at most two signed attempts per request.
    expect(standIn.requests).toHaveLength(1 + 20 * 2);
    expect(standIn.state.projects).toEqual([]);
  });

  it('releases waiting requests when the first fails', async () => {
    const standIn = await startStandIn(new FrozenClock());
    const recorder = recordingFetch();
    const failingFirst: typeof fetch = (input, init) =>
      recorder.authorizations.length === 0
        ? (recorder.authorizations.push('lost'), Promise.reject(new Error('socket hang up')))
        : recorder.fetch(input, init);
    const client = digestClient(standIn.url, failingFirst);

    const results = await Promise.allSettled(
      names.slice(0, 5).map((name) => client.request(createProject(name))),
    );

    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE' });
    expect(standIn.requests.filter((exchange) => exchange.status === 401)).toHaveLength(1);
  });
});

describe('digest stand-in checks', () => {
  /** Sends one createProject with a hand-made Authorization header, outside the client. */
  async function sendRaw(url: string, authorization: string, name = 'replayed') {
    return fetch(`${url}/api/atlas/v2/groups`, {
      method: 'POST',
      headers: {
        authorization,
        accept: 'application/vnd.atlas.2023-01-01+json',
        'content-type': 'application/vnd.atlas.2023-01-01+json',
        [skipSpecCheckHeader]: 'skip',
      },
      body: JSON.stringify({ name, orgId }),
    });
  }

  async function signedHeader() {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const recorder = recordingFetch();
    await digestClient(standIn.url, recorder.fetch).request(createProject('original'));
    return { clock, standIn, header: recorder.authorizations.at(-1)! };
  }

  it('rejects a replayed nonce count', async () => {
    const { standIn, header } = await signedHeader();

    const response = await sendRaw(standIn.url, header);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/stale=false$/);
    expect(standIn.requests.at(-1)!.authFailure).toBe('REPLAYED_NONCE_COUNT');
    expect(standIn.state.projects.map((project) => project.name)).toEqual(['original']);
  });

  it('rejects a wrong response hash', async () => {
    const { standIn, header } = await signedHeader();
    const tampered = header
      .replace(/nc=[0-9a-f]{8}/, 'nc=00000005')
      .replace(/response="[0-9a-f]{32}"/, `response="${'0'.repeat(32)}"`);

    const response = await sendRaw(standIn.url, tampered);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/stale=false$/);
    expect(standIn.requests.at(-1)!.authFailure).toBe('WRONG_RESPONSE');
  });

  /** Signs createProject with the stand-in's first challenge and the nonce count `nc`. */
  function signWithFirstNonce(standIn: AtlasStandIn, nc: number): string {
    const challenge = parseDigestChallenge(
      standIn.requests[0]!.responseHeaders['www-authenticate'] ?? null,
    );
    return digestAuthorization(
      challenge!,
      { username: apiKey.publicKey, password: apiKey.privateKey },
      { method: 'POST', uri: '/api/atlas/v2/groups', nonceCount: nc },
    );
  }

  it('marks an expired nonce stale', async () => {
    const { clock, standIn } = await signedHeader();
    clock.milliseconds += 300_000;

    const response = await sendRaw(standIn.url, signWithFirstNonce(standIn, 2));

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/stale=true$/);
    expect(standIn.requests.at(-1)!.authFailure).toBe('STALE_NONCE');
  });

  it('rejects a response signed for another URI', async () => {
    const { standIn, header } = await signedHeader();
    const otherPath = header
      .replace(/nc=[0-9a-f]{8}/, 'nc=00000007')
      .replace('uri="/api/atlas/v2/groups"', 'uri="/api/atlas/v2/groups/x"');

    const response = await sendRaw(standIn.url, otherPath);

    expect(response.status).toBe(401);
    expect(standIn.requests.at(-1)!.authFailure).toBe('URI_MISMATCH');
  });

  it('rejects a malformed nonce count', async () => {
    const { standIn, header } = await signedHeader();

    const response = await sendRaw(standIn.url, header.replace(/nc=[0-9a-f]{8}/, 'nc=7'));

    expect(response.status).toBe(401);
    expect(standIn.requests.at(-1)!.authFailure).toBe('MALFORMED_DIGEST');
  });

  it('accepts nonce counts out of order', async () => {
    const { standIn } = await signedHeader();

    const third = await sendRaw(standIn.url, signWithFirstNonce(standIn, 3), 'third');
    const second = await sendRaw(standIn.url, signWithFirstNonce(standIn, 2), 'second');

    expect(third.status).toBe(200);
    expect(second.status).toBe(200);
  });
});

describe('digest retry limits', () => {
  /** Starts a server that responds to every request with 401 and `challenge`, and records requests. */
  async function alwaysUnauthorized(challenge: (index: number) => string | undefined) {
    const seen: (string | undefined)[] = [];
    const server: Server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      const header = challenge(seen.length);
      response.writeHead(401, {
        'content-type': 'application/json',
        ...(header !== undefined && { 'www-authenticate': header }),
      });
      response.end(JSON.stringify({ error: 401, errorCode: 'USER_UNAUTHORIZED' }));
    });
    const { url } = await startServer(server);
    return { url, seen };
  }

  const challengeWith = (nonce: string, stale: boolean) =>
    `Digest realm="MMS Public API", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;

  it('gives up after two stale nonces', async () => {
    const server = await alwaysUnauthorized((index) => challengeWith(`n${index}`, index > 1));
    const client = digestClient(server.url, fetch);

    const error = await failure(client.request(createProject('x')));

    expect(error.code).toBe('UNAUTHORIZED');
    // The probe, the signed request and two retries after stale=true.
    expect(server.seen).toHaveLength(4);
    expect(server.seen[0]).toBeUndefined();
    expect(server.seen.slice(1).map((header) => /nonce="(n\d)"/.exec(header ?? '')?.[1])).toEqual([
      'n1',
      'n2',
      'n3',
    ]);
  });

  it('keeps the count of a repeated nonce', async () => {
    const server = await alwaysUnauthorized(() => challengeWith('same', false));
    const client = digestClient(server.url, fetch);

    await failure(client.request(createProject('x')));
    await failure(client.request(createProject('y')));

    const counts = server.seen.map((header) => /nc=([0-9a-f]{8})/.exec(header ?? '')?.[1]);
    expect(counts).toEqual([undefined, '00000001', '00000002', '00000003', '00000004']);
  });

  it('does not retry a 401 without a challenge', async () => {
    const server = await alwaysUnauthorized(() => undefined);
    const client = digestClient(server.url, fetch);

    const error = await failure(client.request(createProject('x')));

    expect(error.code).toBe('UNAUTHORIZED');
    expect(server.seen).toEqual([undefined]);
  });

  it('rejects a challenge with another algorithm', async () => {
    const server = await alwaysUnauthorized(
      () => 'Digest realm="MMS Public API", nonce="n", algorithm=SHA-256, qop="auth"',
    );
    const client = digestClient(server.url, fetch);

    const error = await failure(client.request(createProject('x')));

    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain('algorithm SHA-256');
    expect(server.seen).toHaveLength(1);
  });

  it('stops waiting when the request is aborted', async () => {
    let releaseProbe: () => void = () => undefined;
    let probeArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (probeArrived = resolve));
    const seen: string[] = [];
    const server: Server = createServer((request, response) => {
      seen.push(request.url ?? '');
      probeArrived();
      releaseProbe = () => {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 401, errorCode: 'USER_UNAUTHORIZED' }));
      };
    });
    const { url } = await startServer(server);
    const client = digestClient(url, fetch);
    const controller = new AbortController();

    const probe = failure(client.request(createProject('first')));
    await arrived;
    const waiting = failure(
      client.request({ ...createProject('second'), signal: controller.signal }),
    );
    controller.abort(new Error('cancelled by the test'));
    const waitingError = await waiting;
    releaseProbe();
    const probeError = await probe;

    expect(waitingError.code).toBe('UNAVAILABLE');
    expect(waitingError.message).toContain('cancelled by the test');
    expect(probeError.code).toBe('UNAUTHORIZED');
    expect(seen).toHaveLength(1);
  });
});
