// A small in-memory cloud and a provider over it, to test the engine without vendors. Each
// collection of the section is one kind; a resource is found by its `name` field.
import { z } from 'zod';
import type {
  DesiredResource,
  FieldChange,
  Observation,
  Provider,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';

type Spec = Record<string, SpecValue>;

/** A resource as the fake cloud stores it. */
export interface StoredResource {
  id: string;
  kind: string;
  spec: Spec;
  /** The ownership marker, as a tag: `environment/address`, or undefined for foreign ones. */
  marker: string | undefined;
}

/** One recorded handler call. */
export interface Call {
  readonly method: 'observe' | 'create' | 'update' | 'delete' | 'list';
  readonly kind: string;
  readonly address: string;
  readonly changes?: string[];
}

export interface KindOptions {
  readonly fields?: ResourceHandler['fields'];
  readonly outputs?: readonly string[];
  readonly sensitiveOutputs?: readonly string[];
  readonly identity?: readonly string[];
  /** Whether the kind supports listing owned resources, for prune. Default true. */
  readonly list?: boolean;
  /** Outputs computed from the stored resource. Default: `arn` from the id. */
  readonly outputs_?: (stored: StoredResource) => Record<string, string>;
}

/** Lets a test fail or slow down a call: return an error to throw it. */
export type Interceptor = (
  call: Call,
  attempt: number,
) => Error | undefined | Promise<Error | undefined>;

export class FakeCloud {
  readonly resources = new Map<string, StoredResource>();
  readonly calls: Call[] = [];
  private counter = 0;
  interceptor: Interceptor | undefined;
  private readonly attempts = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  nextId(kind: string): string {
    this.counter++;
    return `${kind.split(':').pop()!.toLowerCase()}-${String(this.counter).padStart(4, '0')}`;
  }

  /** Puts a resource in the cloud directly, as if someone created it by hand. */
  seed(kind: string, spec: Spec, marker?: string): StoredResource {
    const stored = { id: this.nextId(kind), kind, spec, marker };
    this.resources.set(stored.id, stored);
    return stored;
  }

  ofKind(kind: string): StoredResource[] {
    return [...this.resources.values()].filter((resource) => resource.kind === kind);
  }

  writes(): Call[] {
    return this.calls.filter(
      (call) => call.method === 'create' || call.method === 'update' || call.method === 'delete',
    );
  }

  async record<T>(call: Call, run: () => T): Promise<T> {
    const key = `${call.method} ${call.address}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Yield so that concurrent calls overlap the way real HTTP calls would.
      await new Promise((resolve) => setImmediate(resolve));
      const error = await this.interceptor?.(call, attempt);
      if (error !== undefined) {
        throw error;
      }
      return run();
    } finally {
      this.inFlight--;
    }
  }
}

function markerOf(context: ProviderContext, address: string): string {
  const marker = context.marker(address);
  return `${marker.environment}/${marker.address}`;
}

function createHandler(cloud: FakeCloud, kind: string, options: KindOptions): ResourceHandler {
  const outputsOf = (stored: StoredResource): Record<string, string> =>
    options.outputs_?.(stored) ?? { arn: `arn:fake:${stored.id}` };
  const observationOf = (
    context: ProviderContext,
    stored: StoredResource,
    address: string,
  ): Observation => {
    const owned = stored.marker === markerOf(context, address);
    return {
      id: stored.id,
      spec: structuredClone(stored.spec),
      outputs: outputsOf(stored),
      ownership: owned ? 'owned' : 'foreign',
      ...(stored.marker === 'provable' ? { ownershipProof: 'the fake cloud says so' } : {}),
    };
  };
  const find = (resource: DesiredResource) =>
    cloud.ofKind(kind).find((stored) => stored.spec.name === resource.spec.name);

  const handler: ResourceHandler = {
    kind,
    ...(options.fields === undefined ? {} : { fields: options.fields }),
    ...(options.outputs === undefined ? {} : { outputs: options.outputs }),
    ...(options.sensitiveOutputs === undefined
      ? {}
      : { sensitiveOutputs: options.sensitiveOutputs }),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    observe: (context, resource) =>
      cloud.record({ method: 'observe', kind, address: resource.address }, () => {
        const stored = find(resource);
        return stored === undefined ? undefined : observationOf(context, stored, resource.address);
      }),
    create: (context, resource) =>
      cloud.record({ method: 'create', kind, address: resource.address }, () => {
        if (find(resource) !== undefined) {
          throw new ProviderError(
            'CONFLICT',
            `${kind} ${JSON.stringify(resource.spec.name)} already exists`,
            {
              vendorCode: 'AlreadyExists',
            },
          );
        }
        const stored = {
          id: cloud.nextId(kind),
          kind,
          spec: structuredClone(resource.spec),
          marker: markerOf(context, resource.address),
        };
        cloud.resources.set(stored.id, stored);
        return observationOf(context, stored, resource.address);
      }),
    update: (context, resource, observed, changes: readonly FieldChange[]) =>
      cloud.record(
        {
          method: 'update',
          kind,
          address: resource.address,
          changes: changes.map((change) => change.path),
        },
        () => {
          const stored = cloud.resources.get(observed.id);
          if (stored === undefined) {
            throw new ProviderError('NOT_FOUND', `${kind} ${observed.id} not found`);
          }
          // Only the fields the spec carries are written, so deferred fields stay as they are.
          stored.spec = { ...stored.spec, ...structuredClone(resource.spec) };
          stored.marker = markerOf(context, resource.address);
          return observationOf(context, stored, resource.address);
        },
      ),
    delete: (_context, observed) =>
      cloud.record({ method: 'delete', kind, address: observed.id }, () => {
        cloud.resources.delete(observed.id);
      }),
  };
  if (options.list !== false) {
    handler.list = (context) =>
      cloud.record({ method: 'list', kind, address: '' }, () =>
        cloud
          .ofKind(kind)
          .filter((stored) => stored.marker?.startsWith(`${context.environment}/`))
          .map((stored) => {
            const address = stored.marker!.slice(context.environment.length + 1);
            return {
              ...observationOf(context, stored, address),
              address,
              name: stored.spec.name as string,
            };
          }),
      );
  }
  return handler;
}

const sectionSchema = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())));

/**
 * Creates a provider named `name` whose section maps collection -> key -> spec. `kinds` maps each
 * collection to its kind name and options.
 */
export function createFakeProvider(
  name: string,
  cloud: FakeCloud,
  kinds: Record<string, { kind: string } & KindOptions>,
): Provider<z.infer<typeof sectionSchema>> {
  const handlers: Record<string, ResourceHandler> = {};
  for (const { kind, ...options } of Object.values(kinds)) {
    handlers[kind] = createHandler(cloud, kind, options);
  }
  return {
    name,
    schema: sectionSchema,
    resources(section) {
      const resources: DesiredResource[] = [];
      for (const [collection, entries] of Object.entries(section)) {
        const kind = kinds[collection]?.kind ?? `${name}:unknown:${collection}`;
        for (const [key, spec] of Object.entries(entries)) {
          resources.push({
            address: `${name}.${collection}.${key}`,
            kind,
            name: String(spec.name),
            spec: spec as Spec,
          });
        }
      }
      return resources;
    },
    handlers,
  };
}

/** Creates a logger that keeps its lines, for assertions. */
export function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    log: {
      info: (message: string) => lines.push(`info: ${message}`),
      debug: (message: string) => lines.push(`debug: ${message}`),
      warning: (message: string) => lines.push(`warning: ${message}`),
    },
  };
}
