import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtlasClient } from '../../actions/providers/atlas/index.ts';
import {
  FrozenClock,
  orgId,
  providerFor,
  serviceAccount,
  startStandIn,
  testContext,
} from './helpers.ts';
import { checkExchanges, skipSpecCheckHeader, specAvailable } from './spec-check.ts';

describe('atlas stand-in', () => {
  it('keeps state in a JSON file across restarts', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'atlas-state-'));
    const stateFile = join(folder, 'atlas.json');
    try {
      const clock = new FrozenClock();
      const first = await startStandIn(clock, { stateFile });
      const project = first.addProject({ name: 'kept', orgId, tags: [] });
      await first.close();

      const second = await startStandIn(clock, { stateFile });
      const found = await providerFor(second, clock).handlers['atlas:Project']!.observe(
        testContext(clock),
        {
          address: 'atlas.projects.kept',
          kind: 'atlas:Project',
          name: 'kept',
          spec: { orgId, name: 'kept' },
        },
      );

      expect(found?.id).toBe(project.id);
      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
        projects: [{ name: 'kept' }],
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reports missing attributes by name', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
    // These requests leave out required attributes on purpose, so the OpenAPI check skips them.
    const client = new AtlasClient({
      baseUrl: standIn.url,
      now: clock.now,
      credentials: { type: 'serviceAccount', ...serviceAccount },
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set(skipSpecCheckHeader, 'skip');
        return fetch(input, { ...init, headers });
      },
    });
    const user = {
      groupId: project.id,
      username: 'arn:aws:iam::123456789012:user/developer',
      awsIAMType: 'USER',
      databaseName: '$external',
      roles: [{ roleName: 'read', databaseName: 'admin' }],
    };
    const region = {
      providerName: 'TENANT',
      backingProviderName: 'AWS',
      regionName: 'US_EAST_1',
      electableSpecs: { instanceSize: 'M0' },
    };
    const cases = [
      { operation: 'createProject', path: '/groups', body: { orgId }, missing: 'name' },
      { operation: 'createProject', path: '/groups', body: { name: 'other' }, missing: 'orgId' },
      {
        operation: 'createDatabaseUser',
        path: `/groups/${project.id}/databaseUsers`,
        body: { ...user, databaseName: undefined },
        missing: 'databaseName',
      },
      {
        operation: 'createDatabaseUser',
        path: `/groups/${project.id}/databaseUsers`,
        body: { ...user, groupId: undefined },
        missing: 'groupId',
      },
      {
        operation: 'createCluster',
        path: `/groups/${project.id}/clusters`,
        body: { clusterType: 'REPLICASET', replicationSpecs: [{ regionConfigs: [region] }] },
        missing: 'name',
      },
      {
        operation: 'createCluster',
        path: `/groups/${project.id}/clusters`,
        body: {
          name: 'main',
          replicationSpecs: [{ regionConfigs: [{ ...region, regionName: undefined }] }],
        },
        missing: 'replicationSpecs[0].regionConfigs[0].regionName',
      },
      {
        operation: 'createFlexCluster',
        path: `/groups/${project.id}/flexClusters`,
        body: { name: 'flex' },
        missing: 'providerSettings',
      },
    ] as const;

    for (const { operation, path, body, missing } of cases) {
      await expect(client.request({ operation, method: 'POST', path, body })).rejects.toThrow(
        `400 MISSING_ATTRIBUTE: The required attribute ${missing} was not specified.`,
      );
      expect(standIn.requests.at(-1)?.responseBody).toEqual({
        detail: `The required attribute ${missing} was not specified.`,
        error: 400,
        errorCode: 'MISSING_ATTRIBUTE',
        parameters: [],
        reason: 'Bad Request',
      });
    }
    expect(standIn.writes().every((exchange) => exchange.status === 400)).toBe(true);
  });

  it.skipIf(!specAvailable)('spec check reports a body outside the schema', () => {
    const problems = checkExchanges([
      {
        method: 'GET',
        path: `/api/atlas/v2/groups/${orgId}`,
        query: {},
        operationId: 'getProject',
        write: false,
        requestHeaders: {},
        requestBody: null,
        status: 200,
        responseHeaders: { 'content-type': 'application/vnd.atlas.2023-01-01+json' },
        responseBody: { id: 'not-an-id', name: 'x', orgId, created: 'yesterday', clusterCount: 0 },
        dropped: false,
      },
    ]);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('getProject response');
    expect(problems[0]).toContain('/id');
  });
});
