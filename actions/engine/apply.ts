// Apply: execute a plan this process made. Resources run in dependency order, and independent
// ones run in parallel within the bound. Every handler call is retried on retryable errors.
// Deferred fields follow once the resources they reference exist.
import { diffSpec, maskedValue } from './compare.ts';
import type {
  ApplyResult,
  AppliedResource,
  OutputValue,
  Plan,
  PlannedResource,
} from './plan-model.ts';
import {
  planInternals,
  resolveSpec,
  sensitivePaths,
  splitDeferred,
  withoutDeferred,
} from './plan.ts';
import type { PlanInternals } from './plan.ts';
import type { DesiredResource, FieldChange, Observation, SpecValue } from './provider.ts';
import { containsUnknown } from './references.ts';
import { EngineError, knownOutputs } from './runtime.ts';
import type { ResourceState } from './runtime.ts';
import { runTasks } from './scheduler.ts';
import type { Task, TaskOutcome } from './scheduler.ts';

type Spec = Record<string, SpecValue>;

class Applier {
  constructor(
    private readonly internals: PlanInternals,
    private readonly secrets: ReadonlyMap<string, string>,
  ) {}

  private get runtime() {
    return this.internals.runtime;
  }

  /** The resource with references resolved against what exists now, deferred fields left out. */
  private desired(
    planned: PlannedResource,
    includeDeferred: boolean,
  ): { resource: DesiredResource; spec: Spec } {
    const state = this.internals.states.get(planned.address)!;
    const resolved = resolveSpec(this.runtime, state, this.internals.states, this.secrets);
    const spec = includeDeferred ? resolved : withoutDeferred(resolved, planned.deferred ?? []);
    if (containsUnknown(spec)) {
      throw new EngineError(
        'ERR_OUTPUT_MISSING',
        `${planned.address}: a referenced output is still unknown after its resource was applied; check that the provider returns every output it declares`,
      );
    }
    return { resource: { ...state.node.resource, spec }, spec };
  }

  private changes(state: ResourceState, spec: Spec, observed: Observation): FieldChange[] {
    return diffSpec(spec, observed.spec, {
      fields: state.node.handler.fields,
      secretPaths: sensitivePaths(state, this.internals.states),
    });
  }

  /**
   * Creates a resource. Before a retry it observes again, so a create the vendor completed
   * despite a timeout or throttling error is found instead of duplicated.
   */
  private async create(state: ResourceState, resource: DesiredResource): Promise<Observation> {
    const { handler } = state.node;
    const context = this.runtime.context(resource.address);
    let found: Observation | undefined;
    const created = await this.runtime.call('create', resource.address, async (attempt) => {
      if (attempt > 1) {
        found = await handler.observe(context, resource);
        if (found !== undefined) {
          return found;
        }
      }
      return handler.create(context, resource);
    });
    if (found === undefined) {
      return created;
    }
    context.log.info(
      `found after a failed create attempt (id ${found.id}); updating it instead of creating another`,
    );
    const changes = this.changes(state, resource.spec, found);
    if (changes.length === 0) {
      return found;
    }
    return this.runtime.call('update', resource.address, () =>
      handler.update(context, resource, found!, changes),
    );
  }

  async applyResource(planned: PlannedResource): Promise<void> {
    const state = this.internals.states.get(planned.address)!;
    const { handler } = state.node;
    const context = this.runtime.context(planned.address);
    const { resource, spec } = this.desired(planned, false);
    const label = `${planned.kind} ${planned.name}`;

    if (planned.action === 'create') {
      context.log.info(`creating ${label}`);
      state.observation = await this.create(state, resource);
      state.decision = 'exists';
      context.log.info(`created ${label} (id ${state.observation.id})`);
      return;
    }
    if (planned.action === 'replace') {
      const old = state.observation!;
      context.log.info(
        `replacing ${label} (id ${old.id}) because ${planned.replaceBecause?.join(', ')} cannot change in place`,
      );
      await this.runtime.call('delete', planned.address, () => handler.delete(context, old));
      state.observation = await this.create(state, resource);
      state.decision = 'exists';
      context.log.info(`replaced ${label} (new id ${state.observation.id})`);
      return;
    }
    if (planned.action === 'update') {
      const observed = state.observation!;
      const { now } = splitDeferred(this.changes(state, spec, observed), planned.deferred ?? []);
      if (now.length === 0 && planned.adopt === undefined) {
        if ((planned.deferred ?? []).length === 0) {
          context.log.info(`${label} already matches the config`);
        }
        return;
      }
      const verb = planned.adopt === undefined ? 'updating' : 'adopting';
      context.log.info(
        `${verb} ${label}: ${now.map((change) => change.path).join(', ') || 'ownership marker'}`,
      );
      state.observation = await this.runtime.call('update', planned.address, () =>
        handler.update(context, resource, observed, now),
      );
      return;
    }
    throw new EngineError(
      'ERR_PLAN_ACTION',
      `${planned.address}: cannot apply action ${planned.action}`,
    );
  }

  /** Applies the deferred fields of a resource once the resources they reference exist. */
  async applyDeferred(planned: PlannedResource): Promise<void> {
    const state = this.internals.states.get(planned.address)!;
    const context = this.runtime.context(planned.address);
    const { resource, spec } = this.desired(planned, true);
    const observed = state.observation!;
    const { later } = splitDeferred(this.changes(state, spec, observed), planned.deferred ?? []);
    if (later.length === 0) {
      return;
    }
    context.log.info(`updating deferred ${later.map((change) => change.path).join(', ')}`);
    state.observation = await this.runtime.call('update', planned.address, () =>
      state.node.handler.update(context, resource, observed, later),
    );
  }
}

/** Plans already applied: their observations are stale, so applying again could duplicate. */
const applied = new WeakSet<Plan>();

function deferredId(address: string): string {
  return `${address} (deferred fields)`;
}

function buildTasks(plan: Plan, internals: PlanInternals, applier: Applier): Task[] {
  const tasks: Task[] = [];
  const active = plan.resources.filter((resource) => resource.action !== 'no-op');
  const withTask = new Set(active.map((resource) => resource.address));
  for (const planned of active) {
    tasks.push({
      id: planned.address,
      after: planned.dependsOn.filter((address) => withTask.has(address)),
      run: () => applier.applyResource(planned),
    });
  }
  for (const planned of plan.resources) {
    if (planned.deferred === undefined || planned.deferred.length === 0) {
      continue;
    }
    const after = new Set([planned.address, ...planned.deferred.flatMap((field) => field.after)]);
    tasks.push({
      id: deferredId(planned.address),
      after: [...after].filter((address) => withTask.has(address)),
      run: () => applier.applyDeferred(planned),
    });
  }

  // Prune deletes go last and one at a time, in the plan's order (dependents first).
  let previous: string[] = tasks.map((task) => task.id);
  for (const target of internals.pruneTargets) {
    if (target.planned.action !== 'delete') {
      continue;
    }
    const id = `prune ${target.planned.address} ${target.planned.id}`;
    tasks.push({
      id,
      after: previous,
      run: async () => {
        const context = internals.runtime.context(target.planned.address);
        context.log.info(
          `pruning ${target.planned.kind} ${target.planned.name} (id ${target.planned.id}): ${target.planned.reason}`,
        );
        await internals.runtime.call('delete', target.planned.address, () =>
          target.handler.delete(context, target.entry),
        );
      },
    });
    previous = [id];
  }
  return tasks;
}

function describeOutcome(
  outcome: TaskOutcome | undefined,
): Pick<AppliedResource, 'status' | 'message'> {
  if (outcome === undefined || outcome.status === 'done') {
    return { status: 'done' };
  }
  if (outcome.status === 'skipped') {
    return {
      status: 'skipped',
      message: `not applied because ${outcome.because} did not complete`,
    };
  }
  const error = outcome.error;
  return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
}

function collectResults(
  plan: Plan,
  outcomes: ReadonlyMap<string, TaskOutcome>,
  internals: PlanInternals,
): AppliedResource[] {
  const results: AppliedResource[] = [];
  for (const planned of plan.resources) {
    if (planned.action === 'no-op') {
      results.push({ address: planned.address, action: planned.action, status: 'unchanged' });
      continue;
    }
    let outcome = describeOutcome(outcomes.get(planned.address));
    const deferred = outcomes.get(deferredId(planned.address));
    if (outcome.status === 'done' && deferred !== undefined && deferred.status !== 'done') {
      const detail = describeOutcome(deferred);
      outcome = {
        status: detail.status === 'skipped' ? 'failed' : detail.status,
        message: `deferred fields: ${detail.message}`,
      };
    }
    results.push({ address: planned.address, action: planned.action, ...outcome });
  }
  for (const target of internals.pruneTargets) {
    if (target.planned.action === 'delete') {
      const outcome = describeOutcome(
        outcomes.get(`prune ${target.planned.address} ${target.planned.id}`),
      );
      results.push({ address: target.planned.address, action: 'delete', ...outcome });
    }
  }
  return results.map((result) =>
    result.message === undefined
      ? result
      : { ...result, message: internals.runtime.redactor.redact(result.message) },
  );
}

/**
 * Applies a plan made by `createPlan` in this process. Refuses plans with conflicts and plans
 * whose secrets cannot be resolved, before any write. Failures do not stop independent
 * resources; resources that depend on a failed one are skipped. Re-running plan and apply after
 * a failure or a crash continues from what exists.
 */
export async function applyPlan(plan: Plan): Promise<ApplyResult> {
  const internals = planInternals(plan);
  if (internals === undefined) {
    throw new EngineError(
      'ERR_PLAN_FOREIGN',
      'apply needs a plan made by this process; plan again, then apply it',
    );
  }
  if (applied.has(plan)) {
    throw new EngineError(
      'ERR_PLAN_APPLIED',
      'this plan was already applied, and what it observed is out of date; plan again, then apply the new plan',
    );
  }
  applied.add(plan);
  const conflicts = plan.resources.filter((resource) => resource.action === 'conflict');
  if (conflicts.length > 0) {
    throw new EngineError(
      'ERR_PLAN_CONFLICT',
      `apply stopped before any change: ${conflicts.length} resource(s) conflict with existing ones they do not own: ${conflicts.map((resource) => resource.address).join(', ')}`,
    );
  }
  const { values, failures } = await internals.runtime.resolveSecrets(internals.secretReferences);
  if (failures.size > 0) {
    throw new EngineError(
      'ERR_SECRET_UNRESOLVED',
      `apply stopped before any change: ${[...failures.values()].join('; ')}`,
    );
  }

  const applier = new Applier(internals, values);
  const outcomes = await runTasks(
    buildTasks(plan, internals, applier),
    internals.runtime.concurrency,
  );
  const resources = collectResults(plan, outcomes, internals);
  for (const result of resources) {
    if (result.status === 'failed' || result.status === 'skipped') {
      internals.runtime.log.warning(`${result.address}: ${result.status}: ${result.message}`);
    }
  }

  const outputs: Record<string, Record<string, OutputValue>> = {};
  for (const address of [...internals.states.keys()].sort()) {
    outputs[address] = knownOutputs(internals.states.get(address)!, maskedValue);
  }
  return {
    version: 1,
    environment: plan.environment,
    succeeded: resources.every(
      (result) => result.status === 'done' || result.status === 'unchanged',
    ),
    resources,
    outputs,
  };
}
