/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { type RunningServer } from '../apps/server/src/server';
import { gql } from './support/graphql';
import { call } from './support/http';
import { startServerWithoutModel } from './support/server';
import { dropIndices, testConfig, uniquePrefix } from './support/test-env';

const ADMIN = { authorization: 'Bearer admin-key-contract' };

const CREATE = `mutation Create($input: CreateApiKeyInput!) { createApiKey(input: $input) { name role key } }`;

/**
 * The create-key input is declared once (CreateKeyInput, libs/auth): REST, MCP and GraphQL take
 * the same fields with the same rules, and the role is the same closed set on every edge.
 */
describe('the create-key contract on every edge', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_INDEX_PREFIX: uniquePrefix(),
        QUARRY_API_KEYS: 'admin-key-contract:admin',
        QUARRY_RATE_LIMIT_READ: '0',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('GraphQL declares the role as the Role enum, with the values REST and MCP accept', async () => {
    const { body } = await gql(
      server.url,
      `{ input: __type(name: "CreateApiKeyInput") { inputFields { name type { kind ofType { kind name } } } }
         role: __type(name: "Role") { kind enumValues { name } } }`,
      {},
      ADMIN,
    );
    const role = body.data.input.inputFields.find((f: any) => f.name === 'role');
    expect(role.type).toEqual({ kind: 'NON_NULL', ofType: { kind: 'ENUM', name: 'Role' } });
    expect(body.data.role.enumValues.map((v: any) => v.name).sort()).toEqual(['ADMIN', 'READER', 'WRITER']);
  });

  it('creates a key from an enum literal over GraphQL, and the key has that role', async () => {
    const { body } = await gql(
      server.url,
      'mutation { createApiKey(input: { name: "gq-writer", role: WRITER }) { name role key } }',
      {},
      ADMIN,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.createApiKey).toMatchObject({ name: 'gq-writer', role: 'writer' });
    const listed = await call(server.url, 'GET', '/v1/keys', undefined, ADMIN);
    expect(listed.body.keys).toContainEqual(expect.objectContaining({ name: 'gq-writer', role: 'writer' }));
    // The same ApiKeyView over GraphQL, its created_at as createdAt.
    const viewed = await gql(server.url, '{ apiKeys { name role collections createdAt } }', {}, ADMIN);
    expect(viewed.body.data.apiKeys).toContainEqual({
      name: 'gq-writer',
      role: 'writer',
      collections: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('refuses a role outside the set over GraphQL, naming the field', async () => {
    const { body } = await gql(server.url, CREATE, { input: { name: 'gq-robot', role: 'ROBOT' } }, ADMIN);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/"input\.role".*"ROBOT".*"Role" enum/);
    // Lower-case values are REST's and MCP's spelling, not GraphQL's.
    const lower = await gql(server.url, CREATE, { input: { name: 'gq-lower', role: 'writer' } }, ADMIN);
    expect(lower.body.errors[0].message).toMatch(/"input\.role"/);
    const listed = await call(server.url, 'GET', '/v1/keys', undefined, ADMIN);
    expect(listed.body.keys.map((k: any) => k.name)).not.toContain('gq-robot');
  });

  it('refuses a role outside the set over REST, naming the field and the allowed values', async () => {
    const refused = await call(server.url, 'POST', '/v1/keys', { name: 'rest-robot', role: 'robot' }, ADMIN);
    expect(refused.status).toBe(400);
    const problem = refused.body.error.problems.find((p: any) => p.field === 'role');
    expect(problem.reason).toMatch(/reader, writer, admin/);
    const created = await call(
      server.url,
      'POST',
      '/v1/keys',
      { name: 'rest-reader', role: 'reader' },
      ADMIN,
    );
    expect(created).toMatchObject({ status: 201, body: { name: 'rest-reader', role: 'reader' } });
  });

  it('describes the REST body with the same declaration, the role as an enum', async () => {
    const openapi = (await call(server.url, 'GET', '/openapi.json')).body;
    const body = openapi.paths['/v1/keys'].post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/CreateKeyInput' });
    const { properties, required } = openapi.components.schemas.CreateKeyInput;
    expect(required).toEqual(['name', 'role']);
    expect(JSON.stringify(properties.role)).toContain('#/components/schemas/Role');
    expect(openapi.components.schemas.Role.enum).toEqual(['reader', 'writer', 'admin']);
  });
});
