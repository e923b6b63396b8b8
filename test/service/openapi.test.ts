import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../service/src/openapi.ts';
import { startIdentityProvider } from './helpers/identity-provider.ts';
import { closedPortUri, startTestService } from './helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');

interface Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: {
      okta: { flows: { authorizationCode: { authorizationUrl: string; tokenUrl: string } } };
    };
  };
}

describe('GET /openapi.json', () => {
  it('describes every route', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Document;

    expect(document.openapi).toBe('3.1.1');
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([
      'DELETE /messages/{id}',
      'GET /health',
      'GET /messages',
      'GET /messages/{id}',
      'GET /openapi.json',
      'GET /problems/{code}',
      'PATCH /messages/{id}',
      'POST /messages',
    ]);
  });

  it('takes the endpoints from metadata', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Document;

    expect(document.components.securitySchemes.okta.flows.authorizationCode).toEqual({
      authorizationUrl: `${idp.issuer}/v1/authorize`,
      tokenUrl: `${idp.issuer}/v1/token`,
      scopes: { email: 'email', openid: 'openid', profile: 'profile' },
    });
  });

  it('falls back to Okta paths', async () => {
    const idp = await startIdentityProvider({ now });
    // An issuer on a port that nothing listens on: the metadata request fails.
    const deadIssuer = `http://127.0.0.1:${new URL(await closedPortUri()).port}/oauth2/default`;
    const service = await startTestService({
      idp,
      mongoUri: await closedPortUri(),
      now,
      env: { OKTA_ISSUER: deadIssuer, OKTA_HTTP_TIMEOUT_MS: '200' },
    });

    const response = await fetch(`${service.url}/openapi.json`);

    expect(response.status).toBe(200);
    const document = (await response.json()) as Document;
    expect(document.components.securitySchemes.okta.flows.authorizationCode.authorizationUrl).toBe(
      `${deadIssuer}/v1/authorize`,
    );
  });

  it('references only defined schemas', () => {
    const document = buildOpenApiDocument({
      version: '1',
      authorizationUrl: 'https://dev-1.okta.com/oauth2/default/v1/authorize',
      tokenUrl: 'https://dev-1.okta.com/oauth2/default/v1/token',
      scopes: ['openid'],
    }) as unknown as Document;

    const references = [
      ...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g),
    ].map((match) => match[1]);
    expect(new Set(references)).toEqual(new Set(Object.keys(document.components.schemas)));
  });

  it('builds the same bytes twice', () => {
    const options = {
      version: '1',
      authorizationUrl: 'https://a/authorize',
      tokenUrl: 'https://a/token',
      scopes: ['openid', 'email'],
    };

    expect(JSON.stringify(buildOpenApiDocument(options))).toBe(
      JSON.stringify(buildOpenApiDocument(options)),
    );
  });
});
