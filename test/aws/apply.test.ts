import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  applySection,
  artifactRoot,
  devSection,
  observeSection,
  startTestStandIn,
  testContext,
  testProvider,
} from './helpers.ts';

describe('aws provider apply', () => {
  it('converges the dev section then shows no drift', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock);
    const { root } = artifactRoot();
    const provider = testProvider(standIn, { artifactRoot: root });
    const context = testContext(clock);

    const outputs = await applySection(provider, devSection(), context);
    standIn.requests.clear();
    const report = await observeSection(provider, devSection(), context, outputs);

    expect(report).toEqual({
      'aws.roles.lambda': [],
      'aws.functions.api': [],
      'aws.functionUrls.api': [],
      'aws.budgets.monthly': [],
    });
    expect(standIn.requests.writes()).toEqual([]);
    provider.destroy();
  });
});
