// Starts the real service (createService: app, database handle, token verifier) over HTTP on
// 127.0.0.1, with its log lines captured and the clock and request ids frozen.
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Environment, ServiceConfig } from '../../../service/src/config.ts';
import { loadConfig } from '../../../service/src/config.ts';
import type { Logger } from '../../../service/src/log.ts';
import { createJsonLogger } from '../../../service/src/log.ts';
import type { Service } from '../../../service/src/service.ts';
import { createService } from '../../../service/src/service.ts';
import { onTestFinished } from 'vitest';
import { listenOnLoopback, startServer } from '../../helpers/servers.ts';
import type { TestIdentityProvider } from './identity-provider.ts';
import { testAudience } from './identity-provider.ts';

export interface TestService {
  url: string;
  service: Service;
  config: ServiceConfig;
  /** Log records written so far, parsed. */
  logs: Record<string, unknown>[];
  /** Log lines written so far, as written. */
  logLines: string[];
  close(): Promise<void>;
}

export interface TestServiceOptions {
  idp: TestIdentityProvider;
  mongoUri: string;
  env?: Environment;
  now?: () => Date;
  version?: string;
}

export const testVersion = '1.2.3-test';

/** The service with its log captured, not yet serving HTTP. */
export interface ServiceUnderTest {
  service: Service;
  config: ServiceConfig;
  /** Log records written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Log lines written so far, as written. */
  logLines: string[];
  logger: Logger;
}

/** Builds the service; it closes with the test that built it. */
export function createTestService(options: TestServiceOptions): ServiceUnderTest {
  const env: Environment = {
    OKTA_ISSUER: options.idp.issuer,
    OKTA_AUDIENCE: testAudience,
    MONGODB_URI: options.mongoUri,
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
    MONGODB_CONNECT_TIMEOUT_MS: '300',
    MONGODB_RECONNECT_DELAY_MS: '0',
    HEALTH_PING_TIMEOUT_MS: '500',
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const config = loadConfig(env);
  const logLines: string[] = [];
  const logger = createJsonLogger({
    level: config.logLevel,
    write: (line) => logLines.push(line),
    now: () => new Date('2026-01-15T10:00:00Z'),
  });
  let requestCount = 0;
  const service = createService(config, {
    version: options.version ?? testVersion,
    logger,
    now: options.now,
    newRequestId: () => `req-${++requestCount}`,
  });
  try {
    onTestFinished(() => service.close());
  } catch {
    // Built from a hook: the caller closes it.
  }
  return {
    service,
    config,
    logLines,
    logger,
    get logs() {
      return logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** Starts the service on 127.0.0.1; it stops with the test that started it. */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const built = createTestService(options);
  const server = await startServer(createServer(built.service.app.callback()));
  return {
    url: server.url,
    service: built.service,
    config: built.config,
    logLines: built.logLines,
    get logs() {
      return built.logs;
    },
    async close() {
      await server.close();
      await built.service.close();
    },
  };
}

/**
 * Returns a mongodb:// URI on a loopback port that nothing listens on: a port the system just
 * handed out and that was closed again.
 */
export async function closedPortUri(): Promise<string> {
  const probe = await listenOnLoopback(createTcpServer());
  await probe.close();
  return `mongodb://127.0.0.1:${probe.port}/?directConnection=true`;
}
