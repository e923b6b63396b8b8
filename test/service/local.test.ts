import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../service/src/log.ts';
import { serveLocally } from '../../service/src/local.ts';
import { startIdentityProvider } from './helpers/identity-provider.ts';
import { closedPortUri } from './helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');

describe('serveLocally', () => {
  it('serves on the requested port', async () => {
    const idp = await startIdentityProvider({ now });
    const local = await serveLocally({
      port: 0,
      env: {
        OKTA_ISSUER: idp.issuer,
        MONGODB_URI: await closedPortUri(),
        HEALTH_PING_TIMEOUT_MS: '100',
      },
      logger: silentLogger,
      version: 'local-test',
    });
    onTestFinished(() => local.close());

    const response = await fetch(`http://127.0.0.1:${local.port}/health`);

    expect(local.url).toBe(`http://localhost:${local.port}`);
    expect(await response.json()).toMatchObject({ version: 'local-test' });
  });

  it('stops when called', async () => {
    const idp = await startIdentityProvider({ now });
    const local = await serveLocally({
      port: 0,
      env: { OKTA_ISSUER: idp.issuer, MONGODB_URI: await closedPortUri() },
      logger: silentLogger,
    });

    await local();

    await expect(fetch(`http://127.0.0.1:${local.port}/health`)).rejects.toThrow();
  });

  it('rejects invalid settings before listening', async () => {
    await expect(serveLocally({ port: 0, env: {}, logger: silentLogger })).rejects.toThrow(
      /OKTA_ISSUER: missing/,
    );
  });

  it('rejects an invalid PORT', async () => {
    await expect(serveLocally({ env: { PORT: '80a' }, logger: silentLogger })).rejects.toThrow(
      'PORT must be an integer from 0 to 65535 (got "80a")',
    );
  });
});
