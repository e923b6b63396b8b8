import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DesiredResource, Provider, ResourceHandler } from '../../actions/engine/provider.ts';
import { declareResources } from '../../actions/engine/resources.ts';

function handler(kind: string): ResourceHandler {
  const unused = () => Promise.reject(new Error('not called'));
  return { kind, observe: unused, create: unused, update: unused, delete: unused };
}

function provider(name: string, resources: DesiredResource[]): Provider {
  return {
    name,
    schema: z.unknown(),
    resources: () => resources,
    handlers: { 'test:Thing': handler('test:Thing') },
  };
}

const thing = (address: string, kind = 'test:Thing'): DesiredResource => ({
  address,
  kind,
  name: address,
  spec: {},
});

describe('declareResources', () => {
  it('lists resources in config order', () => {
    const { resources, problems } = declareResources(
      [provider('a', [thing('a.x.one'), thing('a.x.two')]), provider('b', [thing('b.x.one')])],
      { a: {}, b: {} },
    );
    expect(problems).toEqual([]);
    expect(
      resources.map((resource) => [resource.resource.address, resource.provider, resource.index]),
    ).toEqual([
      ['a.x.one', 'a', 0],
      ['a.x.two', 'a', 1],
      ['b.x.one', 'b', 2],
    ]);
  });

  it('skips providers without a section', () => {
    const { resources } = declareResources([provider('a', [thing('a.x.one')])], {});
    expect(resources).toEqual([]);
  });

  it('reports a kind without handler', () => {
    const { problems } = declareResources([provider('a', [thing('a.x.one', 'test:Other')])], {
      a: {},
    });
    expect(problems).toEqual([
      {
        rule: 'resource.unknown-kind',
        address: 'a.x.one',
        message: 'provider a has no handler for kind test:Other',
      },
    ]);
  });

  it('reports a duplicate address', () => {
    const { problems } = declareResources([provider('a', [thing('a.x.one'), thing('a.x.one')])], {
      a: {},
    });
    expect(problems.map((problem) => problem.rule)).toEqual(['resource.duplicate-address']);
  });

  it('reports an address outside the provider', () => {
    const { problems } = declareResources([provider('a', [thing('b.x.one')])], { a: {} });
    expect(problems.map((problem) => problem.rule)).toEqual(['resource.bad-address']);
  });
});
