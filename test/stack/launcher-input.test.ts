// What `npm start` reads before it starts anything: its options, the local overlay and the few
// values of the environment file. Bad input stops it with the option or file:line and the fix.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLauncherSettings } from '../stand-ins/local-stack/config.ts';
import { loadOverlay, OverlayError } from '../stand-ins/local-stack/overlay.ts';
import { parseStartOptions, StartUsageError } from '../stand-ins/local-stack/options.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'launcher-input-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('parseStartOptions', () => {
  it('reads every option', () => {
    expect(parseStartOptions(['--fresh', '--smoke', '--port', '0'])).toEqual({
      fresh: true,
      smoke: true,
      port: 0,
      help: false,
    });
    expect(parseStartOptions([])).toEqual({
      fresh: false,
      smoke: false,
      port: undefined,
      help: false,
    });
  });

  it('rejects a bad port', () => {
    for (const value of ['-1', '65536', '80a', '']) {
      expect(() => parseStartOptions(['--port', value]), value).toThrow(StartUsageError);
    }
    expect(() => parseStartOptions(['--port', '70000'])).toThrow(
      '--port must be a whole number from 0 to 65535 (got "70000")',
    );
  });

  it('rejects an unknown option', () => {
    expect(() => parseStartOptions(['--frsh'])).toThrow(/--frsh.*npm start -- --help/);
  });
});

describe('loadOverlay', () => {
  it('reads the shipped overlay', async () => {
    const overlay = await loadOverlay(join(root, 'config/local/overlay.yaml'), root);

    expect(overlay.environment).toBe('dev');
    expect(overlay.stateFolder).toBe('.local/stack');
    expect(overlay.functionUrl).toEqual({ key: 'api', port: 8000 });
    expect(overlay.testUser.login).toBe('ada@example.com');
  });

  it('names an unknown key with its line', async () => {
    const path = join(folder, 'unknown-key.yaml');
    const shipped = await readFile(join(root, 'config/local/overlay.yaml'), 'utf8');
    await writeFile(path, `${shipped}extra: 1\n`);

    const error = await loadOverlay(path, folder).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OverlayError);
    expect((error as OverlayError).code).toBe('ERR_LOCAL_OVERLAY');
    expect((error as Error).message).toMatch(/unknown-key\.yaml:\d+:1 extra: Unrecognized key/);
  });

  it('names a bad value with its line', async () => {
    const path = join(folder, 'bad-port.yaml');
    await writeFile(
      path,
      [
        'environment: dev',
        'stateFolder: .local/stack',
        'functionUrl:',
        '  key: api',
        '  port: 80000',
        'credentials: {}',
        'testUser: { login: a, password: b, name: c }',
        '',
      ].join('\n'),
    );

    const message = await loadOverlay(path, folder).catch((caught: Error) => caught.message);

    expect(message).toContain('bad-port.yaml:5:9 functionUrl.port:');
    expect(message).toContain('bad-port.yaml:6:14 credentials.AWS_ACCESS_KEY_ID: missing; add it');
  });

  it('reports invalid YAML', async () => {
    const path = join(folder, 'broken.yaml');
    await writeFile(path, 'environment: [dev\n');

    await expect(loadOverlay(path, folder)).rejects.toThrow(/^broken\.yaml:\d+:\d+: invalid YAML/);
  });

  it('reports a missing file', async () => {
    await expect(loadOverlay(join(folder, 'absent.yaml'), folder)).rejects.toThrow(
      /cannot read the local overlay absent\.yaml.*Restore it from git/,
    );
  });
});

describe('readLauncherSettings', () => {
  it('resolves the seed function', async () => {
    const settings = await readLauncherSettings(join(root, 'config'), 'dev', 'api');

    expect(settings).toEqual({
      accountId: '123456789012',
      region: 'us-east-1',
      authorizationServerId: 'default',
      functionName: 'example-backend-dev',
      qualifier: 'live',
    });
  });

  it('rejects an unknown function URL key', async () => {
    await expect(readLauncherSettings(join(root, 'config'), 'dev', 'web')).rejects.toThrow(
      /aws\.functionUrls\.web does not exist; set functionUrl\.key/,
    );
  });
});
