import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type default as Provider, type Interaction } from 'oidc-provider';
import { PAGE_HEADERS, renderConsent, renderError, renderSignIn } from './pages.ts';
import { passwordMatches, type Account } from './users.ts';

const MAX_FORM_BYTES = 16 * 1024;

/** Serves the sign-in and consent pages that oidc-provider sends the browser to. */
export interface SignInPages {
  /** Handles `req` when its path starts with the sign-in path; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export function createSignInPages(
  provider: Provider,
  signInPath: string,
  accountsByLogin: ReadonlyMap<string, Account>,
  log: (line: string) => void,
): SignInPages {
  const route = new RegExp(`^${signInPath}/([A-Za-z0-9_-]+)(/login|/consent|/abort)?$`);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = route.exec(path);
    if (match === null) return false;
    const [, uid, action] = match as unknown as [string, string, string | undefined];

    try {
      if (req.method === 'GET' && action === undefined) await showPrompt(req, res, uid);
      else if (req.method === 'POST' && action === '/login') await signIn(req, res, uid);
      else if (req.method === 'POST' && action === '/consent') await consent(req, res);
      else if (req.method === 'POST' && action === '/abort') await abort(req, res);
      else
        send(
          res,
          405,
          renderError('Method Not Allowed', `${req.method} is not allowed on ${path}.`),
        );
    } catch (error) {
      if (error instanceof errors.SessionNotFound) {
        log(`OIDC stand-in: ${req.method} ${path}: unknown or expired interaction`);
        send(
          res,
          400,
          renderError(
            'Sign-in expired',
            'This sign-in request is unknown or has expired. Start again from the application.',
          ),
        );
        return true;
      }
      if (error instanceof errors.OIDCProviderError) {
        log(
          `OIDC stand-in: ${req.method} ${path}: ${error.message}: ${error.error_description ?? ''}`,
        );
        send(
          res,
          error.statusCode,
          renderError('Bad Request', error.error_description ?? error.message),
        );
        return true;
      }
      throw error;
    }
    return true;
  }

  async function showPrompt(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.uid !== uid)
      throw new errors.SessionNotFound('interaction uid does not match the cookie');
    const clientId = param(interaction, 'client_id');

    if (interaction.prompt.name === 'login') {
      send(res, 200, renderSignIn({ action: `${signInPath}/${uid}/login`, clientId }));
      return;
    }
    const account = [...accountsByLogin.values()].find(
      (candidate) => candidate.id === interaction.session?.accountId,
    );
    send(
      res,
      200,
      renderConsent({
        action: `${signInPath}/${uid}/consent`,
        abortAction: `${signInPath}/${uid}/abort`,
        clientId,
        login: account?.login ?? interaction.session?.accountId ?? '',
        scopes: param(interaction, 'scope').split(' ').filter(Boolean),
      }),
    );
  }

  async function signIn(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const interaction = await provider.interactionDetails(req, res);
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const account = accountsByLogin.get(username);

    if (account === undefined || !passwordMatches(account, form.get('password') ?? '')) {
      log(`OIDC stand-in: sign-in rejected for "${username}": unknown username or wrong password`);
      send(
        res,
        401,
        renderSignIn({
          action: `${signInPath}/${uid}/login`,
          clientId: param(interaction, 'client_id'),
          username,
          error: 'Unable to sign in: unknown username or wrong password.',
        }),
      );
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.id } },
      { mergeWithLastSubmission: false },
    );
  }

  async function consent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const interaction = await provider.interactionDetails(req, res);
    const accountId = interaction.session?.accountId;
    if (accountId === undefined) throw new errors.SessionNotFound('consent before sign-in');
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };

    const grant =
      (interaction.grantId === undefined
        ? undefined
        : await provider.Grant.find(interaction.grantId)) ??
      new provider.Grant({ accountId, clientId: param(interaction, 'client_id') });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();

    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  async function abort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied the request.' },
      { mergeWithLastSubmission: false },
    );
  }

  return { handle };
}

function param(interaction: Interaction, name: string): string {
  const value = interaction.params[name];
  return typeof value === 'string' ? value : '';
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new errors.InvalidRequest(`expected a form post (got content-type "${type}")`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES)
      throw new errors.InvalidRequest(`form larger than ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
