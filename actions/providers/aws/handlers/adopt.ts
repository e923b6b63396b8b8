// Recovery from a create that AWS rejected because the resource exists: adopted when its marker
// proves it ours (a previous create whose response was lost), rejected otherwise.
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
} from '../../../engine/provider.ts';
import { ProviderError } from '../../../engine/provider.ts';
import { markerKeys } from '../tags.ts';

/**
 * Handles "already exists" from a create: observes the resource and, when it carries this
 * resource's marker, converges it through `update`. Throws `NOT_OWNED` when it does not.
 */
export async function adoptExisting(
  handler: ResourceHandler,
  context: ProviderContext,
  resource: DesiredResource,
  kindLabel: string,
  error: ProviderError,
): Promise<Observation> {
  const observed = await handler.observe(context, resource);
  if (observed === undefined) {
    // AWS reported it exists but a read does not show it yet (eventual consistency), so retry later.
    throw error;
  }
  if (observed.ownership !== 'owned') {
    const marker = context.marker(resource.address);
    throw new ProviderError(
      'NOT_OWNED',
      `${kindLabel} ${resource.name} already exists and does not carry the ownership marker of ${resource.address} in ${context.environment}. ` +
        `Rename it in the config, delete the existing one, or tag it ${markerKeys.managedBy}=${marker.managedBy}, ${markerKeys.environment}=${marker.environment}, ${markerKeys.address}=${marker.address} to adopt it.`,
      { vendorCode: error.vendorCode, cause: error },
    );
  }
  context.log.info(
    `${kindLabel} ${resource.name} already exists with the marker of ${resource.address}: a previous create succeeded without its response arriving. Adopting it.`,
  );
  return handler.update(context, resource, observed, []);
}
