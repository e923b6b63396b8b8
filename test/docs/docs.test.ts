import { cp, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_ASSETS, readAssetSource, storedFileName } from '../../service/src/docs/assets.ts';
import { docsRoutes, DocsOptionsError, type DocsOptions } from '../../service/src/docs/index.ts';
import { writeDocsAssets } from '../../service/src/docs/write-assets.ts';
import { startServer, type LoopbackServer } from '../helpers/servers.ts';

const OPTIONS: DocsOptions = {
  issuer: 'https://dev-12345678.okta.com/oauth2/default',
  clientId: '0oa1b2c3d4e5f6g7h8i9',
  audience: 'api://default',
  scopes: ['openid', 'profile', 'email'],
};

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent, still encoded. */
  body: Buffer;
}

/** Sends a request with node:http, which, unlike fetch, leaves the body encoded. */
function send(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Serves `docsRoutes(options)` with a fallback that marks requests passed on to the next middleware. */
async function serveDocs(options: DocsOptions): Promise<LoopbackServer> {
  const app = new Koa();
  app.use(docsRoutes(options));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'passed to the next middleware';
  });
  return startServer(createServer(app.callback()));
}

function settingsBlock(html: string): unknown {
  const match = /<script id="docs-settings" type="application\/json">(.*?)<\/script>/s.exec(html);
  return match === null ? undefined : JSON.parse(match[1] ?? '');
}

describe('docs page', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await serveDocs(OPTIONS);
  });

  it('passes the settings to docs.js', async () => {
    const response = await send(`${server.url}/docs`);
    const html = response.body.toString('utf8');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(settingsBlock(html)).toEqual({
      openapiUrl: 'openapi.json',
      oauth2RedirectPath: 'docs/oauth2-redirect',
      issuer: OPTIONS.issuer,
      clientId: OPTIONS.clientId,
      audience: OPTIONS.audience,
      scopes: OPTIONS.scopes,
    });
    expect(html).toContain(`issuer <code>${OPTIONS.issuer}</code>`);
    expect(html).toContain(`client id <code>${OPTIONS.clientId}</code>`);
    expect(html).toContain(`token audience <code>${OPTIONS.audience}</code>`);
  });

  it('loads scripts from files only', async () => {
    const html = (await send(`${server.url}/docs`)).body.toString('utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>(.*?)<\/script>/gs)];

    expect(scripts.map(([, attributes]) => attributes?.trim())).toEqual([
      'id="docs-settings" type="application/json"',
      expect.stringMatching(/^src="docs\/swagger-ui-bundle\.js\?v=[\w-]{10}" defer$/) as string,
      expect.stringMatching(/^src="docs\/docs\.js\?v=[\w-]{10}" defer$/) as string,
    ]);
    expect(scripts[1]?.[2]).toBe('');
    expect(scripts[2]?.[2]).toBe('');
    expect(html).not.toMatch(/client_?secret/i);
  });

  it('sends a CSP that allows only self scripts', async () => {
    const response = await send(`${server.url}/docs`);
    const directives = String(response.headers['content-security-policy']).split('; ');

    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain("script-src 'self'");
    expect(directives).toContain("style-src 'self'");
    expect(directives).toContain("connect-src 'self' https://dev-12345678.okta.com");
    expect(directives).toContain("frame-ancestors 'none'");
    expect(directives).toContain("base-uri 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('redirects /docs/ to /docs', async () => {
    const response = await send(`${server.url}/docs/?urls.primaryName=a`);

    expect(response.status).toBe(301);
    expect(response.headers.location).toBe('/docs?urls.primaryName=a');
  });

  it('rejects POST with 405', async () => {
    const response = await send(`${server.url}/docs`, { method: 'POST' });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('answers HEAD without a body', async () => {
    const response = await send(`${server.url}/docs`, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toHaveLength(0);
  });

  it('passes other paths to the next middleware', async () => {
    for (const path of [
      '/openapi.json',
      '/docsx',
      '/docs/missing.js',
      '/docs/swagger-ui-bundle.js.map',
      // Only catalogued names are served, so no path reaches the file system.
      '/docs/..%2F..%2Fpackage.json',
      '/docs/static/docs.js',
    ]) {
      const response = await send(`${server.url}${path}`);

      expect(response.status, path).toBe(404);
      expect(response.body.toString('utf8'), path).toBe('passed to the next middleware');
    }
  });
});

describe('escaping', () => {
  const hostile: DocsOptions = {
    issuer: 'https://evil.example/oauth2/default?x=</script><script>alert(1)</script>',
    clientId: `"'><img src=x onerror=alert(1)><!--`,
    audience: '</script><script>alert(2)</script>',
    scopes: ['openid', '<b>bold</b>'],
  };

  it('keeps hostile settings inert', async () => {
    const server = await serveDocs(hostile);
    const html = (await send(`${server.url}/docs`)).body.toString('utf8');

    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<!--');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<code>&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--</code>');
    expect(html).toContain('<code>&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</code>');
    expect(settingsBlock(html)).toMatchObject({
      issuer: hostile.issuer,
      clientId: hostile.clientId,
      audience: hostile.audience,
      scopes: hostile.scopes,
    });
  });

  it('escapes line separators in the JSON block', async () => {
    const server = await serveDocs({ ...OPTIONS, audience: 'api://a\u2028b\u2029c' });
    const html = (await send(`${server.url}/docs`)).body.toString('utf8');
    const block = /<script id="docs-settings" type="application\/json">(.*?)<\/script>/s.exec(
      html,
    )?.[1];

    expect(block).not.toContain('\u2028');
    expect(block).not.toContain('\u2029');
    expect(block).toContain('api://a\\u2028b\\u2029c');
    expect(settingsBlock(html)).toMatchObject({ audience: 'api://a\u2028b\u2029c' });
  });
});

describe('redirect page', () => {
  it('loads the Swagger UI redirect script', async () => {
    const server = await serveDocs(OPTIONS);
    const response = await send(`${server.url}/docs/oauth2-redirect?code=abc&state=xyz`);
    const html = response.body.toString('utf8');

    expect(response.status).toBe(200);
    expect(html).toMatch(/<script src="oauth2-redirect\.js\?v=[\w-]{10}"><\/script>/);
    expect(html).not.toContain('abc');
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('assets', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await serveDocs(OPTIONS);
  });

  it.each(DOCS_ASSETS.map((spec) => [spec.name, spec] as const))(
    'serves %s with its type',
    async (name, spec) => {
      const response = await send(`${server.url}/docs/${name}`, {
        headers: { 'accept-encoding': 'identity' },
      });

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe(spec.contentType);
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.body.equals(await readAssetSource(spec))).toBe(true);
    },
  );

  it('serves brotli when accepted', async () => {
    const response = await send(`${server.url}/docs/swagger-ui-bundle.js`, {
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    });
    const source = await readAssetSource(DOCS_ASSETS[0]!);

    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(response.body.length).toBeLessThan(source.length / 3);
    expect(brotliDecompressSync(response.body).equals(source)).toBe(true);
  });

  it('serves gzip when brotli is refused', async () => {
    const response = await send(`${server.url}/docs/swagger-ui.css`, {
      headers: { 'accept-encoding': 'gzip, br;q=0' },
    });
    const source = await readAssetSource(DOCS_ASSETS[1]!);

    expect(response.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(response.body).equals(source)).toBe(true);
  });

  it('serves identity without Accept-Encoding', async () => {
    const response = await send(`${server.url}/docs/swagger-ui.css`);

    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.toString('utf8')).toContain('.swagger-ui');
  });

  it('never encodes images', async () => {
    const response = await send(`${server.url}/docs/favicon-32x32.png`, {
      headers: { 'accept-encoding': 'br' },
    });

    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toBeUndefined();
    expect(response.body.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('drops the source map comment', async () => {
    const css = (await send(`${server.url}/docs/swagger-ui.css`)).body.toString('utf8');

    expect(css).not.toContain('sourceMappingURL');
    expect(css.trimEnd().endsWith('}')).toBe(true);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await send(`${server.url}/docs/docs.js`, {
      headers: { 'accept-encoding': 'br' },
    });
    const again = await send(`${server.url}/docs/docs.js`, {
      headers: { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) },
    });
    const otherEncoding = await send(`${server.url}/docs/docs.js`, {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': String(first.headers.etag) },
    });

    expect(first.headers.etag).toMatch(/^"[\w-]{27}-br"$/);
    expect(again.status).toBe(304);
    expect(again.body).toHaveLength(0);
    expect(otherEncoding.status).toBe(200);
    expect(otherEncoding.headers.etag).toBe(String(first.headers.etag).replace('-br"', '-gzip"'));
  });

  it('links assets with their content hash', async () => {
    const html = (await send(`${server.url}/docs`)).body.toString('utf8');
    const bundleUrl = /src="(docs\/swagger-ui-bundle\.js\?v=[\w-]+)"/.exec(html)?.[1];
    const response = await send(`${server.url}/${bundleUrl}`, {
      headers: { 'accept-encoding': 'identity' },
    });

    expect(bundleUrl).toBeDefined();
    expect(response.status).toBe(200);
    expect(response.headers.etag?.slice(1, 11)).toBe(bundleUrl?.split('?v=')[1]);
  });
});

describe('prebuilt assets', () => {
  let folder: string;
  let server: LoopbackServer;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'docs-assets-'));
    await writeDocsAssets(folder);
    server = await serveDocs({ ...OPTIONS, assetsFolder: folder });
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('sends the stored brotli bytes', async () => {
    const spec = DOCS_ASSETS[0]!;
    const stored = await readFile(join(folder, storedFileName(spec)));
    const response = await send(`${server.url}/docs/${spec.name}`, {
      headers: { 'accept-encoding': 'br' },
    });

    expect(response.headers['content-encoding']).toBe('br');
    expect(response.body.equals(stored)).toBe(true);
  });

  it('decompresses for clients without brotli', async () => {
    for (const spec of DOCS_ASSETS) {
      const source = await readAssetSource(spec);
      const identity = await send(`${server.url}/docs/${spec.name}`);
      const gzip = await send(`${server.url}/docs/${spec.name}`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      const gzipBody = spec.compressible ? gunzipSync(gzip.body) : gzip.body;

      expect(identity.body.equals(source), spec.name).toBe(true);
      expect(gzipBody.equals(source), spec.name).toBe(true);
    }
  });

  it('stays under 400 KB in total', async () => {
    let total = 0;
    for (const spec of DOCS_ASSETS)
      total += (await readFile(join(folder, storedFileName(spec)))).length;

    expect(total).toBeLessThan(400 * 1024);
  });

  it('fails with the missing file named', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'docs-assets-broken-'));
    try {
      await cp(folder, broken, { recursive: true });
      await unlink(join(broken, 'docs.css.br'));
      const app = new Koa();
      const errors: Error[] = [];
      app.silent = true;
      app.on('error', (error: Error) => errors.push(error));
      app.use(docsRoutes({ ...OPTIONS, assetsFolder: broken }));
      const brokenServer = await startServer(createServer(app.callback()));

      const response = await send(`${brokenServer.url}/docs`);

      expect(response.status).toBe(500);
      expect(response.body.toString('utf8')).not.toContain(broken);
      expect(errors[0]?.message).toContain(`Docs asset docs.css is missing from ${broken}`);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('options', () => {
  it('lists every invalid option', () => {
    let caught: unknown;
    try {
      docsRoutes({
        issuer: 'dev-1.okta.com',
        clientId: ' ',
        audience: '',
        scopes: ['openid', 'two words'],
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(DocsOptionsError);
    expect((caught as DocsOptionsError).code).toBe('ERR_DOCS_OPTIONS');
    expect((caught as DocsOptionsError).issues).toEqual([
      'issuer: must be an absolute URL such as https://dev-1.okta.com/oauth2/default (got "dev-1.okta.com")',
      'clientId: must be the Okta client id of the docs app (got " ")',
      'audience: must be a non-empty string such as api://default (got "")',
      'scopes[1]: must be a scope name without spaces or quotes (got "two words")',
    ]);
  });

  it('rejects a non-http issuer', () => {
    expect(() => docsRoutes({ ...OPTIONS, issuer: 'javascript:alert(1)' })).toThrow(
      'issuer: must use https, or http for a local provider (got "javascript:alert(1)")',
    );
  });
});
