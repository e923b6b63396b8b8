// The engine's entry point: compose it with providers, then plan and apply validated configs.
import { applyPlan } from './apply.ts';
import { createPlan } from './plan.ts';
import type { ApplyResult, Plan } from './plan-model.ts';
import type { Provider } from './provider.ts';
import type { ReconcileConfig } from './resources.ts';
import { Runtime } from './runtime.ts';
import type { EngineOptions } from './runtime.ts';

export interface Engine {
  /** Observes every resource and returns the plan. Never writes. */
  plan(config: ReconcileConfig): Promise<Plan>;
  /** Applies a plan that `plan` returned in this process. */
  apply(plan: Plan): Promise<ApplyResult>;
}

/** Creates an engine over `providers`, in the order their sections and resources are listed. */
export function createEngine(providers: readonly Provider[], options: EngineOptions): Engine {
  const names = providers.map((provider) => provider.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new Error(`two providers are named ${duplicate}; each config section needs exactly one`);
  }
  return {
    plan: (config) => createPlan(new Runtime(config.environment, options), providers, config),
    apply: (plan) => applyPlan(plan),
  };
}
