import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../actions/engine/graph.ts';
import type { GraphResource } from '../../actions/engine/graph.ts';
import type { ResourceHandler, SpecValue } from '../../actions/engine/provider.ts';

function handler(kind: string, extra: Partial<ResourceHandler> = {}): ResourceHandler {
  const unused = () => Promise.reject(new Error('not called'));
  return { kind, observe: unused, create: unused, update: unused, delete: unused, ...extra };
}

const plain = handler('test:Plain', { outputs: ['arn'] });
const deferring = handler('test:Deferring', {
  outputs: ['arn'],
  fields: { environment: { deferrable: true } },
});
const open = handler('test:Open');

function nodes(
  ...list: Array<[address: string, spec: Record<string, SpecValue>, handler?: ResourceHandler]>
): GraphResource[] {
  return list.map(([address, spec, chosen], index) => ({
    resource: { address, kind: (chosen ?? plain).kind, name: address, spec },
    handler: chosen ?? plain,
    index,
  }));
}

describe('buildGraph', () => {
  it('orders dependencies first', () => {
    const graph = buildGraph(
      nodes(['a.x.function', { role: '${a.x.role.arn}' }], ['a.x.role', {}], ['a.x.other', {}]),
    );
    expect(graph.order).toEqual(['a.x.role', 'a.x.function', 'a.x.other']);
    expect(graph.dependencies('a.x.function')).toEqual(['a.x.role']);
  });

  it('keeps config order among independents', () => {
    const graph = buildGraph(nodes(['a.x.c', {}], ['a.x.a', {}], ['a.x.b', {}]));
    expect(graph.order).toEqual(['a.x.c', 'a.x.a', 'a.x.b']);
  });

  it('names the fields of a cycle', () => {
    const graph = buildGraph(
      nodes(
        ['a.x.one', { next: '${a.x.two.arn}' }],
        ['a.x.two', { back: 'prefix-${a.x.one.arn}' }],
      ),
    );
    expect(graph.problems).toEqual([
      expect.objectContaining({
        rule: 'reference.cycle',
        address: 'a.x.one',
        path: ['next'],
      }),
    ]);
    expect(graph.problems[0]?.message).toContain('a.x.one.next -> a.x.two.back -> a.x.one');
  });

  it('allows a cycle through a deferrable field', () => {
    const graph = buildGraph(
      nodes(
        ['a.x.function', { environment: { ID: '${a.x.app.arn}' } }, deferring],
        ['a.x.url', { target: '${a.x.function.arn}' }],
        ['a.x.app', { redirect: '${a.x.url.arn}/cb' }],
      ),
    );
    expect(graph.problems).toEqual([]);
    expect(graph.order).toEqual(['a.x.function', 'a.x.url', 'a.x.app']);
    const deferred = graph.edges.filter((edge) => edge.deferrable);
    expect(deferred).toEqual([
      {
        from: 'a.x.function',
        to: 'a.x.app',
        output: 'arn',
        path: ['environment', 'ID'],
        deferrable: true,
      },
    ]);
  });

  it('rejects a self-reference', () => {
    const graph = buildGraph(nodes(['a.x.one', { me: '${a.x.one.arn}' }]));
    expect(graph.problems.map((problem) => problem.rule)).toEqual(['reference.cycle']);
  });

  it('suggests a close resource', () => {
    const graph = buildGraph(nodes(['a.x.role', {}], ['a.x.fn', { role: '${a.x.rol.arn}' }]));
    expect(graph.problems[0]?.rule).toBe('reference.unknown-resource');
    expect(graph.problems[0]?.message).toContain('Did you mean "a.x.role"?');
  });

  it('checks declared outputs', () => {
    const graph = buildGraph(
      nodes(['a.x.role', { roleName: 'r' }], ['a.x.fn', { role: '${a.x.role.arnn}' }]),
    );
    expect(graph.problems[0]?.rule).toBe('reference.unknown-output');
    expect(graph.problems[0]?.message).toContain('(available: arn, id, roleName)');
  });

  it('accepts id and spec fields as outputs', () => {
    const graph = buildGraph(
      nodes(
        ['a.x.role', { roleName: 'r' }],
        ['a.x.fn', { one: '${a.x.role.id}', two: '${a.x.role.roleName}' }],
      ),
    );
    expect(graph.problems).toEqual([]);
  });

  it('accepts any output without declarations', () => {
    const graph = buildGraph(
      nodes(['a.x.open', {}, open], ['a.x.fn', { value: '${a.x.open.anything}' }]),
    );
    expect(graph.problems).toEqual([]);
  });

  it('reports a malformed reference', () => {
    const graph = buildGraph(nodes(['a.x.fn', { value: '${a.x}' }]));
    expect(graph.problems[0]?.rule).toBe('reference.malformed');
  });

  it('ignores an escaped placeholder', () => {
    const graph = buildGraph(nodes(['a.x.fn', { value: 'literal $${a.x.y.z}' }]));
    expect(graph.problems).toEqual([]);
    expect(graph.edges).toEqual([]);
  });
});
