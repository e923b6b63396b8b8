// The app the provider registers in the Okta stand-in is the client the local OpenID Provider
// signs users in for: it accepts exactly the redirect URIs that Okta stores, byte for byte.
import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { diffSpec } from '../../actions/engine/compare.ts';
import { startOidcStandIn } from '../stand-ins/oidc/index.ts';
import type { OktaStandIn } from '../stand-ins/okta/index.ts';
import { recordedContext, setUp, startStandIn, withSpec } from './helpers.ts';

async function startSignIn(okta: OktaStandIn) {
  const oidc = await startOidcStandIn({
    users: [{ login: 'ada@example.com', password: 'correct horse battery staple' }],
    findClient: (clientId) => Promise.resolve(okta.findAppByClientId(clientId)),
  });
  onTestFinished(() => oidc.close());
  return oidc;
}

function authorizeUrl(issuer: string, clientId: string, redirectUri: string): string {
  const url = new URL(`${issuer}/v1/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 'state-1',
    code_challenge: createHash('sha256').update('verifier-'.padEnd(43, 'x')).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

describe('okta app sign-in', () => {
  it('accepts exactly the stored redirect URIs', async () => {
    const okta = await startStandIn();
    const setup = setUp(okta);
    const { context } = recordedContext();
    const created = await setup.appHandler.create(context, setup.app);
    const oidc = await startSignIn(okta);
    const clientId = String(created.outputs.clientId);
    const [local, deployed] = setup.app.spec.redirectUris as string[];

    const exact = await fetch(authorizeUrl(oidc.issuer, clientId, local ?? ''), {
      redirect: 'manual',
    });
    const trailingSlash = await fetch(authorizeUrl(oidc.issuer, clientId, `${local ?? ''}/`), {
      redirect: 'manual',
    });

    const second = await fetch(authorizeUrl(oidc.issuer, clientId, deployed ?? ''), {
      redirect: 'manual',
    });

    expect(exact.status).toBe(303);
    expect(second.status).toBe(303);
    expect(trailingSlash.status).toBe(400);

    const localOnly = withSpec(setup.app, { redirectUris: [local ?? ''] });
    await setup.appHandler.update(
      context,
      localOnly,
      created,
      diffSpec(localOnly.spec, created.spec, { fields: setup.appHandler.fields }),
    );
    const removed = await fetch(authorizeUrl(oidc.issuer, clientId, deployed ?? ''), {
      redirect: 'manual',
    });
    expect(removed.status).toBe(400);
  });
});
