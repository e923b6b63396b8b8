// The machine-readable description of the API: the OpenAPI document and the problem types.
import Router from '@koa/router';
import type { IssuerMetadata } from '../auth/issuer-metadata.ts';
import type { ServiceState } from '../http/state.ts';
import type { Logger } from '../log.ts';
import { buildOpenApiDocument } from '../openapi.ts';
import { isProblemCode, ProblemError, problemTypes, problemTypeUri } from '../problem.ts';

export interface ReferenceRoutesOptions {
  version: string;
  issuer: string;
  scopes: readonly string[];
  /** Issuer metadata, for the authorization and token endpoints. */
  metadata: () => Promise<IssuerMetadata>;
  logger: Logger;
}

/** Builds `GET /openapi.json` and `GET /problems/{code}`. */
export function referenceRoutes(options: ReferenceRoutesOptions): Router<ServiceState> {
  const router = new Router<ServiceState>();
  let cached: Record<string, unknown> | undefined;

  router.get('/openapi.json', async (ctx) => {
    let document = cached;
    if (document === undefined) {
      const built = await buildDocument(options);
      document = built.document;
      cached = built.final ? document : undefined;
    }
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = document;
  });

  router.get('/problems/:code', (ctx) => {
    const code = ctx.params.code ?? '';
    if (!isProblemCode(code)) {
      throw new ProblemError('not-found', `No problem type has the code ${JSON.stringify(code)}.`);
    }
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = { type: problemTypeUri(code), code, ...problemTypes[code] };
  });

  return router;
}

/**
 * Reads the endpoints from the issuer metadata. When the metadata cannot be fetched, the document
 * uses Okta's endpoint paths and is built again on the next request.
 */
async function buildDocument(
  options: ReferenceRoutesOptions,
): Promise<{ document: Record<string, unknown>; final: boolean }> {
  let metadata: IssuerMetadata | undefined;
  try {
    metadata = await options.metadata();
  } catch (error) {
    options.logger.warn('issuer metadata unavailable for the OpenAPI document', { error });
  }
  const document = buildOpenApiDocument({
    version: options.version,
    authorizationUrl: metadata?.authorization_endpoint ?? `${options.issuer}/v1/authorize`,
    tokenUrl: metadata?.token_endpoint ?? `${options.issuer}/v1/token`,
    scopes: options.scopes,
  });
  return { document, final: metadata !== undefined };
}
