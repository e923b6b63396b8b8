// The apply action's run() end to end. The deploy role, assumed through OIDC, applies the seed
// config to the stand-ins, and a second run finds no changes left.
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../actions/apply/run.ts';
import { captureStdout } from '../github/helpers.ts';
import { deployPolicy, readOutput, removeRunnerFiles, startWorld, stubRunner } from './world.ts';
import type { World } from './world.ts';

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

describe('apply action', () => {
  it('applies and then converges', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();
    const writesBefore = world.writes();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'has_changes')).toBe('true');
    expect(world.writes().aws).toBeGreaterThan(writesBefore.aws);
    expect(world.writes().atlas).toBeGreaterThan(0);
    expect(world.writes().okta).toBeGreaterThan(0);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Apply for `dev`');
    // Apply's progress lines are logged, inside their provider's group.
    const lines = stdout.lines();
    const created = lines.indexOf('aws.roles.lambda: created IAM role example-backend-dev');
    expect(created).toBeGreaterThan(-1);
    const groups = lines.slice(0, created).filter((line) => line.startsWith('::group::'));
    expect(groups.at(-1)).toBe('::group::aws');
    // With target local, the stand-in's https function URL is not on this machine: no request.
    const functionUrl = await readOutput(world, 'function_url');
    expect(functionUrl).toMatch(/^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/$/);
    expect(lines).toContain(
      `Smoke test of ${functionUrl} skipped: target is local and ${functionUrl} is not on this machine`,
    );
    expect(await readOutput(world, 'rolled_back')).toBe('false');

    await stubRunner(world, { GITHUB_TOKEN: '' });
    const writesAfter = world.writes();
    await run();

    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'has_changes')).toBe('false');
    expect(await readOutput(world, 'summary')).toBe('no changes');
    expect(world.writes()).toEqual(writesAfter);
  });

  it('fails the step when an action fails', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    world.okta.faults.fail({
      times: 1,
      status: 403,
      match: { method: 'POST', path: '/api/v1/apps' },
    });
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    expect(stdout.lines().at(-1)).toMatch(/^::error::Apply of dev did not finish;/);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Apply for `dev`');
  });
});
