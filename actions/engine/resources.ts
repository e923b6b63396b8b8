// The resources a config declares, each with the provider and handler that reconcile it.
import type { GraphResource } from './graph.ts';
import type { DesiredResource, Provider, ResourceHandler } from './provider.ts';

/** The validated config the engine reconciles. */
export interface ReconcileConfig {
  readonly environment: string;
  readonly prune: boolean;
  /** Validated sections by provider name; a provider without a section declares nothing. */
  readonly sections: Readonly<Record<string, unknown>>;
}

export interface ResourceProblem {
  readonly rule: 'resource.unknown-kind' | 'resource.duplicate-address' | 'resource.bad-address';
  readonly address: string;
  readonly message: string;
}

export interface DeclaredResource extends GraphResource {
  readonly provider: string;
}

/** Finds a provider's handler for a kind, by key or by the handler's own `kind`. */
export function findHandler(provider: Provider, kind: string): ResourceHandler | undefined {
  return (
    provider.handlers[kind] ??
    Object.values(provider.handlers).find((handler) => handler.kind === kind)
  );
}

/**
 * Lists the resources of every provider's section in config order, with their handlers. Resources
 * without a handler, with a duplicate address, or with an address outside their provider's
 * prefix are reported and left out.
 */
export function declareResources(
  providers: readonly Provider[],
  sections: Readonly<Record<string, unknown>>,
): { resources: DeclaredResource[]; problems: ResourceProblem[] } {
  const resources: DeclaredResource[] = [];
  const problems: ResourceProblem[] = [];
  const seen = new Set<string>();
  for (const provider of providers) {
    const section = sections[provider.name];
    if (section === undefined) {
      continue;
    }
    let declared: DesiredResource[];
    try {
      declared = provider.resources(section);
    } catch (error) {
      throw new Error(
        `provider ${provider.name} failed to list the resources of its section: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    for (const resource of declared) {
      const handler = findHandler(provider, resource.kind);
      if (!resource.address.startsWith(`${provider.name}.`)) {
        problems.push({
          rule: 'resource.bad-address',
          address: resource.address,
          message: `provider ${provider.name} declared ${resource.address}, which does not start with "${provider.name}."`,
        });
      } else if (seen.has(resource.address)) {
        problems.push({
          rule: 'resource.duplicate-address',
          address: resource.address,
          message: `two resources have the address ${resource.address}; rename one of the keys`,
        });
      } else if (handler === undefined) {
        problems.push({
          rule: 'resource.unknown-kind',
          address: resource.address,
          message: `provider ${provider.name} has no handler for kind ${resource.kind}`,
        });
      } else {
        seen.add(resource.address);
        resources.push({ resource, handler, provider: provider.name, index: resources.length });
      }
    }
  }
  return { resources, problems };
}
