// One log group per provider on the runner: `withProviderGroups` gathers each provider's lines
// while the run is in flight and writes them as groups when it settles.
import { describe, expect, it } from 'vitest';
import { withProviderGroups } from '../../actions/github/groups.ts';
import type { Logger } from '../../actions/engine/provider.ts';
import { captureStdout } from './helpers.ts';

describe('withProviderGroups', () => {
  it('groups lines per provider', async () => {
    const stdout = captureStdout();
    await withProviderGroups(['aws', 'okta'], (log) => {
      log.info('okta.apps.spa: create');
      log.info('aws.roles.lambda: update');
      log.info('Planning 2 resources');
      log.warning('aws.functions.api: runtime nodejs20.x is deprecated');
      return Promise.resolve();
    });
    expect(stdout.lines()).toEqual([
      'Planning 2 resources',
      '::group::aws',
      'aws.roles.lambda: update',
      '::warning::aws.functions.api: runtime nodejs20.x is deprecated',
      '::endgroup::',
      '::group::okta',
      'okta.apps.spa: create',
      '::endgroup::',
    ]);
  });

  it('writes lines of unknown providers at once', async () => {
    const stdout = captureStdout();
    await withProviderGroups(['aws'], (log) => {
      log.info('atlas.projects.main: create');
      return Promise.resolve();
    });
    expect(stdout.lines()).toEqual(['atlas.projects.main: create']);
  });

  it('groups debug lines as commands', async () => {
    const stdout = captureStdout();
    await withProviderGroups(['aws'], (log) => {
      log.debug('aws.roles.lambda: GetRole 200');
      return Promise.resolve();
    });
    expect(stdout.lines()).toEqual([
      '::group::aws',
      '::debug::aws.roles.lambda: GetRole 200',
      '::endgroup::',
    ]);
  });

  it('flushes the groups when body throws', async () => {
    const stdout = captureStdout();
    const run = withProviderGroups(['aws'], (log) => {
      log.info('aws.roles.lambda: update');
      return Promise.reject(new Error('UpdateRole failed'));
    });
    await expect(run).rejects.toThrow('UpdateRole failed');
    expect(stdout.lines()).toEqual(['::group::aws', 'aws.roles.lambda: update', '::endgroup::']);
  });

  it('writes lines logged after body settles', async () => {
    const stdout = captureStdout();
    let lateLog: Logger | undefined;
    await withProviderGroups(['aws', 'okta'], (log) => {
      // Work that outlives `body`, such as a retry of a concurrent call that was not awaited.
      lateLog = log;
      log.info('aws.roles.lambda: update');
      return Promise.resolve();
    });
    lateLog!.info('aws.functions.api: retry 2 of 3 after 100 ms');
    lateLog!.warning('okta.apps.spa: slow response');
    expect(stdout.lines()).toEqual([
      '::group::aws',
      'aws.roles.lambda: update',
      '::endgroup::',
      'aws.functions.api: retry 2 of 3 after 100 ms',
      '::warning::okta.apps.spa: slow response',
    ]);
  });

  it('writes late lines after a failed body', async () => {
    const stdout = captureStdout();
    let lateLog: Logger | undefined;
    const run = withProviderGroups(['aws'], (log) => {
      lateLog = log;
      return Promise.reject(new Error('observe failed'));
    });
    await expect(run).rejects.toThrow('observe failed');
    lateLog!.info('aws.roles.lambda: GetRole returned after the failure');
    expect(stdout.lines()).toEqual(['aws.roles.lambda: GetRole returned after the failure']);
  });
});
