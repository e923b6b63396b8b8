// The AWS provider: IAM roles and the GitHub OIDC provider, Lambda functions with their log groups
// and function URLs, and budgets, reconciled through the real AWS SDK clients.
import type { Provider } from '../../engine/provider.ts';
import { checkAwsSection } from './check.ts';
import { createBudgetHandler } from './handlers/budget.ts';
import { createFunctionUrlHandler } from './handlers/function-url.ts';
import { createFunctionHandler } from './handlers/function.ts';
import { createOidcProviderHandler } from './handlers/oidc-provider.ts';
import { createRoleHandler } from './handlers/role.ts';
import { awsResources } from './resources.ts';
import { AwsRuntime } from './runtime.ts';
import type { AwsProviderOptions } from './runtime.ts';
import { awsSchema } from './schema.ts';
import type { AwsSection } from './schema.ts';

export { awsSchema } from './schema.ts';
export type { AwsSection } from './schema.ts';
export type { AwsProviderOptions, AwsTiming } from './runtime.ts';
export type { AwsCredentials } from './clients.ts';

/** The AWS provider, plus `destroy` to close the SDK clients' sockets when a run ends. */
export interface AwsProvider extends Provider<AwsSection> {
  destroy(): void;
}

/** Creates the provider named `aws` for the config's `aws:` section. */
export function createAwsProvider(options: AwsProviderOptions): AwsProvider {
  const runtime = new AwsRuntime(options);
  const handlers = [
    createRoleHandler(runtime),
    createOidcProviderHandler(runtime),
    createFunctionHandler(runtime),
    createFunctionUrlHandler(runtime),
    createBudgetHandler(runtime),
  ];
  return {
    name: 'aws',
    schema: awsSchema,
    check: checkAwsSection,
    resources(section) {
      runtime.section = section;
      return awsResources(section);
    },
    handlers: Object.fromEntries(handlers.map((handler) => [handler.kind, handler])),
    destroy: () => runtime.clients.destroy(),
  };
}
