// Serves the service on http://localhost:8000 (or PORT) for local use, with the same app and
// settings as on Lambda. `npm run dev` starts it next to local stand-ins for Okta and MongoDB.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Environment } from './config.ts';
import { loadConfig } from './config.ts';
import type { Logger } from './log.ts';
import { createJsonLogger } from './log.ts';
import { createService } from './service.ts';

export interface LocalOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Defaults to PORT from `env`, else 8000. */
  port?: number;
  /** Settings, as environment variables. Defaults to `process.env`. */
  env?: Environment;
  logger?: Logger;
  /** Reported by /health and the OpenAPI document. */
  version?: string;
}

/** A running local server. Calling it stops the server, like `close()`. */
export interface LocalService {
  (): Promise<void>;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the service on 127.0.0.1 and resolves once it listens. Throws `ConfigError` for invalid
 * settings, before anything listens.
 */
export async function serveLocally(options: LocalOptions = {}): Promise<LocalService> {
  const env = options.env ?? process.env;
  const port = options.port ?? readPort(env.PORT);
  const config = loadConfig(env);
  const logger = options.logger ?? createJsonLogger({ level: config.logLevel });
  const service = createService(config, { version: options.version ?? 'local', logger });

  const server = createServer(service.app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  void service.prime(5_000);

  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://localhost:${actualPort}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => service.close());
    return closing;
  };
  logger.info('service listening', { url, health: `${url}/health`, docs: `${url}/docs` });
  return Object.assign(close, { url, port: actualPort, close });
}

function readPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') {
    return 8000;
  }
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535 (got "${value}")`);
  }
  return port;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stop = await serveLocally();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().then(() => process.exit(0)));
  }
}
