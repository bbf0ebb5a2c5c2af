/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Client as WsClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { type RunningServer } from '../../apps/server/src/server';
import { gql, Recording, wsClient } from '../support/graphql';
import { call } from '../support/http';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, eventually, testConfig } from '../support/test-env';

const JWT_SECRET = 'a-test-secret-for-document-permissions-0123';
const KEYS = [
  'perm-admin-0123:admin',
  'perm-eng-reader-0123:reader:*:eng',
  'perm-hr-reader-0123:reader:*:hr',
  'perm-eng-writer-0123:writer:*:eng',
].join(',');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ADMIN = bearer('perm-admin-0123');
const ENG = bearer('perm-eng-reader-0123');
const HR = bearer('perm-hr-reader-0123');

/** Every document shares the word "quarterly", so every search below reaches all of them. */
const DOCUMENTS = [
  {
    id: 'eng-design',
    collection: 'wiki',
    title: 'Quarterly design review',
    body: 'The quarterly design review of the cluster.',
    access: { groups: ['eng'] },
  },
  {
    id: 'open-handbook',
    collection: 'wiki',
    title: 'Handbook',
    body: 'The quarterly all-hands is in the big room.',
  },
  {
    id: 'hr-salaries',
    collection: 'wiki',
    title: 'Quarterly salary bands',
    body: 'The quarterly salary bands of every employee.',
    access: { groups: ['hr'] },
  },
  {
    id: 'hr-reviews',
    collection: 'people',
    title: 'Quarterly performance reviews',
    body: 'Quarterly performance reviews, by employee.',
    access: { groups: ['hr'] },
  },
  {
    id: 'alice-note',
    collection: 'wiki',
    title: 'Quarterly note to Alice',
    body: 'A quarterly note for Alice only.',
    access: { users: ['alice'] },
  },
];
const FORBIDDEN = ['hr-salaries', 'hr-reviews', 'alice-note'];

const idsOf = (result: any): string[] => (result.hits ?? []).map((hit: any) => hit.id).sort();

function mint(subject: string): Promise<string> {
  return new SignJWT({ role: 'reader' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

// A reader of group eng attacks group hr's (and a user's) documents through every edge and mode.
describe('per-document permissions hold on every path', () => {
  let server: RunningServer;
  let engMcp: McpClient;
  const wsClients: WsClient[] = [];

  const search = (headers: Record<string, string>, input: Record<string, unknown>) =>
    call(server.url, 'POST', '/v1/search', input, headers);

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: KEYS, QUARRY_JWT_SECRET: JWT_SECRET, QUARRY_RATE_LIMIT_READ: '0' }),
    );
    const seeded = await call(server.url, 'POST', '/v1/documents?wait=true', DOCUMENTS, ADMIN);
    expect(seeded.status).toBe(200);
    expect(seeded.body.failed).toBe(0);
    engMcp = new McpClient({ name: 'eng-reader', version: '1' });
    await engMcp.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: ENG } }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const client of wsClients) await client.dispose();
    await engMcp?.close();
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it.each(['lexical', 'semantic', 'hybrid'])(
    '%s search: hits, total and facets count only what the reader may read',
    async (mode) => {
      const eng = await search(ENG, { query: 'quarterly', mode, size: 100, explain: true });
      expect(eng.status).toBe(200);
      expect(idsOf(eng.body)).toEqual(['eng-design', 'open-handbook']);
      expect(eng.body.total).toBe(2);
      expect(eng.body.facets.collection).toEqual([{ value: 'wiki', count: 2 }]);
      expect(JSON.stringify(eng.body)).not.toMatch(/salary|performance|Alice/);
      for (const hit of eng.body.hits) expect(hit.explain).toBeDefined();
      // The same search by hr and by an admin does show them: the test can tell the difference.
      expect(idsOf((await search(HR, { query: 'quarterly', mode, size: 100 })).body)).toEqual([
        'hr-reviews',
        'hr-salaries',
        'open-handbook',
      ]);
      expect(idsOf((await search(ADMIN, { query: 'quarterly', mode, size: 100 })).body)).toHaveLength(5);
    },
  );

  it('a small page is filled from what the reader may read, never starved by a post-filter', async () => {
    for (const mode of ['lexical', 'semantic', 'hybrid']) {
      const page = await search(ENG, { query: 'quarterly salary bands employee', mode, size: 2 });
      expect(idsOf(page.body)).toEqual(['eng-design', 'open-handbook']);
    }
  });

  it('scoping edges: a collection of only hr documents, @words, no words at all', async () => {
    const people = await search(ENG, { query: 'quarterly', collection: 'people' });
    expect(people.status).toBe(200);
    expect(people.body.hits).toEqual([]);
    expect(people.body.total).toBe(0);
    expect(idsOf((await search(ENG, { query: '@people' })).body)).toEqual([]);
    expect(idsOf((await search(ENG, { query: '@wiki', mode: 'lexical', size: 100 })).body)).toEqual([
      'eng-design',
      'open-handbook',
    ]);
    const collections = await call(server.url, 'GET', '/v1/collections', undefined, ENG);
    expect(collections.body.collections).toEqual([{ name: 'wiki', documents: 2 }]);
  });

  it('a user-specific document is read by that user only (a token whose sub names it)', async () => {
    const alice = bearer(await mint('alice'));
    const bob = bearer(await mint('bob'));
    expect(idsOf((await search(alice, { query: 'quarterly', size: 100 })).body)).toContain('alice-note');
    expect(idsOf((await search(bob, { query: 'quarterly', size: 100 })).body)).not.toContain('alice-note');
    expect((await call(server.url, 'GET', '/v1/documents/alice-note', undefined, alice)).status).toBe(200);
    expect((await call(server.url, 'GET', '/v1/documents/alice-note', undefined, bob)).status).toBe(404);
  });

  it('a key created through the API with groups reads those groups only', async () => {
    const created = await call(
      server.url,
      'POST',
      '/v1/keys',
      { name: 'hr-bot', role: 'reader', groups: ['hr'] },
      ADMIN,
    );
    expect(created.status).toBe(201);
    expect(created.body.groups).toEqual(['hr']);
    const plain = await call(server.url, 'POST', '/v1/keys', { name: 'plain-bot', role: 'reader' }, ADMIN);
    expect(plain.status).toBe(201);
    const hrBot = bearer(created.body.key);
    const plainBot = bearer(plain.body.key);
    // Keys are reloaded on every instance when announced: wait for this one to know them.
    await eventually(
      async () => (await call(server.url, 'GET', '/v1/documents/hr-salaries', undefined, hrBot)).status,
      (status) => status === 200,
      10_000,
    );
    expect((await call(server.url, 'GET', '/v1/documents/hr-salaries', undefined, plainBot)).status).toBe(
      404,
    );
    expect((await call(server.url, 'GET', '/v1/documents/open-handbook', undefined, plainBot)).status).toBe(
      200,
    );
  });

  it('get_document answers 404, whole or around a chunk, as for a document that does not exist', async () => {
    for (const id of FORBIDDEN) {
      const whole = await call(server.url, 'GET', `/v1/documents/${id}`, undefined, ENG);
      expect(whole.status).toBe(404);
      const around = await call(server.url, 'GET', `/v1/documents/${id}?chunk=0`, undefined, ENG);
      expect(around.status).toBe(404);
      expect(JSON.stringify([whole.body, around.body])).not.toMatch(/salary|performance|Alice/);
    }
    const granted = await call(server.url, 'GET', '/v1/documents/eng-design', undefined, ENG);
    expect(granted.body).toMatchObject({ id: 'eng-design', access: { groups: ['eng'] } });
    const listed = await call(server.url, 'GET', '/v1/documents?size=100', undefined, ENG);
    expect(listed.body.documents.map((d: any) => d.id).sort()).toEqual(['eng-design', 'open-handbook']);
  });

  it('GraphQL: search, document, Document.chunks and hit.document', async () => {
    const searched = await gql(
      server.url,
      `{ search(input: { query: "quarterly", size: 50 }) { total hits { id document { id access { groups } chunks { text } } } } }`,
      {},
      ENG,
    );
    expect(searched.body.errors).toBeUndefined();
    expect(searched.body.data.search.hits.map((h: any) => h.id).sort()).toEqual([
      'eng-design',
      'open-handbook',
    ]);
    expect(searched.body.data.search.total).toBe(2);
    const design = searched.body.data.search.hits.find((h: any) => h.id === 'eng-design');
    expect(design.document.access).toEqual({ groups: ['eng'] });
    expect(design.document.chunks.length).toBeGreaterThan(0);
    const direct = await gql(
      server.url,
      `{ document(id: "hr-salaries") { id body chunks { text } } }`,
      {},
      ENG,
    );
    expect(direct.body.data?.document ?? null).toBeNull();
    expect(JSON.stringify(direct.body)).not.toMatch(/salary bands/);
    const asHr = await gql(server.url, `{ document(id: "hr-salaries") { id chunks { text } } }`, {}, HR);
    expect(asHr.body.data.document.chunks[0].text).toMatch(/salary bands/);
  });

  it('MCP: resources read and listed, subscriptions and completion of ids', async () => {
    for (const id of FORBIDDEN) {
      await expect(engMcp.readResource({ uri: `quarry://documents/${id}` })).rejects.toThrow(/not found/i);
      await expect(engMcp.subscribeResource({ uri: `quarry://documents/${id}` })).rejects.toThrow(
        /not found/i,
      );
    }
    await expect(engMcp.readResource({ uri: 'quarry://collections/people' })).rejects.toThrow(/not found/i);
    const listed = JSON.stringify(await engMcp.listResources());
    for (const id of FORBIDDEN) expect(listed).not.toContain(id);
    expect(listed).toContain('eng-design');
    const completed = await engMcp.complete({
      ref: { type: 'ref/resource', uri: 'quarry://documents/{id}' },
      argument: { name: 'id', value: '' },
    });
    expect(completed.completion.values.sort()).toEqual(['eng-design', 'open-handbook']);
    const hrOnly = await engMcp.complete({
      ref: { type: 'ref/resource', uri: 'quarry://documents/{id}' },
      argument: { name: 'id', value: 'hr-' },
    });
    expect(hrOnly.completion.values).toEqual([]);
  });

  it('a resource cached for an hr reader is not served to an eng reader', async () => {
    const hrMcp = new McpClient({ name: 'hr-reader', version: '1' });
    await hrMcp.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: HR } }),
    );
    try {
      const read = await hrMcp.readResource({ uri: 'quarry://documents/hr-salaries' });
      expect(JSON.stringify(read)).toContain('salary bands');
      await expect(engMcp.readResource({ uri: 'quarry://documents/hr-salaries' })).rejects.toThrow(
        /not found/i,
      );
      // A collection's count differs by reader: hr's count is never served to eng.
      await hrMcp.readResource({ uri: 'quarry://collections/wiki' });
      const wiki = await engMcp.readResource({ uri: 'quarry://collections/wiki' });
      expect(JSON.parse((wiki.contents[0] as any).text)).toEqual({ name: 'wiki', documents: 2 });
    } finally {
      await hrMcp.close();
    }
  });

  it('answer_with_citations renders only what the reader may read', async () => {
    const rendered = await call(
      server.url,
      'POST',
      '/v1/prompts/answer_with_citations/render',
      { question: 'quarterly salary bands of every employee' },
      ENG,
    );
    expect(rendered.status).toBe(200);
    const text = JSON.stringify(rendered.body);
    for (const id of FORBIDDEN) expect(text).not.toContain(id);
    expect(text).not.toMatch(/salary bands of every employee\./);
    const asHr = await call(
      server.url,
      'POST',
      '/v1/prompts/answer_with_citations/render',
      { question: 'quarterly salary bands of every employee' },
      HR,
    );
    expect(JSON.stringify(asHr.body)).toContain('hr-salaries');
  });

  it('evaluate_search ranks only what the reader may read', async () => {
    const judgments = [{ query: 'quarterly salary bands', relevant: { 'hr-salaries': 1 } }];
    const eng = await call(server.url, 'POST', '/v1/eval', { judgments }, ENG);
    expect(eng.status).toBe(200);
    for (const row of eng.body.rows) expect(row['recall@100']).toBe(0);
    const hr = await call(server.url, 'POST', '/v1/eval', { judgments }, HR);
    for (const row of hr.body.rows) expect(row['recall@100']).toBe(1);
  });

  it('a cached result of an hr reader is never served to an eng reader', async () => {
    const query = { query: 'salary', mode: 'lexical' };
    expect(idsOf((await search(HR, query)).body)).toEqual(['hr-salaries']);
    expect(idsOf((await search(HR, query)).body)).toEqual(['hr-salaries']);
    expect(idsOf((await search(ENG, query)).body)).toEqual([]);
  });

  it('writers set access only within their groups and cannot overwrite or delete what they cannot read', async () => {
    const writer = bearer('perm-eng-writer-0123');
    const written = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        { id: 'planted', collection: 'wiki', body: 'quarterly planted note', access: { groups: ['hr'] } },
        { id: 'hr-salaries', collection: 'wiki', body: 'overwritten', access: { groups: ['eng'] } },
        { id: 'eng-own', collection: 'wiki', body: 'quarterly eng note', access: { groups: ['eng'] } },
        { id: 'nobody', collection: 'wiki', body: 'quarterly', access: { groups: [] } },
      ],
      writer,
    );
    expect(written.status).toBe(200);
    const [planted, overwrite, own, nobody] = written.body.items;
    expect(planted).toMatchObject({ status: 'failed', problems: [{ field: 'access.groups' }] });
    expect(overwrite).toMatchObject({
      status: 'failed',
      error: 'id "hr-salaries" is not writable with this key',
    });
    expect(own).toMatchObject({ status: 'created' });
    expect(nobody.status).toBe('failed');
    expect(JSON.stringify(nobody)).toMatch(/access/);
    expect((await call(server.url, 'DELETE', '/v1/documents/hr-salaries', undefined, writer)).status).toBe(
      404,
    );
    const stored = await call(server.url, 'GET', '/v1/documents/hr-salaries', undefined, ADMIN);
    expect(stored.body).toMatchObject({ body: 'The quarterly salary bands of every employee.' });
    expect(
      (await call(server.url, 'DELETE', '/v1/documents/eng-own?wait=true', undefined, writer)).status,
    ).toBe(200);
    // A document shared with hr may be updated by eng and stay shared; adding a group is refused.
    const sharedPlan = {
      id: 'shared-plan',
      collection: 'wiki',
      body: 'The shared roadmap.',
      access: { groups: ['eng', 'hr'] },
    };
    expect((await call(server.url, 'POST', '/v1/documents?wait=true', [sharedPlan], ADMIN)).body.failed).toBe(
      0,
    );
    const updated = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        { ...sharedPlan, body: 'The shared roadmap, revised.' },
        { ...sharedPlan, id: 'shared-plan-2', access: { groups: ['eng', 'finance'] } },
      ],
      writer,
    );
    expect(updated.body.items.map((i: any) => i.status)).toEqual(['updated', 'failed']);
    expect(updated.body.items[1].problems).toEqual([expect.objectContaining({ field: 'access.groups' })]);
  });

  it('live pushes go to the readers of a document only (GraphQL liveSearch and documentChanged)', async () => {
    const connect = (headers: Record<string, string>) => {
      const client = wsClient(server.url, headers);
      wsClients.push(client);
      return client;
    };
    const LIVE = `subscription Live($input: SearchInput!) { liveSearch(input: $input) { change hit { id } } }`;
    const CHANGED = `subscription { documentChanged { id change } }`;
    const engClient = connect(ENG);
    const hrClient = connect(HR);
    const engLive = new Recording(engClient, LIVE, { input: { query: 'budget', mode: 'LEXICAL' } });
    const hrLive = new Recording(hrClient, LIVE, { input: { query: 'budget', mode: 'LEXICAL' } });
    const engChanged = new Recording(engClient, CHANGED);
    // Subscriptions are registered when a first probe document reaches both.
    await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id: 'live-probe', collection: 'wiki', body: 'budget probe' }],
      ADMIN,
    );
    await engLive.until((e) => e.some((x) => x.hit.id === 'live-probe'));
    await hrLive.until((e) => e.some((x) => x.hit.id === 'live-probe'));
    await engChanged.until((e) => e.some((x) => x.id === 'live-probe'));

    // One batch, the hr document first: by the time eng's document arrives, hr's would have too.
    await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        { id: 'live-hr', collection: 'wiki', body: 'The hr budget for bonuses.', access: { groups: ['hr'] } },
        {
          id: 'live-eng',
          collection: 'wiki',
          body: 'The eng budget for servers.',
          access: { groups: ['eng'] },
        },
      ],
      ADMIN,
    );
    await engLive.until((e) => e.some((x) => x.hit.id === 'live-eng'));
    await hrLive.until((e) => e.some((x) => x.hit.id === 'live-hr'));
    await engChanged.until((e) => e.some((x) => x.id === 'live-eng'));
    // Deletion of the hr document: an eng subscriber is not told either.
    await call(server.url, 'DELETE', '/v1/documents/live-hr?wait=true', undefined, ADMIN);
    await call(server.url, 'DELETE', '/v1/documents/live-eng?wait=true', undefined, ADMIN);
    await engLive.until((e) => e.some((x) => x.hit.id === 'live-eng' && x.change === 'deleted'));
    await engChanged.until((e) => e.some((x) => x.id === 'live-eng' && x.change === 'deleted'));
    await hrLive.until((e) => e.some((x) => x.hit.id === 'live-hr' && x.change === 'deleted'));
    expect(engLive.events.map((e) => e.hit.id)).not.toContain('live-hr');
    expect(engChanged.events.map((e) => e.id)).not.toContain('live-hr');
    expect(hrLive.events.map((e) => e.hit.id)).not.toContain('live-eng');
  });
});
