// What `npm start` prints once the stack is up: where to click, how to sign in, and where each
// value the function runs with comes from.
import { relative } from 'node:path';
import { isDeployed, readSnapshot } from '../lambda-runtime/code.ts';
import type { LocalStack } from './index.ts';

/** The values the deployed function received from the reconcile, as the AWS stand-in stores them. */
export interface DeployedSettings {
  readonly version: string;
  readonly codeSha256: string;
  readonly issuer: string | undefined;
  readonly clientId: string | undefined;
  readonly audience: string | undefined;
  readonly mongodbHost: string | undefined;
}

/** Reads the function version the URL serves, or undefined when nothing is deployed. */
export function deployedSettings(stack: LocalStack): DeployedSettings | undefined {
  const snapshot = readSnapshot(
    stack.standIns.aws.state(),
    stack.settings.functionName,
    stack.settings.qualifier,
  );
  if (!isDeployed(snapshot)) {
    return undefined;
  }
  return {
    version: snapshot.version,
    codeSha256: snapshot.codeSha256,
    issuer: snapshot.environment.OKTA_ISSUER,
    clientId: snapshot.environment.OKTA_CLIENT_ID,
    audience: snapshot.environment.OKTA_AUDIENCE,
    mongodbHost: snapshot.environment.MONGODB_HOST,
  };
}

/** Returns the lines printed after a successful start. */
export function describeStack(stack: LocalStack, root: string): string[] {
  const deployed = deployedSettings(stack);
  const { standIns, publicUrl, settings, overlay } = stack;
  const app =
    deployed?.clientId === undefined
      ? undefined
      : standIns.okta.findAppByClientId(deployed.clientId);
  const issuerNote =
    deployed?.issuer === standIns.oidc.issuer
      ? 'the local OpenID Provider; the Okta stand-in reports it as its authorization server issuer, so the Okta app output and OKTA_ISSUER carry it'
      : `WARNING: the function has ${deployed?.issuer ?? 'no issuer'}, not the local OpenID Provider; start with --fresh`;
  const lines = [
    '',
    `Ready in ${stack.startupSeconds.toFixed(1)} s.`,
    '',
    `  Docs:       ${publicUrl}/docs   (click Authorize, then sign in)`,
    `  User:       ${overlay.testUser.login}`,
    `  Password:   ${overlay.testUser.password}   (a local test account of the local OpenID Provider)`,
    `  API:        ${publicUrl}   (GET /health, /openapi.json)`,
    `  Function:   ${settings.functionName}:${settings.qualifier} = version ${deployed?.version ?? '?'}, CodeSha256 ${deployed?.codeSha256 ?? '?'}`,
    `  Issuer:     ${deployed?.issuer ?? '?'} (${issuerNote})`,
    `  Client id:  ${deployed?.clientId ?? '?'} (Okta app "${app?.label ?? '?'}", created by the reconcile)`,
    `  MongoDB:    ${standIns.mongo.uri} (the MongoDB stand-in, given to the function as MONGODB_URI: its MONGODB_HOST ${deployed?.mongodbHost ?? '?'} is the Atlas stand-in's cluster, which no server answers offline)`,
    `  Stand-ins:  AWS ${standIns.aws.url}, Atlas ${standIns.atlas.url}, Okta ${standIns.okta.url}, OpenID Provider ${standIns.oidc.url}`,
    `  State:      ${relative(root, stack.stateFolder)}/ (the next npm start begins with a no-op plan; npm start -- --fresh starts over)`,
    `  Logs:       ${relative(root, stack.functionLogPath)} (the function's output)`,
  ];
  const redirectUri = `${publicUrl}/docs/oauth2-redirect`;
  const registered = app?.redirectUris ?? [];
  if (!registered.includes(redirectUri)) {
    lines.push(
      '',
      `  Note: the docs page redirects to ${redirectUri} after sign-in, which config/${overlay.environment}.yaml does not register (it registers ${registered.join(', ') || 'none'}), so the local OpenID Provider rejects the sign-in. Start on the port the config registers to sign in from the docs page.`,
    );
  }
  return lines;
}
