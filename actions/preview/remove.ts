// Mode remove (and the sweep for each closed pull request): delete the preview functions with
// their log groups, then the Okta redirect URIs and trusted origins the preview recorded.
import { ProviderError } from '../engine/provider.ts';
import type { ProviderContext } from '../engine/provider.ts';
import type { OktaPreviews, PreviewFilter } from '../providers/okta/index.ts';
import { removePreviewFunction } from './lambda.ts';
import { previewFunctionName, previewId } from './names.ts';
import type { PreviewSession } from './session.ts';

/**
 * Removes the Okta records `filter` picks. Returns what was removed. An app that does not exist
 * has no preview redirect URIs, so that case removes nothing instead of failing.
 */
export async function removeOktaRecords(
  okta: OktaPreviews,
  context: ProviderContext,
  appAddress: string | undefined,
  filter: PreviewFilter,
): Promise<string[]> {
  const removed: string[] = [];
  if (appAddress !== undefined) {
    try {
      for (const entry of await okta.removeRedirects(context, appAddress, filter)) {
        removed.push(`Okta redirect URI ${entry.redirectUri}`);
      }
    } catch (error) {
      if (!(error instanceof ProviderError && error.code === 'NOT_FOUND')) throw error;
      context.log.warning(`okta: ${error.message}`);
    }
  }
  for (const origin of await okta.removeOrigins(context, filter)) {
    removed.push(`Okta trusted origin ${origin.origin}`);
  }
  return removed;
}

/** Removes everything of pull request `number`'s preview. Returns what was removed. */
export async function removePreview(session: PreviewSession, number: number): Promise<string[]> {
  const { aws, provider, config, okta } = session;
  const identity = session.identityOf(number);
  const removed: string[] = [];
  for (const base of config.functions) {
    const functionName = previewFunctionName(base.functionName, number);
    removed.push(...(await removePreviewFunction(aws, provider, functionName, identity)));
  }
  if (okta !== undefined) {
    const id = previewId(identity);
    removed.push(
      ...(await removeOktaRecords(
        okta,
        provider,
        config.okta?.appAddress,
        (record) => record.preview === id && record.environment === identity.environment,
      )),
    );
  }
  return removed;
}
