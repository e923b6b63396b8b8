// The OpenAPI 3.1 document served at /openapi.json. Body schemas come from the zod schemas that
// validate requests; the security scheme points at the Okta authorization server.
import * as z from 'zod';
import { problemTypes } from './problem.ts';
import { defaultPageSize, maxPageSize } from './routes/messages.ts';
import {
  healthSchema,
  messageListSchema,
  messageSchema,
  messageUpdateSchema,
  newMessageSchema,
  problemSchema,
  problemTypeSchema,
} from './schemas.ts';

export interface OpenApiOptions {
  version: string;
  /** Okta authorization server endpoints, from its metadata. */
  authorizationUrl: string;
  tokenUrl: string;
  /** Scopes offered on the docs page, such as openid and profile. */
  scopes: readonly string[];
}

type JsonObject = Record<string, unknown>;

/** Builds the OpenAPI document. The output is deterministic: same options, same bytes. */
export function buildOpenApiDocument(options: OpenApiOptions): JsonObject {
  return {
    openapi: '3.1.1',
    info: {
      title: 'Message service',
      version: options.version,
      description:
        'Messages stored in MongoDB. Every /messages operation needs an Okta access token. Errors are RFC 9457 problem details with a stable `code`.',
    },
    servers: [{ url: '/' }],
    security: [{ okta: [...options.scopes] }],
    paths: {
      '/health': {
        get: {
          operationId: 'getHealth',
          summary: 'Service and database status',
          security: [],
          responses: {
            '200': jsonResponse(
              'Status; database is "unavailable" when a ping timed out.',
              'Health',
            ),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/problems/{code}': {
        get: {
          operationId: 'getProblemType',
          summary: 'Describe a problem type (the `type` member of a problem)',
          security: [],
          parameters: [
            {
              name: 'code',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: Object.keys(problemTypes).sort() },
            },
          ],
          responses: {
            '200': jsonResponse(
              'Status, title and description of the problem type.',
              'ProblemType',
            ),
            ...problemResponses(['404']),
          },
        },
      },
      '/messages': {
        get: {
          operationId: 'listMessages',
          summary: 'List messages, newest first',
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: {
                type: 'integer',
                minimum: 1,
                maximum: maxPageSize,
                default: defaultPageSize,
              },
            },
            {
              name: 'cursor',
              in: 'query',
              description: 'nextCursor of the previous page, unchanged.',
              schema: { type: 'string' },
            },
            {
              name: 'author',
              in: 'query',
              description: 'Only messages by this author (`sub` claim).',
              schema: { type: 'string', minLength: 1, maxLength: 1024 },
            },
          ],
          responses: {
            '200': jsonResponse('A page of messages.', 'MessageList'),
            ...problemResponses(['400', '401', '403', '503']),
          },
        },
        post: {
          operationId: 'createMessage',
          summary: 'Post a message as the caller',
          requestBody: jsonBody('NewMessage', ['application/json']),
          responses: {
            '201': {
              ...jsonResponse('The message.', 'Message'),
              headers: {
                Location: { description: 'Path of the message.', schema: { type: 'string' } },
              },
            },
            ...problemResponses(['400', '401', '403', '413', '415', '503']),
          },
        },
      },
      '/messages/{id}': {
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
          },
        ],
        get: {
          operationId: 'getMessage',
          summary: 'Read a message',
          responses: {
            '200': jsonResponse('The message.', 'Message'),
            ...problemResponses(['400', '401', '403', '404', '503']),
          },
        },
        patch: {
          operationId: 'updateMessage',
          summary: 'Change the text of a message (author only)',
          requestBody: jsonBody('MessageUpdate', [
            'application/json',
            'application/merge-patch+json',
          ]),
          responses: {
            '200': jsonResponse('The changed message.', 'Message'),
            ...problemResponses(['400', '401', '403', '404', '413', '415', '503']),
          },
        },
        delete: {
          operationId: 'deleteMessage',
          summary: 'Delete a message (author only)',
          responses: {
            '204': { description: 'Deleted.' },
            ...problemResponses(['400', '401', '403', '404', '503']),
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        okta: {
          type: 'oauth2',
          description: 'Okta access token (authorization code flow with PKCE).',
          flows: {
            authorizationCode: {
              authorizationUrl: options.authorizationUrl,
              tokenUrl: options.tokenUrl,
              scopes: Object.fromEntries(options.scopes.map((scope) => [scope, scope])),
            },
          },
        },
      },
    },
  };
}

function componentSchemas(): JsonObject {
  const registry = z.registry<{ id: string }>();
  registry.add(healthSchema, { id: 'Health' });
  registry.add(messageSchema, { id: 'Message' });
  registry.add(messageListSchema, { id: 'MessageList' });
  registry.add(messageUpdateSchema, { id: 'MessageUpdate' });
  registry.add(newMessageSchema, { id: 'NewMessage' });
  registry.add(problemSchema, { id: 'Problem' });
  registry.add(problemTypeSchema, { id: 'ProblemType' });

  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // `format: date-time` states the rule, so zod's equivalent regular expression is dropped.
      if (jsonSchema.format === 'date-time') {
        delete jsonSchema.pattern;
      }
    },
  });
  return Object.fromEntries(
    Object.entries(schemas)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { $schema: _dialect, $id: _id, ...schema }]) => [name, schema]),
  );
}

function jsonResponse(description: string, schema: string): JsonObject {
  return {
    description,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
  };
}

function jsonBody(schema: string, mediaTypes: string[]): JsonObject {
  return {
    required: true,
    content: Object.fromEntries(
      mediaTypes.map((type) => [type, { schema: { $ref: `#/components/schemas/${schema}` } }]),
    ),
  };
}

const problemDescriptions: Record<string, string> = {
  '400': 'Invalid body, query parameter, id or cursor.',
  '401': 'Missing or invalid access token (see WWW-Authenticate).',
  '403': 'Not the author, or the client is not allowed.',
  '404': 'No such resource.',
  '413': 'Body larger than the limit.',
  '415': 'Body is not JSON.',
  '503': 'Database or identity provider unavailable (see Retry-After).',
};

function problemResponses(statuses: string[]): JsonObject {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: problemDescriptions[status],
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
    ]),
  );
}
