// The rules Okta applies to an OpenID Connect app on create and replace. Each broken rule becomes
// one `errorCauses` entry of an E0000001 response, naming the field first.
import type { FieldProblem } from './errors.ts';
import { isObject, valueAt } from './routing.ts';
import type { JsonObject, JsonValue } from './state.ts';

const applicationTypes = ['browser', 'native', 'service', 'web'];
const grantTypes = [
  'authorization_code',
  'client_credentials',
  'implicit',
  'interaction_code',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
];
// A browser app is a public client: it cannot keep a secret, so it gets no grant that needs one.
const browserGrantTypes = ['authorization_code', 'implicit', 'interaction_code', 'refresh_token'];
const responseTypes = ['code', 'id_token', 'token'];
const authMethods = [
  'client_secret_basic',
  'client_secret_jwt',
  'client_secret_post',
  'none',
  'private_key_jwt',
];

/** Checks an app body as sent to `POST /api/v1/apps` or `PUT /api/v1/apps/{appId}`. */
export function validateApp(body: JsonValue | undefined): FieldProblem[] {
  if (!isObject(body)) {
    return [{ field: 'body', message: 'The request body must be a JSON object.' }];
  }
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });

  if (body.signOnMode !== 'OPENID_CONNECT') {
    add('signOnMode', 'The stand-in serves OPENID_CONNECT apps only.');
  }
  if (body.name !== 'oidc_client') {
    add('name', 'An OPENID_CONNECT app must have the name "oidc_client".');
  }
  if (typeof body.label !== 'string' || body.label.trim() === '') {
    add('label', 'The field cannot be left blank.');
  }
  if (body.profile !== undefined && !isObject(body.profile)) {
    add('profile', 'The field must be a JSON object.');
  }
  const implicitAssignment = valueAt(body, 'settings.implicitAssignment');
  if (implicitAssignment !== undefined && typeof implicitAssignment !== 'boolean') {
    add('implicitAssignment', 'The field must be true or false.');
  }

  const credentials = valueAt(body, 'credentials.oauthClient');
  const authMethod = isObject(credentials)
    ? (credentials.token_endpoint_auth_method ?? 'client_secret_basic')
    : 'client_secret_basic';
  if (typeof authMethod !== 'string' || !authMethods.includes(authMethod)) {
    add('token_endpoint_auth_method', `Must be one of ${authMethods.join(', ')}.`);
  }
  if (isObject(credentials) && credentials.pkce_required !== undefined) {
    if (typeof credentials.pkce_required !== 'boolean') {
      add('pkce_required', 'The field must be true or false.');
    }
  }

  const client = valueAt(body, 'settings.oauthClient');
  if (!isObject(client)) {
    add('settings.oauthClient', 'The field is required for an OPENID_CONNECT app.');
    return problems;
  }
  validateClientSettings(client, authMethod, add);
  return problems;
}

function validateClientSettings(
  client: JsonObject,
  authMethod: JsonValue,
  add: (field: string, message: string) => void,
): void {
  const applicationType = client.application_type;
  if (typeof applicationType !== 'string' || !applicationTypes.includes(applicationType)) {
    add('application_type', `Must be one of ${applicationTypes.join(', ')}.`);
  }

  const grants = stringList(client.grant_types);
  if (!grants || grants.length === 0) {
    add('grant_types', 'At least one grant type is required.');
  } else {
    for (const grant of grants) {
      if (!grantTypes.includes(grant)) {
        add('grant_types', `'${grant}' is not a supported grant type.`);
      }
    }
    if (applicationType === 'browser') {
      for (const grant of grants.filter((grant) => !browserGrantTypes.includes(grant))) {
        add('grant_types', `'${grant}' is not allowed for a browser application.`);
      }
    }
    if (grants.includes('refresh_token') && grants.length === 1) {
      add('grant_types', 'refresh_token must be combined with another grant type.');
    }
  }
  if (applicationType === 'browser' && authMethod !== 'none') {
    add('token_endpoint_auth_method', 'A browser application must use "none".');
  }

  const responses = client.response_types === undefined ? [] : stringList(client.response_types);
  if (!responses) {
    add('response_types', 'The field must be a list of strings.');
  } else {
    for (const response of responses.filter((response) => !responseTypes.includes(response))) {
      add('response_types', `'${response}' is not a supported response type.`);
    }
  }

  const wildcardAllowed = client.wildcard_redirect === 'SUBDOMAIN';
  const redirectUris = client.redirect_uris === undefined ? [] : stringList(client.redirect_uris);
  if (!redirectUris) {
    add('redirect_uris', 'The field must be a list of strings.');
  } else {
    const needsRedirect = grants?.some((grant) =>
      ['authorization_code', 'implicit'].includes(grant),
    );
    if (needsRedirect && redirectUris.length === 0) {
      add('redirect_uris', 'At least one redirect URI is required for this grant type.');
    }
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri, wildcardAllowed);
      if (problem) {
        add('redirect_uris', `'${uri}' ${problem}`);
      }
    }
  }

  const logoutUris =
    client.post_logout_redirect_uris === undefined
      ? []
      : stringList(client.post_logout_redirect_uris);
  if (!logoutUris) {
    add('post_logout_redirect_uris', 'The field must be a list of strings.');
  } else {
    for (const uri of logoutUris) {
      const problem = redirectUriProblem(uri, wildcardAllowed);
      if (problem) {
        add('post_logout_redirect_uris', `'${uri}' ${problem}`);
      }
    }
  }

  const refreshToken = client.refresh_token;
  if (refreshToken !== undefined) {
    if (!isObject(refreshToken)) {
      add('refresh_token', 'The field must be a JSON object.');
    } else {
      if (refreshToken.rotation_type !== 'ROTATE' && refreshToken.rotation_type !== 'STATIC') {
        add('rotation_type', 'Must be ROTATE or STATIC.');
      }
      const leeway = refreshToken.leeway;
      if (
        leeway !== undefined &&
        (typeof leeway !== 'number' || !Number.isInteger(leeway) || leeway < 0 || leeway > 60)
      ) {
        add('leeway', 'Must be an integer from 0 to 60 seconds.');
      }
    }
  }
}

function stringList(value: JsonValue | undefined): string[] | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    return undefined;
  }
  return value;
}

// Okta takes absolute URIs of any scheme (custom schemes serve native apps), never with a
// fragment, and with a `*` only in the host's first label when wildcard redirects are on.
function redirectUriProblem(uri: string, wildcardAllowed: boolean): string | undefined {
  if (/\s/.test(uri)) {
    return 'must not contain whitespace.';
  }
  let parsed: URL;
  try {
    parsed = new URL(uri.replace('*', 'wildcard'));
  } catch {
    return 'is not an absolute URI.';
  }
  if (parsed.hash !== '' || uri.includes('#')) {
    return 'must not contain a fragment.';
  }
  if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname === '') {
    return 'must name a host.';
  }
  if (uri.includes('*') && !wildcardAllowed) {
    return 'contains a wildcard, which needs wildcard_redirect SUBDOMAIN.';
  }
  return undefined;
}
