import type { INestApplication } from '@nestjs/common';
import type { NestContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_TABLE, MessageManager, type ErrorKind, type Operation } from '@quarry/core';
import { OPERATION_EXTENSION } from './rest/operation-route';

type Schema = Record<string, unknown>;
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ResponseObject = Schema & { description?: string; content?: Record<string, { schema?: Schema }> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Routes anyone may call: liveness and readiness, for load balancers and orchestrators. */
const PUBLIC_PREFIXES = ['/health'];

/** The body of every error answer (QuarryExceptionFilter writes `error.toJSON()` and the request id). */
const ERROR_BODY: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_TABLE) },
        message: { type: 'string' },
        problems: {
          type: 'array',
          description: 'with code "invalid": each field the request got wrong, and why',
          items: {
            type: 'object',
            required: ['field', 'reason'],
            properties: {
              field: { type: 'string', example: 'filters.metadata' },
              reason: { type: 'string' },
            },
          },
        },
      },
    },
    requestId: { type: 'string', description: 'the X-Request-Id of the request, for the logs' },
  },
};

const ERROR_DESCRIPTIONS: Partial<Record<ErrorKind, string>> = {
  invalid: 'Invalid request: `error.problems` names each bad field and why',
  unauthenticated: 'Credentials missing or not valid (when API keys are configured)',
  forbidden: "The key's role or collections do not allow this",
  not_found: 'No such resource, or not visible to this key',
  rate_limited: 'Rate limit exceeded: retry after `Retry-After` seconds',
  unavailable: 'Elasticsearch or Redis is unavailable: retry later',
  internal: 'Unexpected server error (logged with the request id)',
};

const errorResponse = (kind: ErrorKind): ResponseObject => ({
  description: ERROR_DESCRIPTIONS[kind] ?? kind,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  ...(kind === 'rate_limited'
    ? {
        headers: {
          'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } },
        },
      }
    : {}),
});

/**
 * JSON Schema (what MCP tools publish) as an OpenAPI 3.0 schema: `type: [t, "null"]` and
 * `oneOf: [s, {type: "null"}]` become `nullable`, several types become `oneOf`, and keywords
 * OpenAPI 3.0 lacks (`propertyNames`) are dropped.
 */
export function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const { propertyNames: _names, ...rest } = schema as Schema;
  const out: Schema = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [
      key,
      key === 'properties' && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([name, s]) => [name, toOpenApiSchema(s)]))
        : toOpenApiSchema(value),
    ]),
  );
  if (Array.isArray(out.type)) {
    const types = (out.type as string[]).filter((t) => t !== 'null');
    const nullable = types.length < (out.type as string[]).length;
    delete out.type;
    if (types.length === 1) out.type = types[0];
    else out.oneOf = types.map((type) => ({ type }));
    if (nullable) out.nullable = true;
  }
  const variants = out.oneOf as Schema[] | undefined;
  if (variants?.some((v) => v.type === 'null')) {
    const others = variants.filter((v) => v.type !== 'null');
    delete out.oneOf;
    if (others.length === 1) Object.assign(out, { ...others[0], ...out });
    else out.oneOf = others;
    out.nullable = true;
  }
  return out;
}

/** What the document needs of the message manager: an operation by name. */
export type OperationLookup = Pick<MessageManager, 'get'>;

/**
 * The app's MessageManager provider, if it has one. Read from the container rather than with
 * `app.get`, which (abortOnError) ends the process when the provider is missing.
 */
function managerOf(app: INestApplication): OperationLookup | undefined {
  const container = (app as unknown as { container?: NestContainer }).container;
  for (const module of container?.getModules().values() ?? []) {
    const instance = module.providers.get(MessageManager)?.instance;
    if (instance instanceof MessageManager) return instance;
  }
  return undefined;
}

function describeOperation(path: string, route: OperationObject, operation: Operation | undefined): void {
  const responses = route.responses as Record<string, ResponseObject>;
  const success = Object.keys(responses).find((status) => status.startsWith('2')) ?? '200';
  const ok: ResponseObject = (responses[success] ??= { description: '' });
  if (!ok.description) ok.description = operation?.description ?? route.summary ?? 'OK';
  if (!ok.content?.['application/json']?.schema) {
    const result = operation?.tool?.outputSchema;
    ok.content = {
      'application/json': {
        schema: result ? (toOpenApiSchema(result) as Schema) : { type: 'object', additionalProperties: true },
      },
    };
  }
  if (PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    route.security = [];
    responses['503'] ??= { ...errorResponse('unavailable'), description: 'Not ready' };
    return;
  }
  const kinds: ErrorKind[] = ['invalid', 'unauthenticated', 'forbidden'];
  const lookup = (route.parameters ?? []).some((p) => 'in' in p && p.in === 'query' && p.required);
  if (path.includes('{') || lookup) kinds.push('not_found');
  kinds.push('rate_limited', 'unavailable', 'internal');
  for (const kind of kinds) responses[String(ERROR_TABLE[kind].http)] ??= errorResponse(kind);
  if (operation) {
    const extensions = route as unknown as Record<string, unknown>;
    extensions['x-quarry-role'] = operation.role;
    route.description ??= `${operation.description} Requires the ${operation.role} role (or higher).`;
  }
}

/**
 * The OpenAPI document served at /openapi.json (and by Swagger UI at /docs): request bodies and
 * result types derived from the contract classes (`@Prop`), results of the other routes from the
 * operation they run (its MCP output schema), and every error answer from the one error table.
 * `operations` defaults to the app's MessageManager provider.
 */
export function buildOpenApi(app: INestApplication, operations?: OperationLookup): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Quarry')
      .setDescription(
        'Search for agents and apps. Without configured API keys, loopback callers need no credentials; with keys, send `Authorization: Bearer <API key or JWT>` or `X-API-Key`.',
      )
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key or a JWT (QUARRY_API_KEYS, quarry keys)' },
        'bearer',
      )
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key' }, 'apiKey')
      .addSecurityRequirements('bearer')
      .addSecurityRequirements('apiKey')
      .build(),
  );
  // Credentials are optional for loopback callers when no keys are configured.
  document.security = [...(document.security ?? []), {}];
  // The contract classes speak JSON Schema (as MCP does); OpenAPI 3.0 says nullability and unions its own way.
  const schemas = Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [
    name,
    toOpenApiSchema(schema),
  ]);
  document.components = {
    ...document.components,
    schemas: { ...Object.fromEntries(schemas), Error: ERROR_BODY },
  };
  const lookup = operations ?? managerOf(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const route = item[method];
      if (!route) continue;
      const name = (route as unknown as Record<string, unknown>)[OPERATION_EXTENSION];
      describeOperation(path, route, typeof name === 'string' ? lookup?.get(name) : undefined);
    }
  }
  return document;
}
