// The resource graph: which resource references which, the order to observe and apply them in,
// and the reference problems (unknown resource, unknown output, cycle) found on the way.
import { findFieldRule, formatPath } from './paths.ts';
import type { PathSegment } from './paths.ts';
import type { DesiredResource, ResourceHandler } from './provider.ts';
import { collectReferences } from './references.ts';
import { didYouMean } from './suggest.ts';

/** A resource with the handler for its kind. */
export interface GraphResource {
  readonly resource: DesiredResource;
  readonly handler: ResourceHandler;
  /** Position in config order: providers in composition order, resources in config order. */
  readonly index: number;
}

/** `from` references an output of `to` at spec path `path`. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly output: string;
  readonly path: readonly PathSegment[];
  /** The field may be applied after `to`, so this edge does not order the two. */
  readonly deferrable: boolean;
}

/** A reference problem, located by resource address and spec path. */
export interface GraphProblem {
  readonly rule:
    | 'reference.malformed'
    | 'reference.unknown-resource'
    | 'reference.unknown-output'
    | 'reference.cycle';
  readonly address: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export interface ResourceGraph {
  readonly resources: ReadonlyMap<string, GraphResource>;
  readonly edges: readonly Edge[];
  /** Addresses in an order where each comes after the resources it references without deferral. */
  readonly order: readonly string[];
  readonly problems: readonly GraphProblem[];
  /** Addresses `address` must wait for: targets of its edges that are not deferrable. */
  dependencies(address: string): string[];
}

function outputNames(target: GraphResource): Set<string> | undefined {
  if (target.handler.outputs === undefined) {
    return undefined;
  }
  return new Set(['id', ...target.handler.outputs, ...Object.keys(target.resource.spec)]);
}

function collectEdges(
  resources: ReadonlyMap<string, GraphResource>,
  problems: GraphProblem[],
): Edge[] {
  const edges: Edge[] = [];
  for (const [address, node] of resources) {
    const found = collectReferences(node.resource.spec);
    for (const { path, malformed } of found.malformed) {
      problems.push({
        rule: 'reference.malformed',
        address,
        path,
        message: `invalid reference ${malformed.text}: ${malformed.reason}`,
      });
    }
    for (const { path, reference } of found.references) {
      if (reference.type !== 'output') {
        continue;
      }
      const target = resources.get(reference.address);
      if (target === undefined) {
        problems.push({
          rule: 'reference.unknown-resource',
          address,
          path,
          message:
            `reference ${reference.text} names resource ${reference.address}, which the config does not declare.` +
            didYouMean(reference.address, resources.keys()),
        });
        continue;
      }
      const names = outputNames(target);
      if (names !== undefined && !names.has(reference.output)) {
        const available = [...names].sort().join(', ');
        problems.push({
          rule: 'reference.unknown-output',
          address,
          path,
          message:
            `reference ${reference.text}: ${target.resource.kind} has no output "${reference.output}" (available: ${available}).` +
            didYouMean(reference.output, names),
        });
        continue;
      }
      const deferrable = findFieldRule(node.handler.fields, path)?.rule.deferrable === true;
      edges.push({
        from: address,
        to: reference.address,
        output: reference.output,
        path,
        deferrable,
      });
    }
  }
  return edges;
}

/** Finds one cycle per strongly connected component (Tarjan), each starting at its first address. */
function findCycles(addresses: readonly string[], edges: readonly Edge[]): Edge[][] {
  const outgoing = new Map<string, Edge[]>(addresses.map((address) => [address, []]));
  for (const edge of edges) {
    outgoing.get(edge.from)!.push(edge);
  }
  const indexOf = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;

  const connect = (address: string): void => {
    indexOf.set(address, counter);
    lowLink.set(address, counter);
    counter++;
    stack.push(address);
    onStack.add(address);
    for (const edge of outgoing.get(address)!) {
      if (!indexOf.has(edge.to)) {
        connect(edge.to);
        lowLink.set(address, Math.min(lowLink.get(address)!, lowLink.get(edge.to)!));
      } else if (onStack.has(edge.to)) {
        lowLink.set(address, Math.min(lowLink.get(address)!, indexOf.get(edge.to)!));
      }
    }
    if (lowLink.get(address) === indexOf.get(address)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== address);
      components.push(component);
    }
  };
  for (const address of addresses) {
    if (!indexOf.has(address)) {
      connect(address);
    }
  }

  const cycles: Edge[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = addresses.find((address) => members.has(address))!;
    const selfEdge = outgoing.get(start)!.find((edge) => edge.to === start);
    if (component.length === 1 && selfEdge === undefined) {
      continue;
    }
    // Breadth-first search inside the component for the shortest way back to the start.
    const cameBy = new Map<string, Edge>();
    const queue = [start];
    let closing: Edge | undefined = selfEdge;
    while (closing === undefined && queue.length > 0) {
      const current = queue.shift()!;
      for (const edge of outgoing.get(current)!) {
        if (!members.has(edge.to)) {
          continue;
        }
        if (edge.to === start) {
          closing = edge;
          break;
        }
        if (!cameBy.has(edge.to)) {
          cameBy.set(edge.to, edge);
          queue.push(edge.to);
        }
      }
    }
    const cycle: Edge[] = [closing!];
    for (let at = closing!.from; at !== start; at = cameBy.get(at)!.from) {
      cycle.unshift(cameBy.get(at)!);
    }
    cycles.push(cycle);
  }
  return cycles;
}

/** Describes a cycle as `a.role -> b -> ... -> a`, naming the referencing field of each step. */
export function describeCycle(cycle: readonly Edge[]): string {
  const steps = cycle.map((edge) => `${edge.from}.${formatPath(edge.path)}`);
  return `${steps.join(' -> ')} -> ${cycle[0]!.from}`;
}

function topologicalOrder(
  resources: ReadonlyMap<string, GraphResource>,
  dependencies: (address: string) => string[],
): string[] {
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const address of resources.keys()) {
    const targets = dependencies(address);
    remaining.set(address, targets.length);
    for (const target of targets) {
      dependents.set(target, [...(dependents.get(target) ?? []), address]);
    }
  }
  const byIndex = (a: string, b: string) => resources.get(a)!.index - resources.get(b)!.index;
  const ready = [...remaining.entries()]
    .filter(([, count]) => count === 0)
    .map(([address]) => address);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort(byIndex);
    const next = ready.shift()!;
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const count = remaining.get(dependent)! - 1;
      remaining.set(dependent, count);
      if (count === 0) {
        ready.push(dependent);
      }
    }
  }
  // Resources left in a cycle (already reported) go last, in config order.
  const left = [...resources.keys()].filter((address) => !order.includes(address)).sort(byIndex);
  return [...order, ...left];
}

/**
 * Builds the graph from resources in config order. A cycle is a problem unless one of its edges
 * passes through a deferrable field; such edges do not order apply.
 */
export function buildGraph(list: readonly GraphResource[]): ResourceGraph {
  const resources = new Map(list.map((node) => [node.resource.address, node]));
  const problems: GraphProblem[] = [];
  const edges = collectEdges(resources, problems);
  const ordering = edges.filter((edge) => !edge.deferrable);
  const addresses = [...resources.keys()];

  for (const cycle of findCycles(addresses, ordering)) {
    const first = cycle[0]!;
    problems.push({
      rule: 'reference.cycle',
      address: first.from,
      path: first.path,
      message:
        `reference cycle: ${describeCycle(cycle)}. Remove one of these references; ` +
        'a cycle is allowed only through a field its handler marks deferrable, and none of these is.',
    });
  }

  const dependencies = (address: string): string[] => {
    const targets = new Set(
      ordering
        .filter((edge) => edge.from === address && edge.to !== address)
        .map((edge) => edge.to),
    );
    return [...targets].sort((a, b) => resources.get(a)!.index - resources.get(b)!.index);
  };

  return {
    resources,
    edges,
    order: topologicalOrder(resources, dependencies),
    problems,
    dependencies,
  };
}
