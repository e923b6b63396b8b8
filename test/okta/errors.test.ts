// How Okta failures reach the engine: as classified ProviderErrors with the vendor's code, the
// action, the resource and, for throttling, the delay. The SDK never retries them itself.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import { OktaApiError } from '@okta/okta-sdk-nodejs';
import { createOktaClient } from '../../actions/providers/okta/client.ts';
import { toProviderError } from '../../actions/providers/okta/errors.ts';
import { createOktaProvider } from '../../actions/providers/okta/index.ts';
import { startServer } from '../helpers/servers.ts';
import { recordedContext, sectionFor, setUp, startStandIn, withSpec } from './helpers.ts';

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ProviderError);
  return caught as ProviderError;
}

describe('okta rate limits', () => {
  it('turns 429 into THROTTLED with the reset', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    standIn.faults.throttle({ resetInSeconds: 7 });

    const error = await failure(setup.appHandler.observe(context, setup.app));

    expect(error.code).toBe('THROTTLED');
    expect(error.retryable).toBe(true);
    expect(error.vendorCode).toBe('E0000047');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toBe(
      'Okta\'s rate limit was reached while trying to observe app "Hello World (SPA)" (okta.apps.spa) (E0000047 API call exceeded rate limit due to too many requests.). The limit resets in 7 s.',
    );
    // The SDK's own executor would have slept and retried; this one leaves that to the engine.
    expect(standIn.requests).toHaveLength(1);
  });

  it('waits for the end of the window', async () => {
    const standIn = await startStandIn({ rateLimit: { limit: 1, windowSeconds: 60 } });
    const setup = setUp(standIn);
    const { context } = recordedContext();

    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();
    const error = await failure(setup.appHandler.observe(context, setup.app));

    // The clock is frozen at 12:00:00, the start of a 60-second window.
    expect(error.code).toBe('THROTTLED');
    expect(error.retryAfterMs).toBe(60_000);
    expect(standIn.requests.map((request) => request.status)).toEqual([200, 429]);
  });
});

describe('okta validation errors', () => {
  it('reports E0000001 with its causes, once', async () => {
    const standIn = await startStandIn();
    const setup = setUp(
      standIn,
      sectionFor(standIn.url, { grantTypes: ['authorization_code', 'refresh_token'] }),
    );
    const { context } = recordedContext();
    // A leeway the schema would reject, sent straight to the handler so Okta's own validation responds.
    const tooLong = withSpec(setup.app, { refreshToken: { rotationType: 'ROTATE', leeway: 99 } });

    const error = await failure(setup.appHandler.create(context, tooLong));

    expect(error.code).toBe('INVALID');
    expect(error.retryable).toBe(false);
    expect(error.vendorCode).toBe('E0000001');
    expect(error.message).toBe(
      'Okta failed to create app "Hello World (SPA)" (okta.apps.spa): E0000001 Api validation failed: leeway. Causes: leeway: Must be an integer from 0 to 60 seconds. Fix the value in the okta section of the config and run again.',
    );
    const posts = standIn.requests.filter(
      (request) => request.method === 'POST' && request.path === '/api/v1/apps',
    );
    expect(posts).toHaveLength(1);
    expect(standIn.apps()).toEqual([]);
  });

  it('reports a duplicate trusted origin', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    await setup.originHandler.create(recordedContext('prod').context, setup.trustedOrigin);

    const error = await failure(setup.originHandler.create(context, setup.trustedOrigin));

    expect(error.code).toBe('INVALID');
    expect(error.message).toContain('origin: A trusted origin with this origin already exists.');
  });
});

describe('okta unavailable', () => {
  it('turns 5xx into UNAVAILABLE', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    standIn.faults.fail({ status: 503 });

    const error = await failure(setup.appHandler.observe(context, setup.app));

    expect(error.code).toBe('UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.vendorCode).toBe('E0000009');
  });

  it('turns a refused connection into UNAVAILABLE', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    await standIn.close();

    const error = await failure(setup.appHandler.observe(context, setup.app));

    expect(error.code).toBe('UNAVAILABLE');
    expect(error.vendorCode).toBe('ECONNREFUSED');
    expect(error.message).toContain('Okta could not be reached while trying to observe app');
  });

  it('turns a silent server into TIMEOUT', async () => {
    // Accepts requests and never responds.
    const silent = await startServer(createServer(() => undefined));
    const provider = createOktaProvider({
      orgUrl: silent.url,
      token: '00silentSilentSilent',
      requestTimeoutMs: 50,
    });
    const [app] = provider.resources(provider.schema.parse(sectionFor(silent.url)));
    const { context } = recordedContext();

    const error = await failure(provider.handlers['okta:App']!.observe(context, app!));

    expect(error.code).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
  });
});

describe('okta not found', () => {
  it('treats a vanished trusted origin as deleted', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();
    const created = await setup.originHandler.create(context, setup.trustedOrigin);
    await setup.originHandler.delete(context, created);

    await setup.originHandler.delete(context, created);

    expect(lines).toContain(`info okta: trusted origin ${created.id} is already deleted`);
  });
});

describe('okta abort', () => {
  it('sends nothing once aborted', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const controller = new AbortController();
    controller.abort(new Error('the run was cancelled'));
    const { context } = recordedContext();

    const error = await setup.appHandler
      .observe({ ...context, signal: controller.signal }, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as Error).message).toBe('the run was cancelled');
    expect(standIn.requests).toEqual([]);
  });
});

describe('okta error codes', () => {
  // Unit cases on the SDK's own error class, for codes the stand-in flows do not reach.
  const client = createOktaClient({ orgUrl: 'https://dev-1.okta.com', token: '00exampleExample' });
  const cases: Array<[number, string, string]> = [
    [403, 'E0000056', 'CONFLICT'],
    [404, 'E0000007', 'NOT_FOUND'],
    [403, 'E0000006', 'FORBIDDEN'],
    [400, 'E0000003', 'INVALID'],
    [502, 'E0000009', 'UNAVAILABLE'],
    [504, '', 'TIMEOUT'],
  ];
  for (const [status, errorCode, code] of cases) {
    it(`maps ${status} ${errorCode || 'without code'} to ${code}`, () => {
      const sdkError = new OktaApiError(
        'https://dev-1.okta.com/api/v1/apps/0oa1',
        status,
        errorCode ? { errorCode, errorSummary: 'summary' } : {},
        new Headers(),
      );

      const error = toProviderError(sdkError, client, 'delete app 0oa1', () => new Date(0));

      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe(code);
    });
  }
});
