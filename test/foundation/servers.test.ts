import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../helpers/servers.ts';

describe('listenOnLoopback', () => {
  it('listens on 127.0.0.1 with a picked port', async () => {
    const server = await listenOnLoopback(createServer((_request, response) => response.end('up')));
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(await (await fetch(server.url)).text()).toBe('up');
    await server.close();
  });

  it('refuses connections after close, even with a keep-alive client', async () => {
    const server = await listenOnLoopback(createServer((_request, response) => response.end('up')));
    await fetch(server.url, { headers: { connection: 'keep-alive' } });
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
