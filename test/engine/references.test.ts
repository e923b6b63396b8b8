import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  parseTemplate,
  resolveReferences,
} from '../../actions/engine/references.ts';
import type { Reference } from '../../actions/engine/references.ts';

const lookup = (reference: Reference) =>
  reference.type === 'secret'
    ? 'secret-value'
    : reference.output === 'url'
      ? { $unknown: reference.text }
      : reference.output === 'port'
        ? 8080
        : `<${reference.address}.${reference.output}>`;

describe('parseTemplate', () => {
  it('finds an output reference', () => {
    const { parts } = parseTemplate('${aws.roles.lambda.arn}');
    expect(parts).toEqual([
      {
        reference: {
          type: 'output',
          text: '${aws.roles.lambda.arn}',
          address: 'aws.roles.lambda',
          output: 'arn',
        },
      },
    ]);
  });

  it('finds an embedded reference', () => {
    const { parts } = parseTemplate('${aws.functionUrls.api.url}docs/oauth2-redirect');
    expect(parts[1]).toEqual({ literal: 'docs/oauth2-redirect' });
  });

  it('finds a secret reference', () => {
    const { parts } = parseTemplate('${secret:secretsManager:example/okta}');
    expect(parts[0]).toEqual({
      reference: {
        type: 'secret',
        text: '${secret:secretsManager:example/okta}',
        from: 'secretsManager',
        name: 'example/okta',
      },
    });
  });

  it('reports malformed references', () => {
    const cases = [
      '${aws.roles}',
      '${}',
      '${aws.roles.lambda.arn',
      '${secret:vault:x}',
      '${secret:env:1BAD}',
    ];
    for (const text of cases) {
      expect(parseTemplate(text).malformed, text).toHaveLength(1);
    }
  });

  it('leaves a lone dollar alone', () => {
    expect(parseTemplate('$external')).toEqual({
      parts: [{ literal: '$external' }],
      malformed: [],
    });
  });

  it('unescapes a doubled dollar', () => {
    expect(parseTemplate('$${not.a.reference.x}')).toEqual({
      parts: [{ literal: '${not.a.reference.x}' }],
      malformed: [],
    });
  });
});

describe('resolveReferences', () => {
  it('keeps the type of a whole reference', () => {
    expect(resolveReferences('${a.b.c.port}', lookup)).toBe(8080);
  });

  it('joins embedded values as text', () => {
    expect(resolveReferences('http://host:${a.b.c.port}/x', lookup)).toBe('http://host:8080/x');
  });

  it('makes an embedded unknown unknown', () => {
    expect(resolveReferences('${a.b.c.url}docs', lookup)).toEqual({ $unknown: '${a.b.c.url}docs' });
  });

  it('resolves inside objects and arrays', () => {
    expect(
      resolveReferences({ list: ['${a.b.c.arn}'], nested: { value: '${secret:env:X}' } }, lookup),
    ).toEqual({
      list: ['<a.b.c.arn>'],
      nested: { value: 'secret-value' },
    });
  });
});

describe('collectReferences', () => {
  it('returns paths', () => {
    const found = collectReferences({
      environment: { ID: '${okta.apps.spa.clientId}' },
      uris: ['x', '${a.b.c.url}cb'],
    });
    expect(found.references.map((item) => item.path)).toEqual([
      ['environment', 'ID'],
      ['uris', 1],
    ]);
  });
});
