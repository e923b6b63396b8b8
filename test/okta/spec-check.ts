// A small OpenAPI 3.0 checker for recorded exchanges: it finds the operation by method and path
// template, checks that the status is declared, and checks the JSON bodies against their schemas.
// It covers what Okta's spec uses: $ref, allOf, oneOf/anyOf, discriminator mappings, nullable,
// enum, required (readOnly fields are not required in requests), types, formats of dates,
// lengths, bounds, patterns and additionalProperties. It does not check headers or query values.

type Schema = Record<string, unknown>;

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components?: {
    schemas?: Record<string, Schema>;
    responses?: Record<string, Schema>;
  };
}

/** One exchange as the stand-in records it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestBody: unknown;
  readonly responseBody: unknown;
}

export interface ExchangeProblem {
  readonly exchange: string;
  readonly problem: string;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'];

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

class SchemaChecker {
  readonly #document: OpenApiDocument;
  readonly #direction: 'request' | 'response';
  // (schema, value) pairs being checked, so that a subtype that extends its parent, which maps
  // back to the subtype through its discriminator, is not checked forever.
  readonly #active = new Map<Schema, Set<unknown>>();

  constructor(document: OpenApiDocument, direction: 'request' | 'response') {
    this.#document = document;
    this.#direction = direction;
  }

  #resolve(schema: Schema): Schema {
    let current = schema;
    while (typeof current.$ref === 'string') {
      const name = current.$ref.replace('#/components/schemas/', '');
      const target = this.#document.components?.schemas?.[name];
      if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
      current = target;
    }
    return current;
  }

  check(input: Schema, value: unknown, pointer: string, problems: string[]): void {
    const schema = this.#resolve(input);
    const seen = this.#active.get(schema) ?? new Set();
    if (seen.has(value)) return;
    seen.add(value);
    this.#active.set(schema, seen);
    try {
      this.#checkResolved(schema, value, pointer, problems);
    } finally {
      seen.delete(value);
    }
  }

  #checkResolved(schema: Schema, value: unknown, pointer: string, problems: string[]): void {
    if (value === null) {
      if (schema.nullable !== true && (schema.type !== undefined || schema.enum !== undefined)) {
        problems.push(`${pointer || '/'}: null where the spec does not allow it`);
      }
      return;
    }
    for (const part of (schema.allOf as Schema[] | undefined) ?? []) {
      this.check(part, value, pointer, problems);
    }
    const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
    if (alternatives) {
      const fits = alternatives.some((alternative) => {
        const found: string[] = [];
        this.check(alternative, value, pointer, found);
        return found.length === 0;
      });
      if (!fits) problems.push(`${pointer || '/'}: matches none of the alternatives`);
    }
    this.#checkDiscriminator(schema, value, pointer, problems);
    this.#checkScalar(schema, value, pointer, problems);
    if (Array.isArray(value) && isSchema(schema.items)) {
      value.forEach((item, index) =>
        this.check(schema.items as Schema, item, `${pointer}/${index}`, problems),
      );
    }
    if (isSchema(value) && !Array.isArray(value)) {
      this.#checkObject(schema, value, pointer, problems);
    }
  }

  #checkDiscriminator(schema: Schema, value: unknown, pointer: string, problems: string[]): void {
    const discriminator = schema.discriminator as
      { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (!discriminator || !isSchema(value)) return;
    const key = value[discriminator.propertyName];
    const target = typeof key === 'string' ? discriminator.mapping?.[key] : undefined;
    if (target) this.check({ $ref: target }, value, pointer, problems);
  }

  #checkScalar(schema: Schema, value: unknown, pointer: string, problems: string[]): void {
    const actual = typeOf(value);
    const expected = schema.type as string | undefined;
    if (expected && !(expected === actual || (expected === 'number' && actual === 'integer'))) {
      problems.push(`${pointer || '/'}: ${actual} where the spec says ${expected}`);
      return;
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
      problems.push(
        `${pointer}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`,
      );
    }
    if (typeof value === 'string') {
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        problems.push(`${pointer}: ${JSON.stringify(value)} is not a date-time`);
      }
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
        problems.push(`${pointer}: longer than ${schema.maxLength}`);
      }
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
        problems.push(`${pointer}: shorter than ${schema.minLength}`);
      }
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
        problems.push(`${pointer}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
      }
    }
    if (typeof value === 'number') {
      if (typeof schema.maximum === 'number' && value > schema.maximum) {
        problems.push(`${pointer}: ${value} is above ${schema.maximum}`);
      }
      if (typeof schema.minimum === 'number' && value < schema.minimum) {
        problems.push(`${pointer}: ${value} is below ${schema.minimum}`);
      }
    }
  }

  #checkObject(schema: Schema, value: Schema, pointer: string, problems: string[]): void {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      const property = properties[name] ? this.#resolve(properties[name]) : {};
      const skipped =
        (this.#direction === 'request' && property.readOnly === true) ||
        (this.#direction === 'response' && property.writeOnly === true);
      if (!skipped && value[name] === undefined) {
        problems.push(`${pointer}/${name}: required but missing`);
      }
    }
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name];
      if (property) {
        this.check(property, item, `${pointer}/${name}`, problems);
      } else if (schema.additionalProperties === false) {
        problems.push(`${pointer}/${name}: not a property of the schema`);
      } else if (isSchema(schema.additionalProperties)) {
        this.check(schema.additionalProperties, item, `${pointer}/${name}`, problems);
      }
    }
  }
}

/** The operation of `document` for a method and a concrete path, if the spec has one. */
export function findOperation(
  document: OpenApiDocument,
  method: string,
  path: string,
): { template: string; operation: Schema } | undefined {
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (pattern.test(path) && isSchema(operation) && methods.includes(method.toLowerCase())) {
      return { template, operation };
    }
  }
  return undefined;
}

function jsonSchemaOf(content: unknown): Schema | undefined {
  const media = isSchema(content) ? content['application/json'] : undefined;
  return isSchema(media) && isSchema(media.schema) ? media.schema : undefined;
}

/** Checks each exchange the spec has an operation for; returns the problems and the operations seen. */
export function checkExchanges(
  document: OpenApiDocument,
  exchanges: readonly Exchange[],
): { problems: ExchangeProblem[]; operations: Set<string> } {
  const problems: ExchangeProblem[] = [];
  const operations = new Set<string>();
  for (const exchange of exchanges) {
    const found = findOperation(document, exchange.method, exchange.path);
    if (!found) continue;
    const name = `${String(found.operation.operationId)} ${exchange.method} ${exchange.path} -> ${exchange.status}`;
    operations.add(String(found.operation.operationId));
    const issues: string[] = [];

    const requestSchema = jsonSchemaOf(
      (found.operation.requestBody as Schema | undefined)?.content,
    );
    if (requestSchema && exchange.requestBody !== undefined) {
      new SchemaChecker(document, 'request').check(requestSchema, exchange.requestBody, '', issues);
    }
    const responses = (found.operation.responses ?? {}) as Record<string, Schema>;
    let response = responses[String(exchange.status)] ?? responses.default;
    if (!response) {
      issues.push(`status ${exchange.status} is not declared`);
    } else {
      while (typeof response.$ref === 'string') {
        const responseName: string = response.$ref.replace('#/components/responses/', '');
        response = document.components?.responses?.[responseName] ?? {};
      }
      const responseSchema = jsonSchemaOf(response.content);
      if (responseSchema && exchange.responseBody !== undefined) {
        new SchemaChecker(document, 'response').check(
          responseSchema,
          exchange.responseBody,
          '',
          issues,
        );
      } else if (!responseSchema && exchange.responseBody !== undefined) {
        issues.push('the response has a body but the spec declares none');
      }
    }
    for (const problem of issues) {
      problems.push({ exchange: name, problem });
    }
  }
  return { problems, operations };
}
