import { describe, expect, it } from 'vitest';
import { healthSchema } from '../../service/src/schemas.ts';
import { startIdentityProvider } from './helpers/identity-provider.ts';
import { closedPortUri, startTestService, testVersion } from './helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');

describe('GET /health', () => {
  it('reports the database unavailable', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    const response = await fetch(`${service.url}/health`);

    expect(response.status).toBe(200);
    expect(healthSchema.parse(await response.json())).toEqual({
      status: 'degraded',
      version: testVersion,
      database: 'unavailable',
    });
  });

  it('names the Lambda version', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({
      idp,
      mongoUri: await closedPortUri(),
      now,
      env: { AWS_LAMBDA_FUNCTION_VERSION: '7' },
    });

    const response = await fetch(`${service.url}/health`);

    expect(healthSchema.parse(await response.json())).toMatchObject({ functionVersion: '7' });
  });

  it('needs no token', async () => {
    const idp = await startIdentityProvider({ now });
    idp.jwksMode = 'unreachable';
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    const response = await fetch(`${service.url}/health`);

    expect(response.status).toBe(200);
    expect(idp.jwksRequests).toBe(0);
  });
});
