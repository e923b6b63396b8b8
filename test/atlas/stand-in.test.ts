import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';
import { checkExchanges, specAvailable } from './spec-check.ts';

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
