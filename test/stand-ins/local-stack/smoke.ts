// `npm start -- --smoke`: the API exercised through the local function URL with an access token
// from the local OpenID Provider. The token comes from a real authorization code flow with PKCE,
// for the client id and redirect URI the reconciler registered in the Okta stand-in, so the flow
// succeeds only when the Okta app is right.
import { messageListSchema, messageSchema } from '../../../service/src/schemas.ts';
import { signInWithoutBrowser } from '../oidc/sign-in.ts';

export interface SmokeOptions {
  /** Where requests go: the function URL's listening address. */
  readonly baseUrl: string;
  /** The function URL as the browser sees it, whose `/docs/oauth2-redirect` the app registers. */
  readonly publicUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly user: { readonly login: string; readonly password: string };
}

/** One check of the smoke run. */
export interface SmokeCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was seen: the status, or why the check failed. */
  readonly detail: string;
}

interface Exchange {
  readonly status: number;
  readonly body: unknown;
}

async function call(
  options: SmokeOptions,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Exchange> {
  const response = await fetch(`${options.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the failure detail.
  }
  return { status: response.status, body: parsed };
}

function describeFailure(exchange: Exchange, expected: number): string {
  const body = JSON.stringify(exchange.body) ?? '';
  return `expected ${expected}, got ${exchange.status}: ${body.slice(0, 300)}`;
}

/**
 * Signs in, then creates, lists, reads, updates and deletes one message. Every step is a check;
 * a failed step ends the run, since the later ones depend on it.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    return ok;
  };

  let token: string;
  try {
    const signedIn = await signInWithoutBrowser({
      issuer: options.issuer,
      clientId: options.clientId,
      redirectUri: `${options.publicUrl}/docs/oauth2-redirect`,
      login: options.user.login,
      password: options.user.password,
      scopes: ['openid', 'profile', 'email'],
    });
    token = signedIn.accessToken;
    check('sign in', true, `access token for ${options.user.login}, scopes ${signedIn.scope}`);
  } catch (error) {
    check('sign in', false, error instanceof Error ? error.message : String(error));
    return checks;
  }

  const text = `Hello from the smoke run`;
  const created = await call(options, token, 'POST', '/messages', { text });
  const message = messageSchema.safeParse(created.body);
  if (
    !check(
      'create',
      created.status === 201 && message.success && message.data.text === text,
      created.status === 201 ? `201, id ${message.data?.id}` : describeFailure(created, 201),
    ) ||
    !message.success
  ) {
    return checks;
  }
  const id = message.data.id;

  const listed = await call(options, token, 'GET', '/messages?limit=50');
  const list = messageListSchema.safeParse(listed.body);
  const inList = list.success && list.data.items.some((item) => item.id === id);
  if (
    !check(
      'list',
      listed.status === 200 && inList,
      listed.status === 200
        ? `200, ${list.data?.items.length ?? 0} message(s)${inList ? '' : `, without ${id}`}`
        : describeFailure(listed, 200),
    )
  ) {
    return checks;
  }

  const read = await call(options, token, 'GET', `/messages/${id}`);
  const readMessage = messageSchema.safeParse(read.body);
  if (
    !check(
      'read',
      read.status === 200 && readMessage.success && readMessage.data.text === text,
      read.status === 200 ? `200, author ${readMessage.data?.author}` : describeFailure(read, 200),
    )
  ) {
    return checks;
  }

  const updatedText = `${text}, edited`;
  const updated = await call(options, token, 'PATCH', `/messages/${id}`, { text: updatedText });
  const updatedMessage = messageSchema.safeParse(updated.body);
  if (
    !check(
      'update',
      updated.status === 200 && updatedMessage.success && updatedMessage.data.text === updatedText,
      updated.status === 200
        ? `200, text "${updatedMessage.data?.text}"`
        : describeFailure(updated, 200),
    )
  ) {
    return checks;
  }

  const deleted = await call(options, token, 'DELETE', `/messages/${id}`);
  if (
    !check(
      'delete',
      deleted.status === 204,
      deleted.status === 204 ? '204' : describeFailure(deleted, 204),
    )
  ) {
    return checks;
  }
  const readDeleted = await call(options, token, 'GET', `/messages/${id}`);
  check(
    'read after delete',
    readDeleted.status === 404,
    readDeleted.status === 404 ? '404' : describeFailure(readDeleted, 404),
  );
  return checks;
}

/** Renders the checks as lines for the terminal. */
export function describeSmoke(checks: readonly SmokeCheck[]): string[] {
  const width = Math.max(...checks.map((item) => item.name.length));
  return checks.map(
    (item) => `  ${item.ok ? 'ok  ' : 'FAIL'}  ${item.name.padEnd(width)}  ${item.detail}`,
  );
}
