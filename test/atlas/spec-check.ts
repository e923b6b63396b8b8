// Checks every exchange the Atlas suites had with the stand-in against the Atlas Administration
// API OpenAPI file (method, path, status, media type, request and response schemas), when the
// vendor specs sit beside the repository in `../shared/specs`. A fork has no such folder, so the
// check then reports that it was skipped instead of failing.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, expect } from 'vitest';
import type { AtlasStandIn, RecordedExchange } from '../stand-ins/atlas/index.ts';

const specFile = fileURLToPath(
  new URL(
    '../../../shared/specs/atlas/atlas-admin-api-v2-2025-03-12.trimmed.json',
    import.meta.url,
  ),
);

export const specAvailable = existsSync(specFile);

/** Exchanges a test sends on purpose outside the contract carry this header and are not checked. */
export const skipSpecCheckHeader = 'x-spec-check';

// Atlas sends these for protocol errors on every operation, but the 2025-03-12 file declares
// none of them; their bodies are still checked against ApiError.
const protocolStatuses = new Set([405, 406, 415, 429]);

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}

const standIns: AtlasStandIn[] = [];

/** Adds a stand-in's exchanges to the check that runs when the test file ends. */
export function recordForSpecCheck(standIn: AtlasStandIn): void {
  standIns.push(standIn);
}

afterAll(() => {
  const exchanges = standIns.flatMap((standIn) => standIn.requests);
  if (!specAvailable) {
    console.warn(`Atlas OpenAPI check skipped: ${specFile} does not exist`);
    return;
  }
  const problems = checkExchanges(exchanges);
  expect(problems).toEqual([]);
});

/** Rewrites OpenAPI 3.0 schema keywords into JSON Schema for one direction. */
function converter(
  spec: { components: { schemas: Record<string, Schema> } },
  direction: 'request' | 'response',
) {
  const hidden = direction === 'request' ? 'readOnly' : 'writeOnly';
  const schemas = spec.components.schemas;
  const resolve = (ref: string) => schemas[ref.split('/').pop()!];
  const isHidden = (property: Schema | undefined): boolean =>
    property !== undefined &&
    (property[hidden] === true ||
      (typeof property.$ref === 'string' && resolve(property.$ref)?.[hidden] === true));
  // Subtypes named in a discriminator extend their parent with allOf; they point to the parent
  // without its discriminator ("__base") so that validation does not loop.
  const parents = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    const mapping = (schema.discriminator as { mapping?: Record<string, string> } | undefined)
      ?.mapping;
    for (const ref of Object.values(mapping ?? {})) parents.set(`${ref}->${name}`, name);
  }

  function convert(value: unknown, owner?: string): unknown {
    if (Array.isArray(value)) return value.map((item) => convert(item, owner));
    if (typeof value !== 'object' || value === null) return value;
    const schema = value as Schema;
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.split('/').pop()!;
      const base = owner !== undefined && parents.has(`#/components/schemas/${owner}->${name}`);
      return { $ref: `${direction}#/definitions/${name}${base ? '__base' : ''}` };
    }
    const branches = schema.oneOf as Schema[] | undefined;
    if (branches?.every((branch) => Array.isArray(branch.enum))) {
      // Atlas writes one string enum per cloud (region names) as oneOf, sometimes under
      // `type: object`; any value of any branch is valid.
      const { oneOf: _branches, type: _type, ...rest } = schema;
      const values = branches.flatMap((branch) => branch.enum as unknown[]);
      return convert({ ...rest, type: 'string', enum: [...new Set(values)] }, owner);
    }
    const result: Schema = {};
    for (const [key, item] of Object.entries(schema)) {
      if (
        [
          'discriminator',
          'example',
          'examples',
          'externalDocs',
          'xml',
          'nullable',
          'readOnly',
          'writeOnly',
          'deprecated',
        ].includes(key) ||
        key.startsWith('x-')
      )
        continue;
      if (key === 'properties') {
        result.properties = Object.fromEntries(
          Object.entries(item as Record<string, unknown>).map(([name, property]) => [
            name,
            convert(property),
          ]),
        );
      } else if (key === 'required' && Array.isArray(item)) {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        result.required = item.filter((name: string) => !isHidden(properties[name]));
      } else if (key === 'oneOf') {
        // Atlas's oneOf branches overlap (hardware specs share sizes), so any branch may match.
        result.anyOf = convert(item);
      } else if (key === 'allOf') {
        result.allOf = convert(item, owner);
      } else {
        result[key] = convert(item);
      }
    }
    if (schema.nullable === true) return { anyOf: [{ type: 'null' }, result] };
    return result;
  }

  const definitions: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const discriminator = schema.discriminator as
      { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (discriminator?.mapping === undefined) {
      definitions[name] = convert(schema, name);
      continue;
    }
    const { oneOf: _oneOf, anyOf: _anyOf, ...rest } = schema;
    definitions[`${name}__base`] = convert(rest, name);
    definitions[name] = {
      allOf: [
        { $ref: `${direction}#/definitions/${name}__base` },
        ...Object.entries(discriminator.mapping).map(([value, ref]) => ({
          if: {
            properties: { [discriminator.propertyName]: { const: value } },
            required: [discriminator.propertyName],
          },
          then: { $ref: `${direction}#/definitions/${ref.split('/').pop()!}` },
        })),
      ],
    };
  }
  return { document: { $id: direction, definitions }, convert };
}

/** Returns one line per problem: the exchange, where, and what the spec wanted. */
export function checkExchanges(exchanges: readonly RecordedExchange[]): string[] {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    components: {
      schemas: Record<string, Schema>;
      responses: Record<string, { content: Record<string, { schema: Schema }> }>;
    };
  };
  // Atlas patterns use \p{L}; some escape characters that the u flag rejects, so those compile without it.
  const regExp = Object.assign(
    (source: string, flags: string) => {
      try {
        return new RegExp(source, flags);
      } catch {
        return new RegExp(source, flags.replace('u', ''));
      }
    },
    { code: 'new RegExp' },
  );
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp } });
  const addFormats = addFormatsModule as unknown as (instance: Ajv) => void;
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'])
    ajv.addFormat(format, true);
  const request = converter(spec, 'request');
  const response = converter(spec, 'response');
  ajv.addSchema(request.document);
  ajv.addSchema(response.document);
  const compiled = new Map<unknown, ValidateFunction>();
  const compile = (schema: Schema, direction: 'request' | 'response') => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      const converted = (direction === 'request' ? request : response).convert(schema) as Schema;
      validate = ajv.compile(converted);
      compiled.set(schema, validate);
    }
    return validate;
  };

  const routes = Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literals: template.split('/').filter((part) => !part.startsWith('{')).length,
      operation,
    })),
  );
  routes.sort((left, right) => right.literals - left.literals);
  const apiError = spec.components.schemas.ApiError!;
  const problems: string[] = [];

  for (const [index, exchange] of exchanges.entries()) {
    if (!exchange.path.startsWith('/api/atlas/v2/') || exchange.dropped) continue;
    if (exchange.requestHeaders[skipSpecCheckHeader] === 'skip') continue;
    const where = `#${index} ${exchange.method} ${exchange.path} -> ${exchange.status}`;
    const route = routes.find(
      (candidate) => candidate.method === exchange.method && candidate.pattern.test(exchange.path),
    );
    if (route === undefined) {
      problems.push(`${where}: no operation in the spec`);
      continue;
    }
    const { operation } = route;
    const report = (side: string, validate: ValidateFunction) =>
      problems.push(
        `${where} ${operation.operationId} ${side}: ${ajv.errorsText(validate.errors)}`,
      );

    const requestContent = operation.requestBody?.content;
    if (requestContent !== undefined && exchange.requestBody !== null) {
      const contentType = (exchange.requestHeaders['content-type'] ?? '').split(';')[0]!;
      const media =
        requestContent[contentType] ??
        (contentType === 'application/json' ? Object.values(requestContent)[0] : undefined);
      if (media?.schema === undefined) {
        problems.push(
          `${where}: request content-type ${contentType} is not one of ${Object.keys(requestContent).join(', ')}`,
        );
      } else {
        const validate = compile(media.schema, 'request');
        if (!validate(exchange.requestBody)) report('request', validate);
      }
    }

    const status = String(exchange.status);
    if (protocolStatuses.has(exchange.status)) {
      const validate = compile(apiError, 'response');
      if (!validate(exchange.responseBody)) report('response', validate);
      continue;
    }
    let declared = operation.responses[status];
    if (declared?.$ref !== undefined)
      declared = spec.components.responses[declared.$ref.split('/').pop()!];
    if (declared === undefined) {
      problems.push(
        `${where}: status ${status} is not declared (${Object.keys(operation.responses).join(', ')})`,
      );
      continue;
    }
    const contentType = (exchange.responseHeaders['content-type'] ?? '').split(';')[0]!;
    const media = declared.content?.[contentType];
    if (declared.content !== undefined && media === undefined) {
      problems.push(
        `${where}: response content-type ${contentType} is not one of ${Object.keys(declared.content).join(', ')}`,
      );
      continue;
    }
    if (media?.schema !== undefined && exchange.responseBody !== null) {
      const validate = compile(media.schema, 'response');
      if (!validate(exchange.responseBody)) report('response', validate);
    }
  }
  return problems;
}
