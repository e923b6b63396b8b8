// Unit tests of the records that tie vendor resources to a preview: function names and tags in
// AWS, and the app profile list and trusted origin names in Okta.
import { describe, expect, it } from 'vitest';
import {
  isPreviewOf,
  previewFunctionName,
  previewNumberOf,
  previewNumberOfId,
  previewTags,
} from '../../actions/preview/names.ts';
import { appRequestBody, observedAppSpec } from '../../actions/providers/okta/app-body.ts';
import { parseMarkedName } from '../../actions/providers/okta/marker.ts';
import {
  parsePreviewOriginName,
  previewOriginName,
  previewRedirectsOf,
} from '../../actions/providers/okta/preview-records.ts';

const identity = {
  repository: { owner: 'octo-org', repo: 'example-backend' },
  number: 7,
  environment: 'dev',
};

describe('preview names', () => {
  it('builds and reads function names', () => {
    const name = previewFunctionName('example-backend-dev', 7);
    expect(name).toBe('example-backend-dev-pr-7');
    expect(previewNumberOf(name, 'example-backend-dev')).toBe(7);
  });

  it.each([
    ['example-backend-dev', 'the base function itself'],
    ['example-backend-dev-pr-', 'no number'],
    ['example-backend-dev-pr-07', 'a leading zero'],
    ['example-backend-dev-pr-7-old', 'text after the number'],
    ['other-dev-pr-7', 'another base function'],
  ])('ignores %s (%s)', (name) => {
    expect(previewNumberOf(name, 'example-backend-dev')).toBeUndefined();
  });

  it('rejects names over 64 characters', () => {
    expect(() => previewFunctionName('f'.repeat(60), 12345)).toThrow(/more than Lambda's 64/);
  });

  it('matches tags of one preview only', () => {
    const tags = previewTags(identity);
    expect(tags).toEqual({
      'gitops:preview': 'octo-org/example-backend#7',
      'gitops:environment': 'dev',
    });
    expect(isPreviewOf(tags, identity)).toBe(true);
    expect(isPreviewOf(tags, { ...identity, number: 8 })).toBe(false);
    expect(isPreviewOf(tags, { ...identity, environment: 'prod' })).toBe(false);
    expect(tags['gitops:managed-by']).toBeUndefined();
  });

  it('reads numbers of this repository only', () => {
    expect(previewNumberOfId('octo-org/example-backend#7', identity.repository)).toBe(7);
    expect(previewNumberOfId('Octo-Org/Example-Backend#7', identity.repository)).toBe(7);
    expect(previewNumberOfId('octo-org/other#7', identity.repository)).toBeUndefined();
    expect(previewNumberOfId('octo-org/example-backend#x', identity.repository)).toBeUndefined();
  });
});

describe('okta preview records', () => {
  const record = {
    preview: 'octo-org/example-backend#7',
    environment: 'dev',
    functionName: 'example-backend-dev-pr-7',
  };

  it('round-trips trusted origin names', () => {
    const name = previewOriginName(record);
    expect(name).toBe('example-backend-dev-pr-7 [gitops-preview:dev:octo-org/example-backend#7]');
    expect(parsePreviewOriginName(name)).toEqual(record);
  });

  it('keeps origins apart from environment markers', () => {
    // Prune lists origins by the environment marker, so a preview origin must never match it.
    expect(parseMarkedName(previewOriginName(record)).marker).toBeUndefined();
    expect(parsePreviewOriginName('example-backend-dev docs [gitops:dev:docs]')).toBeUndefined();
  });

  it('skips malformed profile entries', () => {
    const profile = {
      gitopsPreviews: [
        { ...record, redirectUri: 'https://a.example/docs/oauth2-redirect' },
        { ...record, redirectUri: 42 },
        'not an entry',
      ],
    };
    expect(previewRedirectsOf(profile)).toEqual([
      { ...record, redirectUri: 'https://a.example/docs/oauth2-redirect' },
    ]);
    expect(previewRedirectsOf({ gitopsPreviews: 'none' })).toEqual([]);
    expect(previewRedirectsOf(undefined)).toEqual([]);
  });

  it('hides preview URIs from the app spec', () => {
    const preview = 'https://p7.lambda-url.us-east-1.on.aws/docs/oauth2-redirect';
    const app = {
      label: 'Hello World (SPA)',
      status: 'ACTIVE',
      settings: {
        oauthClient: { redirect_uris: ['http://localhost:8000/docs/oauth2-redirect', preview] },
      },
      profile: { gitopsPreviews: [{ ...record, redirectUri: preview }] },
    };
    const spec = observedAppSpec(app, 'Password only', undefined);
    expect(spec.redirectUris).toEqual(['http://localhost:8000/docs/oauth2-redirect']);
  });

  it('keeps preview URIs on replace', () => {
    const preview = 'https://p7.lambda-url.us-east-1.on.aws/docs/oauth2-redirect';
    const stale = 'https://stale.example/docs/oauth2-redirect';
    const observed = {
      id: '0oa1',
      settings: { oauthClient: { redirect_uris: [stale, preview] } },
      profile: { gitopsPreviews: [{ ...record, redirectUri: preview }] },
    };
    const spec = {
      label: 'Hello World (SPA)',
      applicationType: 'browser',
      tokenEndpointAuthMethod: 'none',
      pkceRequired: true,
      grantTypes: ['authorization_code'],
      redirectUris: ['http://localhost:8000/docs/oauth2-redirect'],
      postLogoutRedirectUris: [],
      refreshToken: undefined,
      federationBroker: true,
      accessPolicy: 'Password only',
      status: 'ACTIVE' as const,
      authorizationServerId: 'default',
    };
    const marker = { managedBy: 'gitops' as const, environment: 'dev', address: 'okta.apps.spa' };
    const body = appRequestBody(spec, marker, observed) as {
      settings: { oauthClient: { redirect_uris: string[] } };
      profile: Record<string, unknown>;
    };
    // The undeclared URI that no preview recorded is drift and goes; the preview's stays last.
    expect(body.settings.oauthClient.redirect_uris).toEqual([
      'http://localhost:8000/docs/oauth2-redirect',
      preview,
    ]);
    expect(body.profile.gitopsPreviews).toEqual(observed.profile.gitopsPreviews);
  });
});
