// Observe, then plan: read every resource (read-only, concurrent within a bound, in reference
// order), decide what each needs, and list owned resources that left the config.
import { compareText, diffSpec, maskedValue } from './compare.ts';
import { buildGraph } from './graph.ts';
import type { ResourceGraph } from './graph.ts';
import { findFieldRule, formatPath } from './paths.ts';
import type { PathSegment } from './paths.ts';
import { summarise } from './plan-model.ts';
import type {
  DeferredField,
  OutputValue,
  Plan,
  PlannedResource,
  PrunedResource,
} from './plan-model.ts';
import type { FieldChange, Observation, Provider, ResourceHandler, SpecValue } from './provider.ts';
import { isUnknown } from './provider.ts';
import { collectReferences, containsUnknown, resolveReferences } from './references.ts';
import type { Reference } from './references.ts';
import { declareResources } from './resources.ts';
import type { ReconcileConfig } from './resources.ts';
import { EngineError, createLookup, knownOutputs } from './runtime.ts';
import type { ResourceState, Runtime } from './runtime.ts';
import { runTasks } from './scheduler.ts';

/** An owned resource to delete because it left the config. */
export interface PruneTarget {
  readonly entry: Observation & { address: string; name: string };
  readonly handler: ResourceHandler;
  readonly provider: string;
  readonly planned: PrunedResource;
}

/** State that apply needs beyond the plan value; never serialised. */
export interface PlanInternals {
  readonly runtime: Runtime;
  readonly graph: ResourceGraph;
  readonly states: Map<string, ResourceState>;
  readonly pruneTargets: readonly PruneTarget[];
  readonly secretReferences: readonly Reference[];
}

const internals = new WeakMap<Plan, PlanInternals>();

/** Returns the internals of a plan this process made, or `undefined` for a plan read from JSON. */
export function planInternals(plan: Plan): PlanInternals | undefined {
  return internals.get(plan);
}

type Spec = Record<string, SpecValue>;

function valueAt(spec: Spec, key: string): SpecValue | undefined {
  let current: SpecValue | undefined = spec;
  for (const segment of key.split('.')) {
    if (
      current === null ||
      typeof current !== 'object' ||
      Array.isArray(current) ||
      isUnknown(current)
    ) {
      return undefined;
    }
    current = current[segment];
  }
  return current;
}

/** Spec paths whose values come from secrets or sensitive outputs, to mask in diffs. */
export function sensitivePaths(
  state: ResourceState,
  states: ReadonlyMap<string, ResourceState>,
): string[] {
  const paths = new Set<string>();
  for (const { path, reference } of collectReferences(state.node.resource.spec).references) {
    const sensitiveOutput =
      reference.type === 'output' &&
      (states.get(reference.address)?.node.handler.sensitiveOutputs?.includes(reference.output) ??
        false);
    if (reference.type === 'secret' || sensitiveOutput) {
      paths.add(formatPath(path));
    }
  }
  return [...paths].sort();
}

/** Resolves a resource's spec against the current state. */
export function resolveSpec(
  runtime: Runtime,
  state: ResourceState,
  states: ReadonlyMap<string, ResourceState>,
  secrets: ReadonlyMap<string, string>,
): Spec {
  const lookup = createLookup(states, secrets, (value) => runtime.redactor.add(value));
  return resolveReferences(state.node.resource.spec, lookup) as Spec;
}

/** Deferrable rule keys of a handler that the spec sets. */
function deferrableKeys(handler: ResourceHandler, spec: Spec): string[] {
  return Object.entries(handler.fields ?? {})
    .filter(([key, rule]) => rule.deferrable === true && valueAt(spec, key) !== undefined)
    .map(([key]) => key)
    .sort();
}

/**
 * Fields to leave out of the first write: deferrable fields whose value is still unknown, with
 * the resources they wait for.
 */
export function deferredFields(
  state: ResourceState,
  graph: ResourceGraph,
  resolved: Spec,
  states: ReadonlyMap<string, ResourceState>,
): DeferredField[] {
  const lookup = createLookup(states, new Map());
  const deferred: DeferredField[] = [];
  for (const key of deferrableKeys(state.node.handler, resolved)) {
    if (!containsUnknown(valueAt(resolved, key))) {
      continue;
    }
    const after = new Set<string>();
    for (const edge of graph.edges) {
      const under = findFieldRule(state.node.handler.fields, edge.path)?.key === key;
      if (edge.from !== state.node.resource.address || !edge.deferrable || !under) {
        continue;
      }
      const value = lookup({
        type: 'output',
        text: `\${${edge.to}.${edge.output}}`,
        address: edge.to,
        output: edge.output,
      });
      if (isUnknown(value)) {
        after.add(edge.to);
      }
    }
    const order = graph.order;
    deferred.push({
      path: key,
      after: [...after].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    });
  }
  return deferred;
}

function isUnderDeferred(change: FieldChange, deferred: readonly DeferredField[]): boolean {
  return deferred.some(
    (field) =>
      change.path === field.path ||
      change.path.startsWith(`${field.path}.`) ||
      change.path.startsWith(`${field.path}[`),
  );
}

/** Splits changes into those applied in the first write and those deferred. */
export function splitDeferred(
  changes: readonly FieldChange[],
  deferred: readonly DeferredField[],
): { now: FieldChange[]; later: FieldChange[] } {
  return {
    now: changes.filter((change) => !isUnderDeferred(change, deferred)),
    later: changes.filter((change) => isUnderDeferred(change, deferred)),
  };
}

/** Leaves deferred fields out of a spec. */
export function withoutDeferred(spec: Spec, deferred: readonly DeferredField[]): Spec {
  let result: Spec = spec;
  for (const field of deferred) {
    const keys = field.path.split('.');
    const strip = (value: Spec, depth: number): Spec => {
      const key = keys[depth]!;
      if (!(key in value)) {
        return value;
      }
      const copy = { ...value };
      if (depth === keys.length - 1) {
        delete copy[key];
      } else {
        const child = copy[key];
        if (
          child !== null &&
          typeof child === 'object' &&
          !Array.isArray(child) &&
          !isUnknown(child)
        ) {
          copy[key] = strip(child, depth + 1);
        }
      }
      return copy;
    };
    result = strip(result, 0);
  }
  return result;
}

function replaceFields(handler: ResourceHandler, changes: readonly FieldChange[]): string[] {
  return changes
    .filter((change) => {
      const rule = findFieldRule(handler.fields, parseKeys(change.path))?.rule;
      return rule?.replaceOnChange === true && rule.deferrable !== true;
    })
    .map((change) => change.path);
}

function parseKeys(path: string): PathSegment[] {
  return path
    .replace(/\[\d+\]/g, '')
    .split('.')
    .filter((segment) => segment !== '');
}

async function observeOne(
  runtime: Runtime,
  state: ResourceState,
  states: ReadonlyMap<string, ResourceState>,
  secrets: ReadonlyMap<string, string>,
): Promise<void> {
  const { resource, handler } = state.node;
  const context = runtime.context(resource.address);
  const forObserve = resolveReferences(resource.spec, createLookup(states, new Map())) as Spec;
  const unknownIdentity = (handler.identity ?? []).filter((field) =>
    containsUnknown(forObserve[field]),
  );
  if (unknownIdentity.length > 0) {
    context.log.debug(
      `not observed: ${unknownIdentity.join(', ')} known only after apply, so it cannot exist yet`,
    );
    state.decision = 'create';
    return;
  }

  const observation = await runtime.call('observe', resource.address, () =>
    handler.observe(context, { ...resource, spec: forObserve }),
  );
  state.observation = observation;
  if (observation === undefined) {
    state.decision = 'create';
  } else if (observation.ownership === 'foreign' && observation.ownershipProof === undefined) {
    state.decision = 'conflict';
  } else {
    const resolved = resolveSpec(runtime, state, states, secrets);
    const changes = diffSpec(resolved, observation.spec, { fields: handler.fields });
    state.decision = replaceFields(handler, changes).length > 0 ? 'replace' : 'exists';
  }
}

/** Observes every resource; a failed observe fails the plan with every failure listed. */
async function observeAll(
  runtime: Runtime,
  graph: ResourceGraph,
  states: ReadonlyMap<string, ResourceState>,
  secrets: ReadonlyMap<string, string>,
): Promise<void> {
  const tasks = graph.order.map((address) => ({
    id: address,
    after: graph.dependencies(address),
    run: () => observeOne(runtime, states.get(address)!, states, secrets),
  }));
  const outcomes = await runTasks(tasks, runtime.concurrency);
  const errors: unknown[] = [];
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'failed') {
      errors.push(outcome.error);
    }
  }
  if (errors.length > 0) {
    const messages = errors.map((error) =>
      error instanceof Error ? error.message : String(error),
    );
    throw new EngineError(
      'ERR_OBSERVE_FAILED',
      `observe failed for ${errors.length} resource(s):\n${messages.join('\n')}`,
      { cause: errors[0] },
    );
  }
}

function conflictMessage(state: ResourceState): string {
  const { resource } = state.node;
  return (
    `${resource.kind} ${resource.name} exists (id ${state.observation?.id}) without this environment's ownership marker, ` +
    'so the engine will not change or adopt it. Rename the resource in the config, or delete or tag the existing one by hand if it is really yours.'
  );
}

function planResource(
  runtime: Runtime,
  graph: ResourceGraph,
  state: ResourceState,
  states: ReadonlyMap<string, ResourceState>,
  secrets: ReadonlyMap<string, string>,
): PlannedResource {
  const { resource, handler } = state.node;
  const name = resolveReferences(resource.name, createLookup(states, new Map()));
  const base = {
    address: resource.address,
    provider: state.provider,
    kind: resource.kind,
    name: typeof name === 'string' ? name : resource.name,
    ...(state.observation === undefined ? {} : { id: state.observation.id }),
    dependsOn: graph.dependencies(resource.address),
  };
  if (state.decision === 'conflict') {
    return { ...base, action: 'conflict', changes: [], conflict: conflictMessage(state) };
  }

  const resolved = resolveSpec(runtime, state, states, secrets);
  const options = { fields: handler.fields, secretPaths: sensitivePaths(state, states) };
  const observed = state.decision === 'create' ? {} : state.observation!.spec;
  const changes = diffSpec(resolved, observed, options);
  const deferred = deferredFields(state, graph, resolved, states);
  const withDeferred = deferred.length > 0 ? { deferred } : {};

  if (state.decision === 'create') {
    return { ...base, action: 'create', changes, ...withDeferred };
  }
  if (state.decision === 'replace') {
    return {
      ...base,
      action: 'replace',
      changes,
      replaceBecause: replaceFields(handler, changes),
      ...withDeferred,
    };
  }
  const proof =
    state.observation?.ownership === 'foreign' ? state.observation.ownershipProof : undefined;
  const adopt = proof === undefined ? {} : { adopt: proof };
  if (changes.length === 0 && proof === undefined) {
    return { ...base, action: 'no-op', changes };
  }
  return { ...base, action: 'update', changes, ...withDeferred, ...adopt };
}

/** Deletes run in reverse order of kinds as the config uses them, dependents first. */
function kindRanks(providers: readonly Provider[], graph: ResourceGraph): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const address of graph.order) {
    const kind = graph.resources.get(address)!.resource.kind;
    if (!ranks.has(kind)) {
      ranks.set(kind, ranks.size);
    }
  }
  for (const provider of providers) {
    for (const handler of Object.values(provider.handlers)) {
      if (!ranks.has(handler.kind)) {
        ranks.set(handler.kind, ranks.size);
      }
    }
  }
  return ranks;
}

function pruneReason(
  entry: Observation & { address: string },
  kind: string,
  state: ResourceState | undefined,
): string | undefined {
  if (state === undefined) {
    return 'no longer in the config';
  }
  if (state.node.resource.kind !== kind) {
    return `the config now declares a ${state.node.resource.kind} at this address`;
  }
  const replacing = state.decision === 'create' || state.decision === 'replace';
  if (replacing && state.observation?.id !== entry.id) {
    return 'left over under the old name: the config now names this resource differently';
  }
  return undefined;
}

async function listPrunable(
  runtime: Runtime,
  providers: readonly Provider[],
  graph: ResourceGraph,
  states: ReadonlyMap<string, ResourceState>,
  prune: boolean,
): Promise<PruneTarget[]> {
  const targets: PruneTarget[] = [];
  const tasks = providers.flatMap((provider) =>
    Object.values(provider.handlers)
      .filter((handler) => handler.list !== undefined)
      .map((handler) => ({
        id: `${provider.name} ${handler.kind}`,
        after: [],
        run: async () => {
          const entries = await runtime.call('list', handler.kind, () =>
            handler.list!(runtime.context(provider.name)),
          );
          for (const entry of entries) {
            if (entry.ownership !== 'owned') {
              runtime.log.warning(
                `${provider.name}: list for ${handler.kind} returned ${entry.address} (id ${entry.id}) without the ownership marker; it is never pruned`,
              );
              continue;
            }
            const reason = pruneReason(entry, handler.kind, states.get(entry.address));
            if (reason === undefined) {
              continue;
            }
            const planned: PrunedResource = {
              address: entry.address,
              provider: provider.name,
              kind: handler.kind,
              name: entry.name,
              id: entry.id,
              action: prune ? 'delete' : 'retain',
              reason: prune ? reason : `${reason}; kept because prune is false`,
            };
            targets.push({ entry, handler, provider: provider.name, planned });
          }
        },
      })),
  );
  const outcomes = await runTasks(tasks, runtime.concurrency);
  for (const [id, outcome] of outcomes) {
    if (outcome.status === 'failed') {
      const message =
        outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      throw new EngineError('ERR_LIST_FAILED', `listing ${id} for pruning failed: ${message}`, {
        cause: outcome.error,
      });
    }
  }
  const ranks = kindRanks(providers, graph);
  return targets.sort((a, b) => {
    const rank = (ranks.get(b.planned.kind) ?? 0) - (ranks.get(a.planned.kind) ?? 0);
    if (rank !== 0) {
      return rank;
    }
    return (
      compareText(a.planned.address, b.planned.address) || compareText(a.planned.id, b.planned.id)
    );
  });
}

function outputsOf(states: ReadonlyMap<string, ResourceState>, order: readonly string[]) {
  const outputs: Record<string, Record<string, OutputValue>> = {};
  for (const address of [...order].sort()) {
    outputs[address] = knownOutputs(states.get(address)!, maskedValue);
  }
  return outputs;
}

/** Builds the graph and the per-resource state; throws on problems validation should have caught. */
export function prepare(
  providers: readonly Provider[],
  config: ReconcileConfig,
): { graph: ResourceGraph; states: Map<string, ResourceState> } {
  const declared = declareResources(providers, config.sections);
  const graph = buildGraph(declared.resources);
  const problems = [...declared.problems, ...graph.problems];
  if (problems.length > 0) {
    throw new EngineError(
      'ERR_CONFIG_INVALID',
      `the config has ${problems.length} problem(s); run validate for details:\n${problems.map((problem) => `${problem.address}: ${problem.message}`).join('\n')}`,
    );
  }
  const states = new Map<string, ResourceState>(
    declared.resources.map((node) => [node.resource.address, { node, provider: node.provider }]),
  );
  return { graph, states };
}

/** Lists every secret reference in the config's resources. */
export function secretReferencesOf(states: ReadonlyMap<string, ResourceState>): Reference[] {
  const references: Reference[] = [];
  for (const state of states.values()) {
    for (const found of collectReferences(state.node.resource.spec).references) {
      if (found.reference.type === 'secret') {
        references.push(found.reference);
      }
    }
  }
  return references;
}

/**
 * Observes everything and returns the plan. Never writes: only handlers' `observe` and `list` are
 * called. Secrets that cannot be resolved leave their fields unknown, with a warning.
 */
export async function createPlan(
  runtime: Runtime,
  providers: readonly Provider[],
  config: ReconcileConfig,
): Promise<Plan> {
  const { graph, states } = prepare(providers, config);
  const secretReferences = secretReferencesOf(states);
  const { values: secrets, failures } = await runtime.resolveSecrets(secretReferences);
  for (const [text, message] of failures) {
    runtime.log.warning(
      `${text} is not available, so the plan shows its fields as known after apply: ${message}`,
    );
  }

  await observeAll(runtime, graph, states, secrets);
  const resources = graph.order.map((address) =>
    planResource(runtime, graph, states.get(address)!, states, secrets),
  );
  const pruneTargets = await listPrunable(runtime, providers, graph, states, config.prune);
  const pruned = pruneTargets.map((target) => target.planned);

  const plan: Plan = {
    version: 1,
    environment: config.environment,
    prune: config.prune,
    resources,
    pruned,
    summary: summarise(resources, pruned),
    outputs: outputsOf(states, graph.order),
  };
  internals.set(plan, { runtime, graph, states, pruneTargets, secretReferences });
  return plan;
}
