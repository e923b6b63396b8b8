// The two HTML pages under /docs. Neither has inline script: the page passes its settings to
// docs.js in a JSON data block, so the Content-Security-Policy can allow scripts from self only.
import type { DocsAssets } from './assets.ts';

/** Settings handed to docs.js, which starts Swagger UI with them. */
export interface DocsPageSettings {
  issuer: string;
  clientId: string;
  audience: string;
  scopes: readonly string[];
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Serializes `value` as JSON that is safe inside a `<script type="application/json">` element:
 * `<`, `>` and `&` become Unicode escapes, so no value can close the element or open a comment.
 * U+2028 and U+2029 are escaped too, for readers that treat them as line breaks.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/**
 * Builds the CSP of the docs page. Scripts and styles come from self only; Swagger UI fetches
 * the OpenAPI document from self and exchanges the authorization code at the issuer's token
 * endpoint, so `connect-src` names the issuer's origin too. Swagger UI's icons are `data:` URLs.
 */
export function docsPagePolicy(issuer: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(issuer).origin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** CSP of the redirect page: its one script, nothing else. */
export const REDIRECT_PAGE_POLICY =
  "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Renders the page at `/docs`. Asset URLs are relative (`docs/...`), so the page also works when
 * the service is mounted under a path prefix, and carry a content hash so they can be cached.
 */
export function renderDocsPage(settings: DocsPageSettings, assets: DocsAssets): string {
  const asset = (name: string) => escapeHtml(`docs/${name}?v=${assets.get(name)?.version ?? ''}`);
  const pageSettings = {
    openapiUrl: 'openapi.json',
    oauth2RedirectPath: 'docs/oauth2-redirect',
    issuer: settings.issuer,
    clientId: settings.clientId,
    audience: settings.audience,
    scopes: settings.scopes,
  };

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs</title>
<link rel="icon" type="image/png" sizes="32x32" href="${asset('favicon-32x32.png')}">
<link rel="icon" type="image/png" sizes="16x16" href="${asset('favicon-16x16.png')}">
<link rel="stylesheet" href="${asset('swagger-ui.css')}">
<link rel="stylesheet" href="${asset('docs.css')}">
<script id="docs-settings" type="application/json">${jsonForScriptElement(pageSettings)}</script>
<script src="${asset('swagger-ui-bundle.js')}" defer></script>
<script src="${asset('docs.js')}" defer></script>
</head>
<body>
<header class="docs-sign-in">
Sign-in: issuer <code>${escapeHtml(settings.issuer)}</code>, client id <code>${escapeHtml(settings.clientId)}</code>, token audience <code>${escapeHtml(settings.audience)}</code>
</header>
<noscript>
<p>The interactive docs need JavaScript. The API description is at <a href="openapi.json">openapi.json</a>.</p>
</noscript>
<div id="swagger-ui"></div>
</body>
</html>
`;
}

/**
 * Renders the page that the issuer redirects to after sign-in. Swagger UI's script reads the code
 * and state from the URL, hands them to the docs page that opened this window and closes it.
 */
export function renderRedirectPage(assets: DocsAssets): string {
  const script = escapeHtml(
    `oauth2-redirect.js?v=${assets.get('oauth2-redirect.js')?.version ?? ''}`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Signing in</title>
</head>
<body>
<p>Returning to the docs page. This window closes itself.</p>
<script src="${script}"></script>
</body>
</html>
`;
}
