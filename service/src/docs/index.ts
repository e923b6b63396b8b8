// Interactive API docs at /docs: Swagger UI, served from the package, signing in with the
// authorization code flow and PKCE against the configured Okta authorization server.
import type { Context, Middleware, Next } from 'koa';
import { loadDocsAssets, type DocsAsset, type DocsAssets } from './assets.ts';
import { negotiateEncoding } from './encoding.ts';
import {
  docsPagePolicy,
  REDIRECT_PAGE_POLICY,
  renderDocsPage,
  renderRedirectPage,
} from './page.ts';

export { DOCS_ASSETS, DOCS_ASSETS_FOLDER, loadDocsAssets } from './assets.ts';

export interface DocsOptions {
  /** Okta authorization server, such as `https://dev-1.okta.com/oauth2/default`. */
  issuer: string;
  /** Client id of the public (SPA) app that signs users in; it has no client secret. */
  clientId: string;
  /** `aud` of the access tokens the API accepts, shown on the page to help diagnose rejected tokens. */
  audience: string;
  /** Scopes selected in the sign-in dialog. */
  scopes: string[];
  /**
   * Folder written by `writeDocsAssets`. Default: `docs-assets` beside the running module, and
   * when that is absent, the files from node_modules.
   */
  assetsFolder?: string;
}

/** Raised by `docsRoutes` for invalid options, listing each one. */
export class DocsOptionsError extends Error {
  readonly code = 'ERR_DOCS_OPTIONS';

  constructor(readonly issues: readonly string[]) {
    super(`invalid docs options:\n  ${issues.join('\n  ')}`);
    this.name = 'DocsOptionsError';
  }
}

const DOCS_PATH = '/docs';
const REDIRECT_PATH = '/docs/oauth2-redirect';
const ALLOWED_METHODS = 'GET, HEAD';
// Asset URLs carry a content hash, so a cached copy is never stale.
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
const scopePattern = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Builds the middleware that serves `GET /docs`, `GET /docs/oauth2-redirect` and the assets under
 * `/docs/`. Other paths go to the next middleware. Throws `DocsOptionsError` for invalid options.
 */
export function docsRoutes(options: DocsOptions): Middleware {
  validateOptions(options);
  const settings = {
    issuer: options.issuer,
    clientId: options.clientId,
    audience: options.audience,
    scopes: [...options.scopes],
  };
  const pagePolicy = docsPagePolicy(options.issuer);

  let loading: Promise<DocsAssets> | undefined;
  const assets = (): Promise<DocsAssets> => {
    loading ??= loadDocsAssets(options.assetsFolder).catch((error: unknown) => {
      // The next request tries again; the error reaches the app's error handler and its log.
      loading = undefined;
      throw error;
    });
    return loading;
  };

  return async (ctx: Context, next: Next) => {
    const { path } = ctx;
    if (path !== DOCS_PATH && !path.startsWith(`${DOCS_PATH}/`)) {
      await next();
      return;
    }
    const assetName = path.slice(DOCS_PATH.length + 1);
    const loaded = await assets();
    const asset = loaded.get(assetName);
    const known =
      path === DOCS_PATH ||
      path === `${DOCS_PATH}/` ||
      path === REDIRECT_PATH ||
      asset !== undefined;
    if (!known) {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', ALLOWED_METHODS);
      ctx.status = 405;
      return;
    }

    if (path === `${DOCS_PATH}/`) {
      // Relative asset URLs on the page resolve against /docs, not /docs/.
      ctx.status = 301;
      ctx.redirect(`${DOCS_PATH}${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`);
      return;
    }
    if (path === DOCS_PATH) {
      sendPage(ctx, renderDocsPage(settings, loaded), pagePolicy);
      return;
    }
    if (path === REDIRECT_PATH) {
      sendPage(ctx, renderRedirectPage(loaded), REDIRECT_PAGE_POLICY);
      return;
    }
    await sendAsset(ctx, asset as DocsAsset);
  };
}

function sendPage(ctx: Context, html: string, policy: string): void {
  ctx.set('Content-Security-Policy', policy);
  // The redirect page's URL carries the authorization code: keep it out of Referer headers.
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-cache');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}

async function sendAsset(ctx: Context, asset: DocsAsset): Promise<void> {
  const encoding = asset.encodingFor(negotiateEncoding(ctx.headers['accept-encoding']));

  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', ASSET_CACHE_CONTROL);
  if (asset.spec.compressible) ctx.vary('Accept-Encoding');
  ctx.etag = asset.etagFor(encoding);
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }

  const bytes = await asset.bytes(encoding);
  if (encoding !== 'identity') ctx.set('Content-Encoding', encoding);
  ctx.body = bytes;
  // Assigning a Buffer sets application/octet-stream; the type must follow the body.
  ctx.type = asset.spec.contentType;
}

function validateOptions(options: DocsOptions): void {
  const issues: string[] = [];

  let issuer: URL | undefined;
  try {
    issuer = new URL(options.issuer);
  } catch {
    issues.push(
      `issuer: must be an absolute URL such as https://dev-1.okta.com/oauth2/default (got ${JSON.stringify(options.issuer)})`,
    );
  }
  if (issuer !== undefined && issuer.protocol !== 'https:' && issuer.protocol !== 'http:') {
    issues.push(
      `issuer: must use https, or http for a local provider (got ${JSON.stringify(options.issuer)})`,
    );
  }
  if (typeof options.clientId !== 'string' || options.clientId.trim() === '') {
    issues.push(
      `clientId: must be the Okta client id of the docs app (got ${JSON.stringify(options.clientId)})`,
    );
  }
  if (typeof options.audience !== 'string' || options.audience.trim() === '') {
    issues.push(
      `audience: must be a non-empty string such as api://default (got ${JSON.stringify(options.audience)})`,
    );
  }
  if (!Array.isArray(options.scopes)) {
    issues.push(`scopes: must be an array of scope names (got ${JSON.stringify(options.scopes)})`);
  } else {
    for (const [index, scope] of options.scopes.entries()) {
      if (typeof scope !== 'string' || !scopePattern.test(scope)) {
        issues.push(
          `scopes[${index}]: must be a scope name without spaces or quotes (got ${JSON.stringify(scope)})`,
        );
      }
    }
  }

  if (issues.length > 0) throw new DocsOptionsError(issues);
}
