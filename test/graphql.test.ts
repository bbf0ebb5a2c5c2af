/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { MessageManager } from '@quarry/core';
import { LiveQueryService } from '@quarry/live';
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { Client } from 'graphql-ws';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { MAX_PENDING_SOCKETS } from '../apps/server/src/graphql/graphql-ws.gateway';
import WebSocket from 'ws';
import { buildSchema, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildGraphqlSchema, SCHEMA_FILE } from '../apps/server/src/graphql/schema';
import { gql, liveEntries, Recording, wsClient } from './support/graphql';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';
import { buildPdf } from '../libs/ingest/src/testing/fixtures';

const docs = [
  {
    id: 'gq-disk',
    collection: 'runbooks',
    title: 'Disk full on database hosts',
    body: 'When the disks of a database host are running full, rotate the logs and delete old snapshots.',
    tags: ['ops', 'storage'],
    metadata: { team: 'sre' },
  },
  {
    id: 'gq-cert',
    collection: 'runbooks',
    title: 'Renewing TLS certificates',
    body: 'Certificates expire after ninety days. Renew them with the ACME client, then reload the proxy.',
    tags: ['ops', 'security'],
    metadata: { team: 'platform' },
  },
  {
    id: 'gq-leave',
    collection: 'hr',
    title: 'Parental leave policy',
    body: 'Employees who become parents may take sixteen weeks of paid leave to care for a newborn.',
    tags: ['policy'],
    metadata: { team: 'people' },
  },
];

const SEARCH = `query Search($input: SearchInput!) {
  search(input: $input) { total tookMs mode hits { id score title snippet highlights collection tags metadata } facets { collection { value count } tags { value count } } }
}`;

const LIVE = `subscription Live($input: SearchInput!) {
  liveSearch(input: $input) { change subscriptionId dropped hit { id score title snippet highlights collection tags } }
}`;

describe('GraphQL API (Apollo over HTTP, graphql-ws subscriptions; real Elasticsearch and Redis)', () => {
  let server: RunningServer;
  let base: string;
  let prefix: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer(testConfig());
    base = server.url;
    prefix = server.config.indexPrefix;
    const response = await call(base, 'POST', '/v1/documents?wait=true', docs);
    expect(response.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await server?.close();
    await dropIndices(prefix);
  });

  const connect = (
    params: Record<string, unknown> = {},
    onClosed?: (e: { code: number; reason: string }) => void,
  ) => {
    const client = wsClient(base, params, onClosed);
    clients.push(client);
    return client;
  };

  /** The subscription is registered once its live query is in the live index. */
  const subscribed = (count: number) =>
    eventually(
      () => liveEntries(prefix),
      (entries) => entries.length === count,
      15_000,
    );

  describe('schema', () => {
    // Formatting is prettier's check (npm run lint); this compares what the SDL says.
    const canonical = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

    it('schema.graphql is the schema the code declares and the app serves (run `npm run graphql:schema`)', async () => {
      const committed = canonical(buildSchema(fs.readFileSync(SCHEMA_FILE, 'utf8')));
      expect(canonical(await buildGraphqlSchema())).toBe(committed);
      expect(canonical(server.app.get(GraphQLSchemaHost).schema)).toBe(committed);
    });
  });

  describe('queries and mutations', () => {
    it('returns the same hits in the same order as REST and MCP for every mode', async () => {
      const mcp = new McpClient({ name: 'graphql-parity', version: '1.0.0' }, { capabilities: {} });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
      try {
        for (const mode of ['lexical', 'semantic', 'hybrid']) {
          const input = { query: 'disk full on the database server', mode, size: 3 };
          const graphql = await gql(base, SEARCH, { input: { ...input, mode: mode.toUpperCase() } });
          expect(graphql.body.errors).toBeUndefined();
          const rest = await call(base, 'POST', '/v1/search', input);
          const tool = await mcp.callTool({ name: 'search', arguments: input });
          const ids = (hits: { id: string }[]) => hits.map((h) => h.id);
          const graphqlIds = ids(graphql.body.data.search.hits);
          expect(graphqlIds[0]).toBe('gq-disk');
          expect(graphqlIds).toEqual(ids(rest.body.hits));
          expect(graphqlIds).toEqual(ids((tool.structuredContent as { hits: { id: string }[] }).hits));
          expect(graphql.body.data.search.mode).toBe(mode.toUpperCase());
          expect(graphql.body.data.search.hits[0]).toMatchObject({
            title: rest.body.hits[0].title,
            snippet: rest.body.hits[0].snippet,
            collection: 'runbooks',
            metadata: { team: 'sre' },
          });
        }
      } finally {
        await mcp.close();
      }
    });

    it('scopes by collection (a single name is a list of one) and reports facets', async () => {
      const response = await gql(base, SEARCH, {
        input: { query: 'policy leave', mode: 'LEXICAL', collection: 'hr' },
      });
      expect(response.body.data.search.hits.map((h: { id: string }) => h.id)).toEqual(['gq-leave']);
      expect(response.body.data.search.facets.collection).toEqual([{ value: 'hr', count: 1 }]);
    });

    it('resolves each hit’s document through one batched get_documents call', async () => {
      const handle = jest.spyOn(server.app.get(MessageManager), 'handle');
      try {
        const response = await gql(
          base,
          `{ search(input: { query: "@runbooks @hr", mode: LEXICAL }) { hits { id document { id body tags createdAt } } } }`,
        );
        expect(response.body.errors).toBeUndefined();
        const hits = response.body.data.search.hits;
        expect(hits).toHaveLength(3);
        for (const hit of hits) {
          const source = docs.find((d) => d.id === hit.id)!;
          expect(hit.document).toMatchObject({ id: hit.id, body: source.body, tags: source.tags });
        }
        const ops = handle.mock.calls.map(([envelope]) => envelope.op);
        expect(ops.filter((op) => op === 'get_documents')).toHaveLength(1);
        expect(ops).not.toContain('get_document');
      } finally {
        handle.mockRestore();
      }
    });

    it('indexes, reads and deletes documents with per-document results', async () => {
      const index = await gql(
        base,
        `mutation($docs: [DocumentInput!]!) { indexDocuments(documents: $docs, wait: true) { indexed failed items { index id status chunks error problems { field reason } document { title } } } }`,
        {
          docs: [
            {
              id: 'gq-new',
              title: 'Garden',
              body: 'Water the tomatoes in the morning.',
              collection: 'home',
              metadata: { a: null },
            },
            { id: 'gq-bad', body: '', tags: ['x'] },
          ],
        },
      );
      expect(index.body.errors).toBeUndefined();
      const result = index.body.data.indexDocuments;
      expect(result).toMatchObject({ indexed: 1, failed: 1 });
      expect(result.items[0]).toMatchObject({
        index: 0,
        id: 'gq-new',
        status: 'CREATED',
        chunks: 1,
        document: { title: 'Garden' },
      });
      expect(result.items[1]).toMatchObject({ index: 1, id: 'gq-bad', status: 'FAILED', document: null });
      expect(result.items[1].problems).toEqual([{ field: 'body', reason: 'body must not be empty' }]);

      const read = await gql(
        base,
        `{ document(id: "gq-new") { id title body collection metadata chunkCount } }`,
      );
      expect(read.body.data.document).toEqual({
        id: 'gq-new',
        title: 'Garden',
        body: 'Water the tomatoes in the morning.',
        collection: 'home',
        metadata: { a: null },
        chunkCount: 1,
      });
      const collections = await gql(base, `{ collections { name documents } }`);
      expect(collections.body.data.collections).toContainEqual({ name: 'home', documents: 1 });

      const deleted = await gql(base, `mutation { deleteDocument(id: "gq-new", wait: true) { id deleted } }`);
      expect(deleted.body.data.deleteDocument).toEqual({ id: 'gq-new', deleted: true });
      expect((await gql(base, `{ document(id: "gq-new") { id } }`)).body.data.document).toBeNull();
      const again = await gql(base, `mutation { deleteDocument(id: "gq-new") { id } }`);
      expect(again.body.errors[0].extensions.code).toBe('NOT_FOUND');
    });

    it('lists and registers tools and prompts through the registry operations', async () => {
      const tool = await gql(
        base,
        `mutation($input: SavedSearchToolInput!) { registerSearchTool(input: $input) { name version } }`,
        {
          input: {
            name: 'gq_runbooks',
            description: 'Search the runbooks',
            collection: ['runbooks'],
            mode: 'LEXICAL',
          },
        },
      );
      expect(tool.body.errors).toBeUndefined();
      expect(tool.body.data.registerSearchTool.name).toBe('gq_runbooks');
      const tools = await eventually(
        () => gql(base, `{ tools { name builtIn inputSchema } }`),
        (r) => r.body.data.tools.some((t: { name: string }) => t.name === 'gq_runbooks'),
      );
      expect(tools.body.data.tools).toContainEqual(
        expect.objectContaining({ name: 'search', builtIn: true }),
      );
      expect(tools.body.data.tools.find((t: any) => t.name === 'gq_runbooks').inputSchema.required).toEqual([
        'query',
      ]);

      const prompt = await gql(
        base,
        `mutation($input: PromptTemplateInput!) { registerPrompt(input: $input) { name version } }`,
        {
          input: {
            name: 'gq_greet',
            description: 'Greets',
            arguments: [{ name: 'who', required: true }],
            messages: [{ role: 'user', text: 'Hello {{ who }}' }],
          },
        },
      );
      expect(prompt.body.errors).toBeUndefined();
      const prompts = await eventually(
        () => gql(base, `{ prompts { name arguments { name required } } }`),
        (r) => r.body.data.prompts.some((p: { name: string }) => p.name === 'gq_greet'),
      );
      expect(prompts.body.data.prompts.find((p: any) => p.name === 'gq_greet').arguments).toEqual([
        { name: 'who', required: true },
      ]);
    });

    it('uploads files extracted on the server and lists a document’s chunks with their locations', async () => {
      const pdf = await buildPdf(
        [
          'Moraine survey.\nTill deposits mark the old ice edge.',
          'Drumlins point the way the glacier flowed.',
        ],
        'Moraine survey',
      );
      const upload = await gql(
        base,
        `mutation($files: [FileUploadInput!]!) { uploadFiles(collection: "glaciers", files: $files, wait: true) { indexed failed skipped items { name id status format reason } } }`,
        {
          files: [
            { name: 'moraine.pdf', contentBase64: pdf.toString('base64') },
            { name: 'blob.bin', contentBase64: Buffer.from([0, 1, 2, 3, 255, 0, 7]).toString('base64') },
          ],
        },
      );
      expect(upload.body.errors).toBeUndefined();
      const result = upload.body.data.uploadFiles;
      expect(result).toMatchObject({ indexed: 1, failed: 0, skipped: 1 });
      expect(result.items[0]).toMatchObject({
        name: 'moraine.pdf',
        id: 'glaciers:moraine.pdf',
        status: 'created',
        format: 'pdf',
      });
      expect(result.items[1]).toMatchObject({ name: 'blob.bin', id: null, status: 'skipped' });
      expect(result.items[1].reason).toBeTruthy();

      const read = await gql(
        base,
        `query($id: ID!) { document(id: $id) { collection chunks { chunkNo text location { page lines } } } }`,
        { id: 'glaciers:moraine.pdf' },
      );
      const chunks = read.body.data.document.chunks;
      expect(read.body.data.document.collection).toBe('glaciers');
      expect(chunks.map((c: any) => c.chunkNo)).toEqual(chunks.map((_: unknown, i: number) => i));
      const drumlins = chunks.find((c: any) => c.text.includes('Drumlins'));
      expect(drumlins.location.page).toBe(2);
      expect(chunks.find((c: any) => c.text.includes('Till deposits')).location.page).toBe(1);

      const tooMany = await gql(
        base,
        `mutation($files: [FileUploadInput!]!) { uploadFiles(collection: "glaciers", files: $files) { indexed } }`,
        { files: Array.from({ length: 21 }, (_, i) => ({ name: `f${i}.txt`, contentBase64: 'eA==' })) },
      );
      expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(tooMany.body.errors[0].extensions.problems[0].field).toBe('files');
      const notBase64 = await gql(
        base,
        `mutation($files: [FileUploadInput!]!) { uploadFiles(collection: "glaciers", files: $files) { indexed } }`,
        {
          files: [
            { name: 'a.txt', contentBase64: 'eA==' },
            { name: 'b.txt', contentBase64: 'not base64!' },
          ],
        },
      );
      expect(notBase64.body.errors[0].extensions.problems[0].field).toBe('files[1].contentBase64');
    });

    it('answers invalid input with the error table’s code and the field', async () => {
      const tooBig = await gql(base, SEARCH, { input: { query: 'x', size: 500 } });
      expect(tooBig.body.data).toBeNull();
      expect(tooBig.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'input.size', reason: 'size must not be greater than 100' }],
      });
      expect(tooBig.body.errors[0].path).toEqual(['search']);
      const badCollection = await gql(base, SEARCH, { input: { query: 'x', collection: ['Not Valid'] } });
      expect(badCollection.body.errors[0].extensions.problems[0].field).toBe('input.collection');
      const badEnum = await gql(base, SEARCH, { input: { query: 'x', mode: 'FUZZY' } });
      expect(badEnum.status).toBe(400);
      expect(badEnum.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(badEnum.body.errors[0].message).toMatch(/mode/);
      const unknownField = await gql(base, `{ search(input: { query: "x" }) { nope } }`);
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const badPrompt = await gql(
        base,
        `mutation($input: PromptTemplateInput!) { registerPrompt(input: $input) { name } }`,
        { input: { name: 'Bad Name', arguments: [], messages: [{ role: 'robot', text: 'x' }] } },
      );
      expect(badPrompt.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(
        badPrompt.body.errors[0].extensions.problems.map((p: { field: string }) => p.field).sort(),
      ).toEqual(['input.messages[0].role', 'input.name']);
    });
  });

  describe('subscriptions over graphql-ws', () => {
    it('pushes a matching document ingested through REST, not one that does not match', async () => {
      const live = new Recording(connect(), LIVE, { input: { query: 'solar inverter', mode: 'LEXICAL' } });
      try {
        await subscribed(1);
        const ingest = await call(base, 'POST', '/v1/documents', [
          { id: 'gq-cook', title: 'Soup', body: 'Simmer the onions for twenty minutes.', collection: 'home' },
        ]);
        expect(ingest.status).toBe(200);
        await call(base, 'POST', '/v1/documents', [
          {
            id: 'gq-solar',
            title: 'Solar inverters',
            body: 'The inverter of the solar array trips when the grid voltage is high.',
            collection: 'energy',
            tags: ['power'],
          },
        ]);
        const [event] = await live.until((events) => events.length >= 1);
        expect(event).toMatchObject({
          change: 'new',
          dropped: 0,
          hit: { id: 'gq-solar', collection: 'energy', tags: ['power'] },
        });
        expect(event.hit.title).toBe('Solar inverters');
        expect(event.hit.highlights[0]).toBe('<em>Solar</em> <em>inverters</em>');
        expect(event.hit.snippet).toContain('<em>inverter</em> of the <em>solar</em> array');

        await call(base, 'POST', '/v1/documents', [
          {
            id: 'gq-solar',
            title: 'Solar inverters',
            body: 'The inverter needs a firmware update.',
            collection: 'energy',
          },
        ]);
        await call(base, 'DELETE', '/v1/documents/gq-solar');
        const events = await live.until((e) => e.length >= 3);
        expect(events.map((e) => [e.change, e.hit.id])).toEqual([
          ['new', 'gq-solar'],
          ['updated', 'gq-solar'],
          ['deleted', 'gq-solar'],
        ]);
        await server.app.get(LiveQueryService).idle();
        expect(live.events.map((e) => e.hit.id)).not.toContain('gq-cook');
      } finally {
        live.stop();
      }
      await subscribed(0);
    });

    it('pushes a document that matches by meaning to a semantic live query', async () => {
      // A live query may only name a collection that exists (issue 12): give `people` its first document.
      await call(base, 'POST', '/v1/documents?wait=true', [
        { id: 'gq-people-seed', body: 'The office plants are watered on Mondays.', collection: 'people' },
      ]);
      const live = new Recording(connect(), LIVE, {
        input: { query: 'time off work after having a baby', mode: 'SEMANTIC', collection: ['people'] },
      });
      try {
        await subscribed(1);
        await call(base, 'POST', '/v1/documents', [
          {
            id: 'gq-kitchen',
            title: 'Kitchen',
            body: 'Clean the fridge every Friday afternoon.',
            collection: 'people',
          },
          {
            id: 'gq-maternity',
            title: 'Maternity and paternity leave',
            body: 'New mothers and fathers get paid leave from work after the birth of their child.',
            collection: 'people',
          },
        ]);
        const [event] = await live.until((events) => events.length >= 1);
        expect(event).toMatchObject({ change: 'new', hit: { id: 'gq-maternity' } });
        expect(event.hit.score).toBeGreaterThanOrEqual(0.45);
        await server.app.get(LiveQueryService).idle();
        expect(live.events.map((e) => e.hit.id)).toEqual(['gq-maternity']);
      } finally {
        live.stop();
      }
      await subscribed(0);
    });

    it('refuses a subscription with invalid input at subscribe time, naming the field', async () => {
      const live = new Recording(connect(), LIVE, { input: { query: 'x', size: 0 } });
      const errors = await live.refusal();
      expect(errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        problems: [{ field: 'input.size', reason: 'size must not be less than 1' }],
      });
      const badType = new Recording(connect(), LIVE, { input: { query: 'x', mode: 'NOPE' } });
      expect((await badType.refusal())[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await liveEntries(prefix)).toEqual([]);
    });

    it('removes the live query from the index on unsubscribe and on disconnect', async () => {
      const client = connect();
      const first = new Recording(client, LIVE, { input: { query: 'kubernetes' } });
      const second = new Recording(client, LIVE, { input: { query: 'terraform' } });
      const entries = await subscribed(2);
      expect(entries.every((e) => e.instance === server.app.get(LiveQueryService).instance)).toBe(true);
      expect(server.app.get(LiveQueryService).registry.queries.size).toBe(2);
      first.stop();
      await subscribed(1);
      expect(second.events).toEqual([]);
      await client.dispose();
      await subscribed(0);
      expect(server.app.get(LiveQueryService).registry.queries.size).toBe(0);
    });

    it('streams document changes of one collection', async () => {
      const changes = new Recording(
        connect(),
        `subscription { documentChanged(collection: "gq-watch") { id change collection document { title } } }`,
      );
      await eventually(
        async () => server.app.get(LiveQueryService).stats().watchers,
        (n) => n === 1,
      );
      await call(base, 'POST', '/v1/documents?wait=true', [
        { id: 'gq-w1', title: 'Watched', body: 'A watched document.', collection: 'gq-watch' },
        { id: 'gq-w2', body: 'Elsewhere.', collection: 'gq-other' },
      ]);
      await call(base, 'DELETE', '/v1/documents/gq-w1');
      const events = await changes.until((e) => e.length >= 2);
      expect(events).toEqual([
        { id: 'gq-w1', change: 'new', collection: 'gq-watch', document: { title: 'Watched' } },
        { id: 'gq-w1', change: 'deleted', collection: 'gq-watch', document: null },
      ]);
      changes.stop();
    });

    it('reports the progress of an ingest job started with a jobId', async () => {
      const jobId = `job-${randomUUID()}`;
      const progress = new Recording(
        connect(),
        `subscription($jobId: ID!) { ingestProgress(jobId: $jobId) { jobId done total finished indexed failed } }`,
        { jobId },
      );
      await eventually(
        async () => server.app.get(LiveQueryService).stats().watchers,
        (n) => n === 1,
      );
      const documents = Array.from({ length: 150 }, (_, i) => ({
        id: `gq-job-${i}`,
        body: `Job document number ${i}.`,
        collection: 'jobs',
      }));
      const response = await gql(
        base,
        `mutation($docs: [DocumentInput!]!, $jobId: ID) { indexDocuments(documents: $docs, jobId: $jobId) { indexed } }`,
        { docs: documents, jobId },
      );
      expect(response.body.data.indexDocuments.indexed).toBe(150);
      await eventually(
        async () => progress.completed,
        (done) => done,
      );
      expect(progress.events.at(-1)).toEqual({
        jobId,
        done: 150,
        total: 150,
        finished: true,
        indexed: 150,
        failed: 0,
      });
      expect(progress.events[0]).toMatchObject({ jobId, done: 100, total: 150, finished: false });
      // A late subscriber gets the job's last state at once.
      const late = new Recording(
        connect(),
        `subscription($jobId: ID!) { ingestProgress(jobId: $jobId) { done finished } }`,
        { jobId },
      );
      await eventually(
        async () => late.completed,
        (done) => done,
      );
      expect(late.events).toEqual([{ done: 150, finished: true }]);
    });

    it('reports a file left out of an upload job as skipped, not failed', async () => {
      const jobId = `job-${randomUUID()}`;
      const progress = new Recording(
        connect(),
        `subscription($jobId: ID!) { ingestProgress(jobId: $jobId) { done total finished indexed failed skipped } }`,
        { jobId },
      );
      await eventually(
        async () => server.app.get(LiveQueryService).stats().watchers,
        (n) => n === 1,
      );
      const upload = await gql(
        base,
        `mutation($files: [FileUploadInput!]!, $jobId: ID) { uploadFiles(collection: "progress", files: $files, jobId: $jobId, wait: true) { indexed skipped } }`,
        {
          jobId,
          files: [
            { name: 'note.txt', contentBase64: Buffer.from('A note on moraines.').toString('base64') },
            { name: 'blob.bin', contentBase64: Buffer.from([0, 1, 2, 3, 255, 0, 7]).toString('base64') },
          ],
        },
      );
      expect(upload.body.data.uploadFiles).toEqual({ indexed: 1, skipped: 1 });
      await eventually(
        async () => progress.completed,
        (done) => done,
      );
      expect(progress.events.at(-1)).toEqual({
        done: 2,
        total: 2,
        finished: true,
        indexed: 1,
        failed: 0,
        skipped: 1,
      });
    });
  });
});

describe('GraphQL with API keys', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer(
      testConfig({ QUARRY_API_KEYS: 'gq-reader-key:reader,gq-hr-reader:reader:hr,gq-admin-key1:admin' }),
    );
    await call(server.url, 'POST', '/v1/documents?wait=true', docs, {
      authorization: 'Bearer gq-admin-key1',
    });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('authenticates HTTP requests from headers, like REST, with UNAUTHENTICATED and FORBIDDEN codes', async () => {
    const anonymous = await gql(server.url, `{ collections { name } }`);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const reader = await gql(server.url, `{ collections { name } }`, {}, { 'x-api-key': 'gq-reader-key' });
    expect(reader.body.data.collections.map((c: { name: string }) => c.name)).toEqual(['hr', 'runbooks']);
    const forbidden = await gql(
      server.url,
      `mutation { deleteDocument(id: "gq-disk") { id } }`,
      {},
      { authorization: 'Bearer gq-reader-key' },
    );
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('shows chunks only of documents the key may read, and uploads only with a writer key', async () => {
    const query = `query($id: ID!) { document(id: $id) { id chunks { chunkNo text } } }`;
    const hr = { 'x-api-key': 'gq-hr-reader' };
    const own = await gql(server.url, query, { id: 'gq-leave' }, hr);
    expect(own.body.data.document.chunks[0].text).toContain('sixteen weeks');
    // A document of another collection is absent, chunks included.
    const other = await gql(server.url, query, { id: 'gq-disk' }, hr);
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.document).toBeNull();

    const upload = await gql(
      server.url,
      `mutation { uploadFiles(collection: "hr", files: [{ name: "x.txt", contentBase64: "eA==" }]) { indexed } }`,
      {},
      { authorization: 'Bearer gq-reader-key' },
    );
    expect(upload.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  /** A raw graphql-transport-ws socket, its messages and how it closed. */
  function rawSocket() {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { type: string; payload?: unknown }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, messages, closed, opened };
  }

  it('reads at most 64 KiB from a WebSocket before connection_init authenticates it, and lifts the bound after', async () => {
    // The attack: a 4 MB connection_init from a caller without credentials. Before the bound it was
    // buffered and parsed whole (frames may hold 20 MB) before the 4401 refusal.
    const attacker = rawSocket();
    await attacker.opened;
    attacker.ws.send(
      JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(4_000_000) } }),
    );
    const refused = await attacker.closed;
    expect(refused.code).toBe(1009);
    expect(refused.reason).toMatch(/more than 65536 bytes before authentication/);
    expect(attacker.messages).toEqual([]);

    // An authenticated socket may send big messages: 300 KB of variables, read and validated.
    const reader = rawSocket();
    await reader.opened;
    reader.ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: 'gq-reader-key' } }));
    await eventually(
      async () => reader.messages,
      (m) => m.some((message) => message.type === 'connection_ack'),
    );
    reader.ws.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: {
          query: 'query($pad: String) { collections { name } }',
          variables: { pad: 'y'.repeat(300_000) },
        },
      }),
    );
    const answer = await eventually(
      async () => reader.messages.find((message) => (message as { id?: string }).id === '1'),
      (message) => message !== undefined,
    );
    expect(answer).toMatchObject({ type: 'error', payload: [{ message: 'Variable "$pad" is never used.' }] });
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    reader.ws.close();
    await reader.closed;
  });

  it(`refuses a GraphQL WebSocket upgrade with 503 while ${MAX_PENDING_SOCKETS} sockets wait for connection_init`, async () => {
    const waiting = Array.from({ length: MAX_PENDING_SOCKETS }, () => rawSocket());
    try {
      await Promise.all(waiting.map((socket) => socket.opened));
      const refused = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('open', () => reject(new Error('upgraded past the limit')));
        ws.on('error', () => undefined);
      });
      expect(refused).toBe(503);
    } finally {
      for (const socket of waiting) socket.ws.terminate();
    }
    // Once they are gone, sockets are served again.
    await eventually(
      async () => {
        const socket = rawSocket();
        try {
          await socket.opened;
          return true;
        } catch {
          return false;
        } finally {
          socket.ws.terminate();
        }
      },
      (opened) => opened,
    );
  });

  it('authenticates a WebSocket with connection_init and scopes live results to the key’s collections', async () => {
    const closed: { code: number; reason: string }[] = [];
    const anonymous = wsClient(server.url, {}, (event) => closed.push(event));
    clients.push(anonymous);
    const refused = new Recording(anonymous, LIVE, { input: { query: 'leave' } });
    await eventually(
      async () => closed,
      (c) => c.length > 0,
    );
    expect(closed[0].code).toBe(4401);
    expect(closed[0].reason).toMatch(/credentials are required/);
    expect(refused.events).toEqual([]);

    const hr = wsClient(server.url, { apiKey: 'gq-hr-reader' });
    clients.push(hr);
    const live = new Recording(hr, LIVE, { input: { query: 'handbook' } });
    await eventually(
      async () => server.app.get(LiveQueryService).stats().subscriptions,
      (n) => n === 1,
    );
    const writer = { authorization: 'Bearer gq-admin-key1' };
    await call(
      server.url,
      'POST',
      '/v1/documents',
      [{ id: 'gq-rb-handbook', body: 'The on-call handbook.', collection: 'runbooks' }],
      writer,
    );
    await call(
      server.url,
      'POST',
      '/v1/documents',
      [{ id: 'gq-hr-handbook', body: 'The employee handbook.', collection: 'hr' }],
      writer,
    );
    const events = await live.until((e) => e.length >= 1);
    await server.app.get(LiveQueryService).idle();
    expect(events.map((e) => e.hit.id)).toEqual(['gq-hr-handbook']);
  });
});
