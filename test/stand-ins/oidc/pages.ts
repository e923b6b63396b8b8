// HTML of the sign-in pages. Every value from a request or from the options goes through
// `escapeHtml`, and the pages carry no script, so the CSP below forbids scripts entirely.

/** Headers for every page the stand-in renders itself. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No form-action: after sign-in the provider redirects the form post to the app's origin.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface SignInPage {
  action: string;
  clientId: string;
  username?: string;
  error?: string;
}

export function renderSignIn(page: SignInPage): string {
  const error =
    page.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(page.error)}</p>`;
  return layout(
    'Sign In',
    `<h1>Sign In</h1>
<p class="client">to <code>${escapeHtml(page.clientId)}</code></p>
${error}
<form method="post" action="${escapeHtml(page.action)}">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" value="${escapeHtml(page.username ?? '')}" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign In</button>
</form>`,
  );
}

export interface ConsentPage {
  action: string;
  abortAction: string;
  clientId: string;
  login: string;
  scopes: readonly string[];
}

export function renderConsent(page: ConsentPage): string {
  const scopes = page.scopes
    .map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`)
    .join('\n');
  return layout(
    'Allow Access',
    `<h1>Allow Access</h1>
<p><code>${escapeHtml(page.clientId)}</code> requests access for <strong>${escapeHtml(page.login)}</strong> with these scopes:</p>
<ul>
${scopes}
</ul>
<form method="post" action="${escapeHtml(page.action)}">
  <button type="submit">Allow Access</button>
</form>
<form method="post" action="${escapeHtml(page.abortAction)}">
  <button type="submit" class="secondary">Don't Allow</button>
</form>`,
  );
}

export function renderError(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

/** Renders the provider's error page for an OAuth error it cannot redirect to the client. */
export function renderOAuthError(error: string, description: string | undefined): string {
  const detail = description === undefined ? '' : `\n<p>${escapeHtml(description)}</p>`;
  return layout(
    'Bad Request',
    `<h1>Bad Request</h1>\n<p>Your request resulted in an error: <code>${escapeHtml(error)}</code></p>${detail}`,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - local OpenID Provider</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; }
input { margin: 0.25rem 0 1rem; padding: 0.5rem; }
button { padding: 0.6rem; margin-top: 0.5rem; }
.secondary { background: none; }
.error { color: #b00020; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
