// Mode deploy: the pull request's preview functions, then their Okta redirect URIs and trusted
// origins. run.ts writes the comment with the URLs.
import type { DeployedFunction } from './lambda.ts';
import { deployPreviewFunction } from './lambda.ts';
import { previewId } from './names.ts';
import type { PreviewSession } from './session.ts';

/** The deployed functions of a preview and the Okta records this run added. */
export interface DeployResult {
  readonly functions: readonly DeployedFunction[];
  /** Okta redirect URIs and trusted origins this run added; empty when they already existed. */
  readonly oktaChanges: readonly string[];
}

/** Deploys pull request `number`'s preview; each step is idempotent. */
export async function deployPreview(
  session: PreviewSession,
  number: number,
): Promise<DeployResult> {
  const { aws, provider, config, okta } = session;
  const identity = session.identityOf(number);
  const functions: DeployedFunction[] = [];
  for (const base of config.functions) {
    functions.push(await deployPreviewFunction(aws, provider, base, identity, session.workspace));
  }

  const oktaChanges: string[] = [];
  if (okta !== undefined) {
    const appAddress = config.okta?.appAddress;
    for (const fn of functions) {
      const record = {
        preview: previewId(identity),
        environment: identity.environment,
        functionName: fn.functionName,
      };
      if (appAddress !== undefined) {
        const redirectUri = `${fn.url}docs/oauth2-redirect`;
        const added = await okta.addRedirect(provider, appAddress, { ...record, redirectUri });
        if (added === 'added') oktaChanges.push(`Okta redirect URI ${redirectUri}`);
      }
      const origin = new URL(fn.url).origin;
      const result = await okta.ensureOrigin(provider, record, origin);
      if (result !== 'unchanged') oktaChanges.push(`Okta trusted origin ${origin}`);
    }
  }
  return { functions, oktaChanges };
}
