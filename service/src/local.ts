import { createServer } from 'node:http';
import { createApp } from './app.ts';

/** Serves the app on http://localhost:PORT (default 8000) until SIGINT or SIGTERM. */
export async function serveLocally(
  port = Number(process.env.PORT ?? 8000),
): Promise<() => Promise<void>> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be an integer from 0 to 65535 (got "${process.env.PORT}")`);
  }
  const server = createServer(createApp({ version: 'local' }).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  console.log(
    `service listening on http://localhost:${port} (health: http://localhost:${port}/health)`,
  );
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stop = await serveLocally();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(0)));
  }
}
