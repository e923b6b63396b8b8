// A view of the AWS provider that declares only the resources generated from `aws.github`. The
// engine plans every resource its providers declare and has no option to plan a subset, so the
// bootstrap hands it this view. The full, validated `aws` section goes in, because the roles'
// policies are scoped to the functions, log groups and secrets it names. Only the OIDC provider
// and the GitHub roles come out, and the engine plans, marks and applies them as in any other run.
import type { Provider, ProviderContext, ResourceHandler } from '../engine/provider.ts';
import { oidcProviderAddress } from '../providers/aws/resources.ts';

/** Address prefixes of the resources that `aws.github` generates. */
export const githubAddressPrefixes = [oidcProviderAddress, 'aws.githubRoles.'] as const;

/** Returns whether `address` is one of the resources that `aws.github` generates. */
export function isGitHubAddress(address: string): boolean {
  return githubAddressPrefixes.some((prefix) => address.startsWith(prefix));
}

/**
 * Wraps a handler so that `list`, which the engine calls to find resources to prune, returns only
 * GitHub resources. Otherwise the plan would show this environment's other roles as no longer in
 * the config.
 */
function githubOnlyHandler(handler: ResourceHandler): ResourceHandler {
  if (handler.list === undefined) {
    return handler;
  }
  // Inherit every other member, so methods keep working on the wrapper as `this`.
  const wrapped = Object.create(handler) as ResourceHandler;
  Object.defineProperty(wrapped, 'list', {
    value: async (context: ProviderContext) => {
      const entries = (await handler.list?.(context)) ?? [];
      return entries.filter((entry) => isGitHubAddress(entry.address));
    },
  });
  return wrapped;
}

/**
 * Returns a provider with the same name, schema and handlers as `aws` whose `resources` keeps only
 * the GitHub resources, and whose handlers are limited to the kinds those resources have.
 */
export function githubOnlyProvider(aws: Provider): Provider {
  const kinds = new Set(['aws:iam:OpenIDConnectProvider', 'aws:iam:Role']);
  const handlers = Object.fromEntries(
    Object.entries(aws.handlers)
      .filter(([, handler]) => kinds.has(handler.kind))
      .map(([key, handler]) => [key, githubOnlyHandler(handler)]),
  );
  return {
    name: aws.name,
    schema: aws.schema,
    ...(aws.check === undefined ? {} : { check: aws.check.bind(aws) }),
    resources(section) {
      return aws.resources(section).filter((resource) => isGitHubAddress(resource.address));
    },
    handlers,
  };
}
