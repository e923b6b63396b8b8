import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import { AtlasClient } from '../../actions/providers/atlas/client.ts';
import { digestAuthorization, parseDigestChallenge } from '../../actions/providers/atlas/digest.ts';
import { classifyAtlasError, isOutcomeUnknown } from '../../actions/providers/atlas/errors.ts';
import { apiKey, FrozenClock, orgId, serviceAccount, startStandIn } from './helpers.ts';
import { skipSpecCheckHeader } from './spec-check.ts';

function digestClient(url: string, privateKey = apiKey.privateKey) {
  return new AtlasClient({
    baseUrl: url,
    credentials: { type: 'apiKey', publicKey: apiKey.publicKey, privateKey },
  });
}

function tokenClient(url: string, clock: FrozenClock, clientSecret = serviceAccount.clientSecret) {
  return new AtlasClient({
    baseUrl: url,
    now: clock.now,
    credentials: { type: 'serviceAccount', clientId: serviceAccount.clientId, clientSecret },
  });
}

const createProject = (name: string) =>
  ({ operation: 'createProject', method: 'POST', path: '/groups', body: { name, orgId } }) as const;

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('digest authentication', () => {
  it('computes the RFC 2617 example response', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(challenge).toBeDefined();
    const header = digestAuthorization(
      challenge!,
      { username: 'Mufasa', password: 'Circle Of Life' },
      { method: 'GET', uri: '/dir/index.html', nonceCount: 1, cnonce: '0a4f113b' },
    );
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('nc=00000001');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('answers the challenge once, then reuses the nonce', async () => {
    const standIn = await startStandIn(new FrozenClock());
    const client = digestClient(standIn.url);

    await client.request(createProject('first'));
    await client.request(createProject('second'));

    const statuses = standIn.requests.map((exchange) => exchange.status);
    expect(statuses).toEqual([401, 200, 200]);
    expect(standIn.requests[0]!.responseHeaders['www-authenticate']).toMatch(/^Digest realm=/);
    expect(standIn.requests[1]!.requestHeaders.authorization).toBe('Digest');
    expect(standIn.state.projects.map((project) => project.name)).toEqual(['first', 'second']);
  });

  it('rejects a wrong private key as UNAUTHORIZED', async () => {
    const standIn = await startStandIn(new FrozenClock());
    const error = await failure(
      digestClient(standIn.url, 'wrong-key-123').request(createProject('x')),
    );

    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.vendorCode).toBe('USER_UNAUTHORIZED');
    expect(error.message).not.toContain('wrong-key-123');
  });
});

describe('service account authentication', () => {
  it('requests one token for many calls', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const client = tokenClient(standIn.url, clock);

    for (const name of ['a', 'b', 'c', 'd']) await client.request(createProject(name));

    expect(standIn.tokenRequests()).toBe(1);
    expect(standIn.requests.filter((exchange) => exchange.status === 401)).toEqual([]);
  });

  it('refreshes the token before it expires', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const client = tokenClient(standIn.url, clock);

    await client.request(createProject('a'));
    clock.milliseconds += 3600_000 - 30_000;
    await client.request(createProject('b'));

    expect(standIn.tokenRequests()).toBe(2);
  });

  it('fetches a new token once after a 401', async () => {
    const clientClock = new FrozenClock();
    const serverClock = new FrozenClock();
    const standIn = await startStandIn(serverClock);
    const client = tokenClient(standIn.url, clientClock);

    await client.request(createProject('a'));
    serverClock.milliseconds += 2 * 3600_000;
    await client.request(createProject('b'));

    expect(standIn.tokenRequests()).toBe(2);
    const statuses = standIn.requests.map((exchange) => `${exchange.path} ${exchange.status}`);
    expect(statuses).toEqual([
      '/api/oauth/token 200',
      '/api/atlas/v2/groups 200',
      '/api/atlas/v2/groups 401',
      '/api/oauth/token 200',
      '/api/atlas/v2/groups 200',
    ]);
  });

  it('keeps the client secret out of the error', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const error = await failure(
      tokenClient(standIn.url, clock, 'bad-secret-xyz').request(createProject('a')),
    );

    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain(serviceAccount.clientId);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(
      'bad-secret-xyz',
    );
  });

  it('reports every secret to onSecret', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const secrets: string[] = [];
    const client = new AtlasClient({
      baseUrl: standIn.url,
      now: clock.now,
      credentials: { type: 'serviceAccount', ...serviceAccount },
      onSecret: (value) => secrets.push(value),
    });

    await client.request(createProject('a'));

    expect(secrets).toHaveLength(2);
    expect(secrets[0]).toBe(serviceAccount.clientSecret);
    expect(standIn.requests[0]!.responseBody).toMatchObject({ access_token: secrets[1] });
  });
});

describe('media types', () => {
  it('sends the dated version of each operation', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const client = tokenClient(standIn.url, clock);
    const project = await client.request<{ id: string }>(createProject('media'));
    const path = `/groups/${project!.id}/clusters`;

    await client.request({
      operation: 'createCluster',
      method: 'POST',
      path,
      body: {
        name: 'c1',
        replicationSpecs: [
          {
            regionConfigs: [
              {
                providerName: 'TENANT',
                backingProviderName: 'AWS',
                regionName: 'US_EAST_1',
                electableSpecs: { instanceSize: 'M0' },
              },
            ],
          },
        ],
      },
    });
    await client.request({ operation: 'getCluster', method: 'GET', path: `${path}/c1` });

    const create = standIn.requests.find((exchange) => exchange.operationId === 'createCluster')!;
    const get = standIn.requests.find((exchange) => exchange.operationId === 'getCluster')!;
    expect(create.requestHeaders.accept).toBe('application/vnd.atlas.2024-10-23+json');
    expect(create.requestHeaders['content-type']).toBe('application/vnd.atlas.2024-10-23+json');
    expect(get.requestHeaders.accept).toBe('application/vnd.atlas.2024-08-05+json');
    expect(get.responseHeaders['content-type']).toBe('application/vnd.atlas.2024-08-05+json');
  });

  it('gets 406 INVALID_VERSION_DATE for a wrong version', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const token = await fetch(`${standIn.url}/api/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${serviceAccount.clientId}:${serviceAccount.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };

    for (const accept of ['application/vnd.atlas.2024-10-23+json', 'application/json']) {
      const response = await fetch(`${standIn.url}/api/atlas/v2/groups`, {
        headers: { authorization: `Bearer ${accessToken}`, accept, [skipSpecCheckHeader]: 'skip' },
      });
      expect(response.status).toBe(406);
      expect(await response.json()).toEqual({
        detail: 'Invalid accept header or version date.',
        error: 406,
        errorCode: 'INVALID_VERSION_DATE',
        parameters: [],
        reason: 'Not Acceptable',
      });
    }
  });

  it('gets 415 for a body of another media type', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const client = digestClient(standIn.url);
    await client.request(createProject('warm-up'));
    const challenge = standIn.requests[0]!.responseHeaders['www-authenticate']!;
    const header = digestAuthorization(
      parseDigestChallenge(challenge)!,
      { username: apiKey.publicKey, password: apiKey.privateKey },
      { method: 'POST', uri: '/api/atlas/v2/groups', nonceCount: 9 },
    );

    const response = await fetch(`${standIn.url}/api/atlas/v2/groups`, {
      method: 'POST',
      headers: {
        authorization: header,
        accept: 'application/vnd.atlas.2023-01-01+json',
        'content-type': 'text/plain',
        [skipSpecCheckHeader]: 'skip',
      },
      body: JSON.stringify({ name: 'x', orgId }),
    });

    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: 415, reason: 'Unsupported Media Type' });
  });
});

describe('pagination', () => {
  it('collects every page', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      standIn.addProject({ name, orgId, tags: [] });
    }
    const client = new AtlasClient({
      baseUrl: standIn.url,
      now: clock.now,
      itemsPerPage: 2,
      credentials: { type: 'serviceAccount', ...serviceAccount },
    });

    const projects = await client.listAll<{ name: string }>({
      operation: 'listProjects',
      path: '/groups',
    });

    expect(projects.map((project) => project.name)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    const pages = standIn.requests
      .filter((exchange) => exchange.operationId === 'listProjects')
      .map((exchange) => exchange.query);
    expect(pages).toEqual([
      { itemsPerPage: '2', pageNum: '1' },
      { itemsPerPage: '2', pageNum: '2' },
      { itemsPerPage: '2', pageNum: '3' },
    ]);
  });
});

describe('errors', () => {
  // Each case: the status Atlas sent, its errorCode, the code the engine acts on, and why.
  const table: [number, string | undefined, string, string][] = [
    [400, 'DUPLICATE_CLUSTER_NAME', 'CONFLICT', 'a duplicate is a 400, not a bad request'],
    [409, 'GROUP_ALREADY_EXISTS', 'CONFLICT', 'duplicate project'],
    [409, 'USER_ALREADY_EXISTS', 'CONFLICT', 'duplicate database user'],
    [
      409,
      'CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS',
      'CONFLICT',
      'project delete waits for clusters',
    ],
    [404, 'CLUSTER_NOT_FOUND', 'NOT_FOUND', 'gone cluster'],
    [404, 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND', 'NOT_FOUND', 'gone access entry'],
    [404, 'SOMETHING_ELSE_NOT_FOUND', 'NOT_FOUND', 'unknown not-found code'],
    [400, 'VALIDATION_ERROR', 'INVALID', 'bad body'],
    [406, 'INVALID_VERSION_DATE', 'INVALID', 'wrong media type version'],
    [429, 'RATE_LIMITED', 'THROTTLED', 'rate limit'],
    [500, 'UNEXPECTED_ERROR', 'UNAVAILABLE', 'server failure'],
    [503, undefined, 'UNAVAILABLE', 'a proxy without an Atlas body'],
    [401, 'USER_UNAUTHORIZED', 'UNAUTHORIZED', 'bad credentials'],
    [403, 'CANNOT_CHANGE_GROUP_NAME', 'FORBIDDEN', 'missing role'],
    [402, 'NO_PAYMENT_INFORMATION_FOUND', 'FORBIDDEN', 'billing not set up'],
  ];

  it.each(table)('classifies %i %s as %s (%s)', (status, errorCode, expected) => {
    expect(classifyAtlasError(status, errorCode)).toBe(expected);
  });

  it('classifies a duplicate cluster over HTTP', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const client = tokenClient(standIn.url, clock);
    const project = standIn.addProject({ name: 'dup', orgId, tags: [] });
    const create = {
      operation: 'createCluster',
      method: 'POST',
      path: `/groups/${project.id}/clusters`,
      body: {
        name: 'same',
        replicationSpecs: [
          {
            regionConfigs: [
              {
                providerName: 'TENANT',
                backingProviderName: 'AWS',
                regionName: 'US_EAST_1',
                electableSpecs: { instanceSize: 'M0' },
              },
            ],
          },
        ],
      },
    } as const;
    await client.request(create);
    const error = await failure(client.request(create));

    expect(error.code).toBe('CONFLICT');
    expect(error.vendorCode).toBe('DUPLICATE_CLUSTER_NAME');
    expect(error.message).toContain('400');
  });

  it('honours Retry-After on 429', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.faults.throttleNext(1, { retryAfterSeconds: 7 });
    const error = await failure(tokenClient(standIn.url, clock).request(createProject('a')));

    expect(error.code).toBe('THROTTLED');
    expect(error.vendorCode).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.retryable).toBe(true);
    const throttled = standIn.requests.find((exchange) => exchange.status === 429)!;
    expect(throttled.responseHeaders['ratelimit-remaining']).toBe('0');
  });

  it('throttles past the rate limit', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock, { rateLimit: { limit: 2, windowMs: 60_000 } });
    const client = tokenClient(standIn.url, clock);
    await client.request(createProject('a'));
    await client.request(createProject('b'));
    const error = await failure(client.request(createProject('c')));

    expect(error.code).toBe('THROTTLED');
    expect(error.retryAfterMs).toBe(60_000);
  });

  it('reports a lost response as outcome unknown', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.faults.dropResponseOfNext(1, { match: { operationId: 'createProject' } });
    const error = await failure(tokenClient(standIn.url, clock).request(createProject('lost')));

    expect(error.code).toBe('UNAVAILABLE');
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(standIn.state.projects.map((project) => project.name)).toEqual(['lost']);
  });

  it('keeps the private key out of server errors', async () => {
    const standIn = await startStandIn(new FrozenClock());
    standIn.faults.failNext(1, { status: 500 });
    const error = await failure(digestClient(standIn.url).request(createProject('a')));

    expect(error.code).toBe('UNAVAILABLE');
    expect(error.vendorCode).toBe('UNEXPECTED_ERROR');
    expect(`${error.message}${error.stack ?? ''}`).not.toContain(apiKey.privateKey);
  });
});
