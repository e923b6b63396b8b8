// ATLAS_POLL_INTERVAL_MS: createProviders passes it to the Atlas provider, which then waits that
// long between cluster reads, and rejects anything but a positive integer before any request.
import { describe, expect, it } from 'vitest';
import type { DesiredResource, Provider } from '../../actions/engine/provider.ts';
import { StackError, createProviders, disposeProviders } from '../../actions/stack.ts';
import { FrozenClock, orgId, serviceAccount, startStandIn, testContext } from '../atlas/helpers.ts';

const otherEndpoints = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  OKTA_ORG_URL: 'http://127.0.0.1:3',
  OKTA_API_TOKEN: 'okta-token-value',
};

function environment(atlasUrl: string, extra: Record<string, string> = {}) {
  return {
    ...otherEndpoints,
    ATLAS_BASE_URL: atlasUrl,
    MONGODB_ATLAS_CLIENT_ID: serviceAccount.clientId,
    MONGODB_ATLAS_CLIENT_SECRET: serviceAccount.clientSecret,
    ...extra,
  };
}

function providersFor(env: Record<string, string>): Provider[] {
  return createProviders({
    env,
    target: 'local',
    purpose: 'reconcile',
    raw: { aws: { region: 'us-east-1' }, atlas: { orgId: '000000000000000000000000' } },
  });
}

function m0(projectId: string): DesiredResource {
  return {
    address: 'atlas.clusters.main',
    kind: 'atlas:Cluster',
    name: 'main',
    spec: {
      projectId,
      name: 'main',
      providerName: 'TENANT',
      backingProviderName: 'AWS',
      regionName: 'US_EAST_1',
      instanceSizeName: 'M0',
    },
  };
}

/** Creates a cluster that stays CREATING for 1 s and returns the waits between reads. */
async function pollWaits(extra: Record<string, string>): Promise<number[]> {
  const clock = new FrozenClock();
  const standIn = await startStandIn(clock, { clusterCreateMs: 1_000 });
  const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
  const providers = providersFor(environment(standIn.url, extra));
  try {
    const atlas = providers.find((provider) => provider.name === 'atlas')!;
    await atlas.handlers['atlas:Cluster']!.create(testContext(clock), m0(project.id));
  } finally {
    disposeProviders(providers);
  }
  return clock.sleeps;
}

function stackError(env: Record<string, string>): StackError {
  try {
    disposeProviders(providersFor(env));
  } catch (error) {
    expect(error).toBeInstanceOf(StackError);
    return error as StackError;
  }
  throw new Error('createProviders accepted the environment');
}

describe('ATLAS_POLL_INTERVAL_MS', () => {
  it('sets the cluster poll interval', async () => {
    const waits = await pollWaits({ ATLAS_POLL_INTERVAL_MS: '250' });

    expect(waits).toEqual([250, 250, 250, 250]);
  });

  it('defaults to 15 s when unset', async () => {
    const waits = await pollWaits({});

    expect(waits).toEqual([15_000]);
  });

  it('treats an empty value as unset', async () => {
    const waits = await pollWaits({ ATLAS_POLL_INTERVAL_MS: ' ' });

    expect(waits).toEqual([15_000]);
  });

  it.each(['0', '-5', '1.5', '1e3', 'fast', '99999999999999999999'])('rejects %j', (value) => {
    const error = stackError(environment('http://127.0.0.1:2', { ATLAS_POLL_INTERVAL_MS: value }));

    expect(error.code).toBe('ERR_STACK');
    expect(error.message).toContain('ATLAS_POLL_INTERVAL_MS must be a positive integer');
    expect(error.message).toContain(`(got "${value}")`);
  });
});
