import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../service/src/app.ts';
import { startServer } from '../helpers/servers.ts';

describe('GET /health', () => {
  it('reports status and version over real HTTP', async () => {
    const server = await startServer(createServer(createApp({ version: '1.2.3' }).callback()));
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: '1.2.3' });
  });
});
