// The `okta:` section: what the schema accepts and rejects, the cross-field checks, and the
// resources it declares.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createOktaProvider, oktaSchema } from '../../actions/providers/okta/index.ts';
import { sectionFor } from './helpers.ts';

const orgUrl = 'https://dev-12345678.okta.com';
const provider = createOktaProvider({ orgUrl, token: '00exampleExampleExample' });

function devSection(): Record<string, unknown> {
  const config = parse(readFileSync(new URL('../../config/dev.yaml', import.meta.url), 'utf8')) as {
    okta: Record<string, unknown>;
  };
  return config.okta;
}

/** Returns the messages of every issue at `path`, joined. */
function issuesAt(section: unknown, path: string): string {
  const result = oktaSchema.safeParse(section);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? [])
    .filter((issue) => issue.path.join('.') === path)
    .map((issue) => issue.message)
    .join(' | ');
}

describe('oktaSchema', () => {
  it('accepts the dev config', () => {
    const result = oktaSchema.safeParse(devSection());
    expect(result.error).toBeUndefined();
    expect(result.data?.apps?.spa?.redirectUris).toEqual([
      'http://localhost:8000/docs/oauth2-redirect',
      '${aws.functionUrls.api.url}docs/oauth2-redirect',
    ]);
  });

  it('rejects an unknown key', () => {
    const section = sectionFor(orgUrl, { clientSecret: 'x' });
    const result = oktaSchema.safeParse(section);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(result.error?.issues[0]?.path).toEqual(['apps', 'spa']);
  });

  // Each case is a redirect URI Okta would accept or a browser would follow, but which does not
  // belong in a single-page app's config.
  const badRedirects: Array<[string, string, string]> = [
    ['plain http off loopback', 'http://example.com/cb', 'must use https'],
    ['a fragment', 'https://example.com/cb#done', 'must not contain a fragment'],
    ['a relative path', '/docs/oauth2-redirect', 'must be an absolute URL'],
    ['a space', 'https://example.com/my cb', 'must be an absolute URL without spaces'],
  ];
  for (const [name, uri, message] of badRedirects) {
    it(`rejects a redirect URI with ${name}`, () => {
      const section = sectionFor(orgUrl, { redirectUris: [uri] });
      expect(issuesAt(section, 'apps.spa.redirectUris.0')).toContain(message);
    });
  }

  it('accepts a reference in a redirect URI', () => {
    const section = sectionFor(orgUrl, {
      redirectUris: ['${aws.functionUrls.api.url}docs/oauth2-redirect'],
    });
    expect(oktaSchema.safeParse(section).success).toBe(true);
  });

  it('rejects a repeated redirect URI', () => {
    const section = sectionFor(orgUrl, {
      redirectUris: ['https://example.com/cb', 'https://example.com/cb'],
    });
    expect(issuesAt(section, 'apps.spa.redirectUris')).toContain('twice');
  });

  it('requires authorization_code', () => {
    const section = sectionFor(orgUrl, { grantTypes: ['refresh_token'] });
    expect(issuesAt(section, 'apps.spa.grantTypes')).toContain('must include authorization_code');
  });

  it('rejects a grant that needs a secret', () => {
    const section = sectionFor(orgUrl, {
      grantTypes: ['authorization_code', 'client_credentials'],
    });
    expect(issuesAt(section, 'apps.spa.grantTypes.1')).toContain('cannot keep a client secret');
  });

  it('bounds the refresh token leeway', () => {
    const section = sectionFor(orgUrl, {
      grantTypes: ['authorization_code', 'refresh_token'],
      refreshToken: { rotationType: 'ROTATE', leeway: 61 },
    });
    expect(issuesAt(section, 'apps.spa.refreshToken.leeway')).not.toBe('');
  });

  const badOrgUrls: Array<[string, string, string]> = [
    ['the admin console', 'https://dev-12345678-admin.okta.com', 'drop "-admin"'],
    ['a path', 'https://dev-12345678.okta.com/oauth2/default', 'without path'],
    ['plain http', 'http://dev-12345678.okta.com', 'must use https'],
  ];
  for (const [name, url, message] of badOrgUrls) {
    it(`rejects an org URL with ${name}`, () => {
      expect(issuesAt({ ...sectionFor(url) }, 'orgUrl')).toContain(message);
    });
  }

  it('rejects a trusted origin with a path', () => {
    const section = sectionFor(orgUrl, {}, { origin: 'https://example.com/docs' });
    expect(issuesAt(section, 'trustedOrigins.docs.origin')).toContain(
      'without path or trailing slash: https://example.com',
    );
  });

  it('rejects a marker in a trusted origin name', () => {
    const section = sectionFor(orgUrl, {}, { name: 'docs [gitops:dev:docs]' });
    expect(issuesAt(section, 'trustedOrigins.docs.name')).toContain('ownership marker');
  });

  it('rejects a malformed authorization server id', () => {
    const section = { ...sectionFor(orgUrl), authorizationServerId: 'custom' };
    expect(issuesAt(section, 'authorizationServerId')).toContain('must be "default"');
  });

  it('converts to JSON Schema', () => {
    const schema = z.toJSONSchema(oktaSchema, { io: 'input' }) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'apps',
      'authorizationServerId',
      'orgUrl',
      'trustedOrigins',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('okta check', () => {
  it('finds nothing wrong in the dev config', () => {
    expect(provider.check?.(oktaSchema.parse(devSection()))).toEqual([]);
  });

  it('flags a refresh token without its grant', () => {
    const section = oktaSchema.parse(
      sectionFor(orgUrl, { refreshToken: { rotationType: 'ROTATE', leeway: 30 } }),
    );
    expect(provider.check?.(section)).toEqual([
      {
        path: ['apps', 'spa', 'refreshToken'],
        rule: 'okta.refresh-token-needs-grant',
        message:
          'refreshToken is set but grantTypes lacks refresh_token; add refresh_token to grantTypes or remove refreshToken',
      },
    ]);
  });

  it('flags an org other than the credentials', () => {
    const section = oktaSchema.parse(sectionFor('https://prod-1.okta.com'));
    expect(provider.check?.(section).map((problem) => problem.rule)).toEqual([
      'okta.org-url-matches-credentials',
    ]);
  });

  it('accepts any org for a loopback stand-in', () => {
    const local = createOktaProvider({
      orgUrl: 'http://127.0.0.1:9000',
      token: '00exampleExample',
    });
    expect(local.check?.(oktaSchema.parse(devSection()))).toEqual([]);
  });

  it('flags two trusted origins with one origin', () => {
    const section = oktaSchema.parse({
      ...sectionFor(orgUrl),
      trustedOrigins: {
        docs: { name: 'docs', origin: 'https://example.com', scopes: ['CORS'] },
        again: { name: 'again', origin: 'https://example.com', scopes: ['REDIRECT'] },
      },
    });
    expect(provider.check?.(section)).toEqual([
      {
        path: ['trustedOrigins', 'again', 'origin'],
        rule: 'okta.trusted-origin-unique',
        message:
          'origin "https://example.com" is already used by trustedOrigins.docs; Okta keeps trusted origin origins unique',
      },
    ]);
  });
});

describe('okta resources', () => {
  it('declares the app and the trusted origin', () => {
    const resources = provider.resources(oktaSchema.parse(devSection()));

    expect(resources.map((resource) => [resource.address, resource.kind, resource.name])).toEqual([
      ['okta.apps.spa', 'okta:App', 'Hello World (SPA)'],
      ['okta.trustedOrigins.docs', 'okta:TrustedOrigin', 'example-backend-dev docs'],
    ]);
    expect(resources[0]?.spec).toEqual({
      label: 'Hello World (SPA)',
      applicationType: 'browser',
      tokenEndpointAuthMethod: 'none',
      pkceRequired: true,
      grantTypes: ['authorization_code'],
      redirectUris: [
        'http://localhost:8000/docs/oauth2-redirect',
        '${aws.functionUrls.api.url}docs/oauth2-redirect',
      ],
      postLogoutRedirectUris: [],
      federationBroker: true,
      accessPolicy: 'Password only',
      status: 'ACTIVE',
      authorizationServerId: 'default',
    });
    expect(resources[1]?.spec).toEqual({
      name: 'example-backend-dev docs',
      origin: '${aws.functionUrls.api.origin}',
      scopes: ['CORS'],
      status: 'ACTIVE',
    });
  });

  it('adds the default refresh token rotation', () => {
    const section = oktaSchema.parse(
      sectionFor(orgUrl, { grantTypes: ['authorization_code', 'refresh_token'] }),
    );
    const [app] = provider.resources(section);
    expect(app?.spec.refreshToken).toEqual({ rotationType: 'ROTATE', leeway: 30 });
  });
});
