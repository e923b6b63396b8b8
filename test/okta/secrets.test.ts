// The API token and the service app's private key never reach a log line, an error message, an
// error's cause chain, or the stand-in's request log.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import { defaultScopes } from '../../actions/providers/okta/index.ts';
import { recordedContext, serviceKey, setUp, startStandIn } from './helpers.ts';

/** Everything an error exposes: message, fields and the whole cause chain. */
function exposed(error: unknown): string {
  return inspect(error, { depth: Infinity, showHidden: true });
}

/** Runs `work` and returns what it threw, or undefined. */
async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('okta secrets', () => {
  it('keeps the API token out of logs and errors', async () => {
    const token = '00SecretTokenThatMustNeverBeShown42';
    const standIn = await startStandIn({ apiToken: token });
    const setup = setUp(standIn, undefined, { token });
    const wrong = setUp(standIn, undefined, { token: `${token}x` });
    const { context, lines } = recordedContext();

    const errors: unknown[] = [];
    await setup.appHandler.create(context, setup.app);
    errors.push(await caught(() => wrong.appHandler.observe(context, wrong.app)));
    standIn.faults.throttle();
    errors.push(await caught(() => setup.appHandler.observe(context, setup.app)));
    standIn.faults.fail();
    errors.push(await caught(() => setup.originHandler.create(context, setup.trustedOrigin)));
    await standIn.close();
    errors.push(await caught(() => setup.appHandler.observe(context, setup.app)));

    expect(errors.every((error) => error instanceof ProviderError)).toBe(true);
    for (const text of [...lines, ...errors.map(exposed), JSON.stringify(standIn.requests)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice(2, 20));
    }
  });

  it('keeps the private key out of logs and errors', async () => {
    const registered = serviceKey('main');
    const other = serviceKey('other');
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [registered.publicJwk],
      scopes: [...defaultScopes],
    });
    const { context, lines } = recordedContext();
    const good = setUp(standIn, undefined, { clientId, privateKey: registered.privatePem });
    const refused = setUp(standIn, undefined, { clientId, privateKey: other.privatePem });
    // A PEM frame around bytes that are no key: the SDK fails while reading it.
    const garbled =
      '-----BEGIN PRIVATE KEY-----\nTm90QUtleUJ1dEFTZWNyZXRUaGF0TXVzdE5ldmVyQmVTaG93bg==\n-----END PRIVATE KEY-----\n';
    const broken = setUp(standIn, undefined, { clientId, privateKey: garbled });

    await good.appHandler.create(context, good.app);
    const errors = [
      await caught(() => refused.appHandler.observe(context, refused.app)),
      await caught(() => broken.appHandler.observe(context, broken.app)),
    ];

    expect((errors[0] as ProviderError).code).toBe('UNAUTHORIZED');
    expect((errors[1] as ProviderError).code).toBe('INVALID');
    const keyLines = [registered.privatePem, other.privatePem, garbled].flatMap((pem) =>
      pem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')),
    );
    for (const text of [...lines, ...errors.map(exposed), JSON.stringify(standIn.requests)]) {
      for (const line of keyLines) {
        expect(text).not.toContain(line);
      }
    }
  });

  it('keeps the token out of option errors', () => {
    const token = 'has spaces SecretPartThatMustNotShow';
    let error: unknown;
    try {
      setUp({ url: 'https://dev-1.okta.com', apiToken: token } as never);
    } catch (thrown) {
      error = thrown;
    }
    expect((error as ProviderError).code).toBe('INVALID');
    expect(exposed(error)).not.toContain('SecretPartThatMustNotShow');
  });
});
