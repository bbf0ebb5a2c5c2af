import 'reflect-metadata';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { MessageManager } from '@quarry/core';
import { searchOperations, type SearchOperationDeps } from '@quarry/search';
import { buildOpenApi, toOpenApiSchema } from './openapi';
import { DocumentsController } from './rest/documents.controller';
import { HealthController } from './rest/health.controller';
import { IngestionController } from './rest/ingestion.controller';
import { RegistryController } from './rest/registry.controller';
import { ReindexController } from './rest/reindex.controller';
import { SearchController } from './rest/search.controller';

const CONTROLLERS: Type[] = [
  SearchController,
  DocumentsController,
  IngestionController,
  RegistryController,
  ReindexController,
  HealthController,
];

/** Whatever the controllers' constructors ask for, as empty stand-ins: only their routes are read. */
function stubProviders(controllers: Type[]) {
  const tokens = new Set<unknown>();
  for (const controller of controllers) {
    const types: unknown[] = Reflect.getMetadata('design:paramtypes', controller) ?? [];
    const injected: { index: number; param: unknown }[] =
      Reflect.getMetadata('self:paramtypes', controller) ?? [];
    types.forEach((type, index) => tokens.add(injected.find((i) => i.index === index)?.param ?? type));
  }
  tokens.delete(MessageManager);
  return [...tokens].map((token) => ({ provide: token as string, useValue: {} }));
}

describe('/openapi.json', () => {
  let app: INestApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    const manager = new MessageManager().register(...searchOperations({} as SearchOperationDeps));
    @Module({
      controllers: CONTROLLERS,
      providers: [...stubProviders(CONTROLLERS), { provide: MessageManager, useValue: manager }],
    })
    class RoutesOnly {}
    app = await NestFactory.create(RoutesOnly, { logger: false });
    document = buildOpenApi(app);
  });
  afterAll(() => app?.close());

  const routes = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'delete', 'patch'] as const)
        .filter((method) => item[method])
        .map((method) => ({ path, method, route: item[method]! })),
    );

  it('declares the security schemes: Authorization bearer (API key or JWT) and X-API-Key', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(document.security).toEqual([{ bearer: [] }, { apiKey: [] }, {}]);
    const health = routes().filter((r) => r.path.startsWith('/health'));
    expect(health.length).toBeGreaterThan(0);
    for (const { route } of health) expect(route.security).toEqual([]);
  });

  it('describes every response of every route, errors with the one error body', () => {
    expect(routes().length).toBeGreaterThan(20);
    for (const { path, method, route } of routes()) {
      const responses = route.responses as Record<string, { description?: string; content?: unknown }>;
      for (const [status, response] of Object.entries(responses)) {
        expect([path, method, status, typeof response.description, !!response.content]).toEqual([
          path,
          method,
          status,
          'string',
          true,
        ]);
        expect(response.description).not.toBe('');
      }
      if (path.startsWith('/health')) continue;
      // Each route names the operation it runs (@RunsOperation), so its result and role come from it.
      expect([path, method, (route as unknown as Record<string, unknown>)['x-quarry-operation']]).toEqual([
        path,
        method,
        expect.any(String),
      ]);
      expect([path, method, Object.keys(responses)]).toEqual([
        path,
        method,
        expect.arrayContaining(['400', '401', '403', '429', '500', '503']),
      ]);
      expect(responses['400']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      });
    }
    expect(document.components?.schemas?.Error).toMatchObject({
      properties: { error: { properties: { problems: { type: 'array' } } } },
    });
  });

  it('describes POST /v1/search from the search contract: its input and its result', () => {
    const search = document.paths['/v1/search'].post!;
    expect(search.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SearchInput' } } },
    });
    const input = document.components!.schemas!.SearchInput as { properties: Record<string, unknown> };
    expect(input.properties.collection).toMatchObject({ oneOf: [{ type: 'string' }, { type: 'array' }] });
    expect(input.properties.mode).toMatchObject({ allOf: [{ $ref: '#/components/schemas/SearchMode' }] });
    const ok = (search.responses as Record<string, { content: Record<string, { schema: unknown }> }>)['200'];
    expect(JSON.stringify(ok.content['application/json'].schema)).toMatch(/SearchResult|"hits"/);
    expect(Object.keys(search.responses)).not.toContain('404');
    // A route marked with the operation it runs: its result is that operation's output schema.
    const collections = document.paths['/v1/collections'].get! as unknown as Record<string, unknown>;
    expect(collections['x-quarry-role']).toBe('reader');
    expect(collections.responses).toMatchObject({
      '200': {
        content: { 'application/json': { schema: { properties: { collections: { type: 'array' } } } } },
      },
    });
  });

  it('is OpenAPI 3.0 throughout: no JSON Schema type lists, null types or propertyNames', () => {
    const offences: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (Array.isArray(record.type) || record.type === 'null') offences.push(`${path}.type`);
      if ('propertyNames' in record && path.includes('schema')) offences.push(`${path}.propertyNames`);
      for (const [key, value] of Object.entries(record)) visit(value, `${path}.${key}`);
    };
    visit(document.paths, 'paths');
    visit(document.components?.schemas, 'components.schemas');
    expect(offences).toEqual([]);
  });

  it('turns JSON Schema nullability into OpenAPI 3.0 nullable', () => {
    expect(toOpenApiSchema({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
    expect(
      toOpenApiSchema({
        oneOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { type: 'null' }],
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'integer' } }, nullable: true });
    expect(toOpenApiSchema({ type: ['string', 'number'] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'number' }],
    });
  });
});
