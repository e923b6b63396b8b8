// Service account tokens under concurrency: after Atlas rejects the token, concurrent requests
// share one new token request instead of each dropping the token that another just fetched.
import { describe, expect, it } from 'vitest';
import { AtlasClient } from '../../actions/providers/atlas/client.ts';
import { FrozenClock, orgId, serviceAccount, startStandIn } from './helpers.ts';

describe('service account concurrency', () => {
  it('shares one new token after a 401', async () => {
    const clientClock = new FrozenClock();
    const serverClock = new FrozenClock();
    const standIn = await startStandIn(serverClock);
    const client = new AtlasClient({
      baseUrl: standIn.url,
      now: clientClock.now,
      credentials: { type: 'serviceAccount', ...serviceAccount },
    });
    await client.request({ operation: 'listProjects', method: 'GET', path: '/groups' });
    // The server's clock passes the token lifetime, the client's does not, so every request of
    // the batch is sent with a token that the server rejects.
    serverClock.milliseconds += 2 * 3600_000;

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        client.request({
          operation: 'createProject',
          method: 'POST',
          path: '/groups',
          body: { name: `project-${index}`, orgId },
        }),
      ),
    );

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(standIn.state.projects).toHaveLength(10);
    expect(standIn.tokenRequests()).toBe(2);
    const rejected = standIn.requests.filter((exchange) => exchange.status === 401);
    expect(rejected).toHaveLength(10);
    expect(rejected.every((exchange) => exchange.authFailure === 'INVALID_TOKEN')).toBe(true);
  });
});
