import { createHash, randomBytes } from 'node:crypto';

export interface SignInRequest {
  issuer: string;
  clientId: string;
  redirectUri: string;
  login: string;
  password: string;
  scopes: readonly string[];
  /** Sent as `Origin` to the token endpoint, as a browser app would; the redirect URI's origin by default. */
  origin?: string;
}

export interface SignInResult {
  accessToken: string;
  idToken?: string;
  /** Space-separated granted scopes. */
  scope: string;
  expiresIn: number;
  /** `Access-Control-Allow-Origin` of the token response. */
  allowedOrigin: string | null;
}

/**
 * Signs in through the local OpenID Provider over plain HTTP, the way a browser app does: the
 * authorization request with a PKCE challenge, the sign-in and consent forms, then the code
 * exchange with the verifier. Gives API tests a token the provider itself issued.
 */
export async function signInWithoutBrowser(request: SignInRequest): Promise<SignInResult> {
  const browser = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const metadata = (await (
    await fetch(`${request.issuer}/.well-known/openid-configuration`)
  ).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };

  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: request.clientId,
    response_type: 'code',
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  let location = await browser.follow(authorize.href, 'sign-in page');
  location = await browser.post(
    `${location}/login`,
    { username: request.login, password: request.password },
    'sign-in',
  );
  location = await browser.follow(location, 'consent page');
  if (!location.startsWith(request.redirectUri)) {
    location = await browser.post(`${location}/consent`, {}, 'consent');
    location = await browser.follow(location, 'redirect to the app');
  }

  const callback = new URL(location);
  const code = callback.searchParams.get('code');
  if (code === null || callback.searchParams.get('state') !== state) {
    throw new Error(
      `Sign-in failed: the redirect to the app carries no code for this state (${location})`,
    );
  }

  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: request.origin ?? new URL(request.redirectUri).origin,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: request.clientId,
      redirect_uri: request.redirectUri,
      code_verifier: verifier,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    throw new Error(
      `Token request failed with ${response.status}: ${String(body.error)} ${String(body.error_description)}`,
    );
  }
  return {
    accessToken: String(body.access_token),
    ...(typeof body.id_token === 'string' ? { idToken: body.id_token } : {}),
    scope: String(body.scope),
    expiresIn: Number(body.expires_in),
    allowedOrigin: response.headers.get('access-control-allow-origin'),
  };
}

/** Cookies of one host, enough for the provider's session and interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** GETs `url`, stores its cookies and returns the absolute redirect location. */
  async follow(url: string, step: string): Promise<string> {
    const response = await fetch(url, { redirect: 'manual', headers: this.header() });
    return this.redirect(url, response, step);
  }

  async post(url: string, form: Record<string, string>, step: string): Promise<string> {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    return this.redirect(url, response, step);
  }

  private header(): Record<string, string> {
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private async redirect(url: string, response: Response, step: string): Promise<string> {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const separator = pair.indexOf('=');
      this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
    const location = response.headers.get('location');
    if (response.status !== 303 && response.status !== 302) {
      const text = await response.text();
      throw new Error(
        `Sign-in failed at the ${step}: ${response.status} from ${url}: ${text.slice(0, 300)}`,
      );
    }
    if (location === null)
      throw new Error(`Sign-in failed at the ${step}: redirect without Location from ${url}`);
    return new URL(location, url).href;
  }
}
