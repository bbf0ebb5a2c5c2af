/**
 * Hybrid search as a client sees it (issue 12): semanticRatio at the ends of its scale equals
 * the single retrievers, explain says where each hit came from, total and facets describe the
 * fused set, `@words` scope only when they name a collection, and relevance evaluation.
 */
import { MessageManager } from '@quarry/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { leaderStandsOut, standardScores, summarizeSearch } from '@quarry/search';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { gql } from './support/graphql';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

const docs = [
  {
    id: 'py-decorators',
    collection: 'code',
    title: 'Python decorators',
    body: 'A decorator wraps a function: the @ syntax above a def applies it. functools.wraps keeps the name.',
    tags: ['python'],
  },
  {
    id: 'py-generators',
    collection: 'code',
    title: 'Generators in Python',
    body: "Generators yield values lazily; they're iterators written as functions.",
    tags: ['python'],
  },
  {
    id: 'disk-full',
    collection: 'runbooks',
    title: 'Disk full on database hosts',
    body: 'When the disks of a database host are running full, rotate the logs and delete old snapshots.',
    tags: ['ops'],
  },
  {
    id: 'cert-renewal',
    collection: 'runbooks',
    title: 'Renewing TLS certificates',
    body: 'Certificates expire after ninety days. Renew them with the ACME client, then reload the proxy.',
    tags: ['ops', 'security'],
  },
  {
    id: 'car-repair',
    collection: 'garage',
    title: 'Fixing a flat tyre',
    body: 'Jack up the automobile, loosen the wheel nuts and swap the punctured wheel for the spare.',
    tags: ['vehicles'],
  },
  {
    id: 'bike-chain',
    collection: 'garage',
    title: 'Oiling a bicycle chain',
    body: 'A dry chain wears the sprockets. Clean it with a rag, oil each link and wipe off the excess.',
    tags: ['vehicles'],
  },
];

interface Hit {
  id: string;
  score: number;
  collection: string;
  explain?: {
    lexical: { rank: number; score: number } | null;
    semantic: { rank: number; score: number } | null;
    fusion?: { method: string; semanticRatio: number };
  };
}

describe('hybrid search: semanticRatio, fusion, explain, fused facets, @words, eval', () => {
  let server: RunningServer;
  const search = (input: object) => call(server.url, 'POST', '/v1/search', input);
  const ids = (body: { hits: Hit[] }) => body.hits.map((h) => h.id);

  beforeAll(async () => {
    server = await startServer(testConfig());
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', docs);
    expect(response.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it.each(['relative', 'rrf'])(
    '%s: semanticRatio 0 is the lexical ranking, 1 the semantic one',
    async (fusion) => {
      for (const query of ['disk full database', 'car wheel', 'python function']) {
        const lexical = await search({ query, mode: 'lexical' });
        const semantic = await search({ query, mode: 'semantic' });
        const atZero = await search({ query, mode: 'hybrid', semanticRatio: 0, fusion });
        const atOne = await search({ query, mode: 'hybrid', semanticRatio: 1, fusion });
        expect(atZero.status).toBe(200);
        expect(ids(atZero.body)).toEqual(ids(lexical.body));
        expect(atZero.body.total).toBe(lexical.body.total);
        expect(ids(atOne.body)).toEqual(ids(semantic.body));
        expect(atOne.body.total).toBe(semantic.body.total);
        // In between, both sides count: the two ends differ on these queries, so a blend is not either end.
        expect(ids(lexical.body)).not.toEqual(ids(semantic.body));
      }
    },
  );

  it('semanticRatio moves the ranking: a meaning-only match rises as the ratio grows', async () => {
    const query = 'automobile wheel disk';
    const position = async (semanticRatio: number) =>
      ids((await search({ query, mode: 'hybrid', semanticRatio, size: 6 })).body).indexOf('car-repair');
    expect(await position(0.9)).toBeLessThanOrEqual(await position(0.1));
  });

  it('by default, hybrid blends the standard scores of both sides, mostly by meaning, the words only when their leader stands out (relative 0.85)', async () => {
    // Two documents share its words ("disk", "full"; "dry", "chain"): its stop words match nothing.
    const query = 'a full disk or a dry chain';
    const hybrid = await search({ query, explain: true, size: 6 });
    const lexical = (await search({ query, mode: 'lexical', size: 100 })).body.hits as Hit[];
    const semantic = (await search({ query, mode: 'semantic', size: 100 })).body.hits as Hit[];
    // A handful of matches never singles one out, so here the words have no say and hybrid ranks
    // by meaning: before, the lexical side's standard scores counted whatever the list.
    expect(lexical.length).toBeGreaterThan(1);
    expect(leaderStandsOut(lexical)).toBe(false);
    const semanticZ = standardScores(semantic);
    const hits = hybrid.body.hits as Hit[];
    expect(hits.length).toBeGreaterThan(1);
    for (const hit of hits) {
      expect(hit.explain!.fusion).toEqual({ method: 'relative', semanticRatio: 0.85, wordsCounted: false });
      expect(hit.score).toBeCloseTo(0.85 * (semanticZ.get(hit.id) ?? 0), 5);
    }
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('refuses a semanticRatio outside 0..1 and an unknown fusion, naming the field', async () => {
    const ratio = await search({ query: 'disk', semanticRatio: 1.5 });
    expect(ratio.status).toBe(400);
    expect(ratio.body.error.problems[0].field).toBe('semanticRatio');
    const fusion = await search({ query: 'disk', fusion: 'borda' });
    expect(fusion.status).toBe(400);
    expect(fusion.body.error.problems[0].field).toBe('fusion');
  });

  it("explain gives each hit's lexical and semantic rank and score", async () => {
    const query = 'disk full database';
    const hybrid = await search({ query, mode: 'hybrid', semanticRatio: 0.5, explain: true, size: 6 });
    const lexical = await search({ query, mode: 'lexical', size: 6 });
    const semantic = await search({ query, mode: 'semantic', size: 6 });
    const hits = hybrid.body.hits as Hit[];
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      expect(hit.explain!.fusion).toEqual({ method: 'relative', semanticRatio: 0.5, wordsCounted: false });
      expect(hit.explain!.lexical ?? hit.explain!.semantic).not.toBeNull();
      if (hit.explain!.lexical) expect(ids(lexical.body)[hit.explain!.lexical.rank - 1]).toBe(hit.id);
      if (hit.explain!.semantic) expect(ids(semantic.body)[hit.explain!.semantic.rank - 1]).toBe(hit.id);
    }
    expect(hits.some((h) => h.explain!.lexical && h.explain!.semantic)).toBe(true);
    // Without explain, no explanation.
    expect((await search({ query })).body.hits[0].explain).toBeUndefined();
  });

  it('explain in GraphQL too', async () => {
    const response = await gql(
      server.url,
      `query($input: SearchInput!) { search(input: $input) {
         hits { id explain { lexical { rank score } semantic { rank score } fusion { method semanticRatio } } } } }`,
      { input: { query: 'disk full', mode: 'HYBRID', semanticRatio: 0.3, fusion: 'RRF', explain: true } },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.search.hits[0].explain.fusion).toEqual({ method: 'RRF', semanticRatio: 0.3 });
  });

  it('total and facets describe the fused set, also for hits only meaning found', async () => {
    // Only one document has one of these words: the others come from the semantic side alone, and
    // before, facets counted the lexical side only (here: one document).
    const response = await search({ query: 'automobile maintenance', mode: 'hybrid', semanticRatio: 0.5 });
    expect(response.status).toBe(200);
    const { hits, total, facets } = response.body;
    expect(hits.length).toBeGreaterThan(0);
    expect(total).toBe(docs.length);
    const counted = facets.collection.reduce((sum: number, b: { count: number }) => sum + b.count, 0);
    expect(counted).toBe(total);
    for (const hit of hits as Hit[])
      expect(facets.collection.map((b: { value: string }) => b.value)).toContain(hit.collection);
    expect(facets.tags.find((b: { value: string }) => b.value === 'vehicles')?.count).toBe(2);
  });

  it('total of a hybrid search is the size of the fused set, not the lexical any-word count', async () => {
    const response = await search({ query: 'disk', mode: 'hybrid', semanticRatio: 0.5, size: 2 });
    expect(response.body.total).toBeGreaterThan(1);
    const all = await search({ query: 'disk', mode: 'hybrid', semanticRatio: 0.5, size: 100 });
    expect(all.body.hits.length).toBe(response.body.total);
    const counted = all.body.facets.collection.reduce(
      (sum: number, b: { count: number }) => sum + b.count,
      0,
    );
    expect(counted).toBe(all.body.total);
  });

  it.each(['lexical', 'hybrid'])('%s: an @word that names no collection stays a query word', async (mode) => {
    const response = await search({ query: 'python @decorator syntax', mode });
    expect(response.status).toBe(200);
    expect(response.body.hits[0].id).toBe('py-decorators');
  });

  it('an @word naming an existing collection still scopes the query', async () => {
    const response = await search({ query: '@garage chain', mode: 'hybrid' });
    expect(response.status).toBe(200);
    expect(response.body.hits.length).toBeGreaterThan(0);
    expect(new Set(response.body.hits.map((h: Hit) => h.collection))).toEqual(new Set(['garage']));
  });

  it('an unknown collection asked for by the field is an error naming it (REST, GraphQL)', async () => {
    const response = await search({ query: 'disk', collection: ['runbooks', 'no-such-thing'] });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({
      code: 'not_found',
      field: 'collection',
      id: 'no-such-thing',
    });
    expect(response.body.error.message).toContain('"no-such-thing"');
    const graphql = await gql(server.url, 'query($input: SearchInput!) { search(input: $input) { total } }', {
      input: { query: 'disk', collection: ['nope'] },
    });
    expect(graphql.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(graphql.body.errors[0].message).toContain('"nope"');
  });

  it('snippets of meaning-only hits are the best-matching chunk, with the query words in it marked', async () => {
    const response = await search({ query: 'automobile maintenance', mode: 'semantic', size: 6 });
    const car = (response.body.hits as (Hit & { snippet: string })[]).find((h) => h.id === 'car-repair');
    expect(car?.snippet).toBe(
      'Jack up the <em>automobile</em>, loosen the wheel nuts and swap the punctured wheel for the spare.',
    );
  });

  it("MCP text is plain text: no HTML entities or <em> marks (the JSON keeps Elasticsearch's escaped HTML)", async () => {
    const result = await server.app.get(MessageManager).handle({
      op: 'search',
      args: { query: "they're iterators", mode: 'lexical' },
      principal: { id: 'test', role: 'admin' },
      transport: 'internal',
      requestId: 'plain-text',
    });
    const text = summarizeSearch(result as never);
    expect(text).toContain("they're");
    expect(text).not.toMatch(/&#x27;|&#39;|<em>/);
  });

  it('MCP search tool: semanticRatio, fusion and explain, valid against its output schema, plain text', async () => {
    const client = new Client({ name: 'hybrid-test', version: '1.0.0' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    try {
      const tools = await client.listTools();
      const search = tools.tools.find((t) => t.name === 'search')!;
      expect(Object.keys(search.inputSchema.properties ?? {})).toEqual(
        expect.arrayContaining(['semanticRatio', 'fusion', 'explain']),
      );
      // The SDK client validates structuredContent against the tool's outputSchema.
      const result = await client.callTool({
        name: 'search',
        arguments: { query: "they're iterators", semanticRatio: 0.7, fusion: 'rrf', explain: true },
      });
      const hits = (result.structuredContent as { hits: Hit[] }).hits;
      expect(hits[0].explain!.fusion).toEqual({ method: 'rrf', semanticRatio: 0.7 });
      const text = (result.content as { type: string; text: string }[])[0].text;
      expect(text).toContain("they're");
      expect(text).not.toMatch(/&#x27;|&#39;|<em>/);
    } finally {
      await client.close();
    }
  });

  it('POST /v1/eval reports MRR@10, nDCG@10 and recall@10/100 per mode, and a sweep on request', async () => {
    const judgments = [
      { query: 'disk full database', relevant: { 'disk-full': 2 } },
      { query: 'automobile maintenance', relevant: { 'car-repair': 2, 'bike-chain': 1 } },
      { query: 'lazy iterators', relevant: { 'py-generators': 1 }, collection: 'code' },
    ];
    const response = await call(server.url, 'POST', '/v1/eval', { judgments });
    expect(response.status).toBe(200);
    expect(response.body.queries).toBe(3);
    expect(response.body.rows.map((r: { run: string }) => r.run)).toEqual(['lexical', 'semantic', 'hybrid']);
    for (const row of response.body.rows) {
      for (const key of ['MRR@10', 'nDCG@10', 'recall@10', 'recall@100']) {
        expect(row[key]).toBeGreaterThanOrEqual(0);
        expect(row[key]).toBeLessThanOrEqual(1);
      }
    }
    // The first query's document has the words: lexical ranks it first.
    const swept = await call(server.url, 'POST', '/v1/eval', { judgments, sweep: true });
    expect(swept.body.rows).toHaveLength(3 + 2 * 11);
    const lexical = swept.body.rows[0];
    const atZero = swept.body.rows.find((r: { run: string }) => r.run === 'hybrid relative r=0');
    expect(atZero['MRR@10']).toBe(lexical['MRR@10']);
    const bad = await call(server.url, 'POST', '/v1/eval', {
      judgments: [{ query: 'x', relevant: { a: -1 } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems[0].field).toBe('judgments[0].relevant');
  });
});

describe('hybrid search: each hit is shown from its best chunk', () => {
  let server: RunningServer;
  // Paragraphs of 144 words: the sentence that matters is never in a document's first chunk.
  const filler = (topic: string) =>
    Array.from(
      { length: 9 },
      (_, i) => `The ${topic} committee met on day ${i + 1} and agreed on the agenda for the next season.`,
    ).join(' ');
  const guides = [
    {
      id: 'knife-care',
      title: 'Cutlery handbook',
      body: [
        filler('cutlery'),
        'To sharpen a kitchen knife, hold the blade at twenty degrees against a whetstone and draw it toward you, then strop it on leather.',
        filler('catering'),
      ].join('\n\n'),
    },
    {
      id: 'chisel-care',
      title: 'Woodshop handbook',
      body: [
        filler('woodshop'),
        'Honing restores a dull chisel: push the bevel across an oiled stone until a burr forms, then polish the back flat.',
        filler('timber'),
      ].join('\n\n'),
    },
  ];

  beforeAll(async () => {
    server = await startServer(testConfig());
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', guides);
    expect(response.status).toBe(200);
    for (const item of response.body.items) expect(item.chunks).toBeGreaterThanOrEqual(3);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('a word match from the chunk its words match best, a meaning-only match from its nearest chunk, on one page', async () => {
    const response = await call(server.url, 'POST', '/v1/search', {
      query: 'sharpen kitchen knife',
      mode: 'hybrid',
      explain: true,
    });
    expect(response.status).toBe(200);
    type Shown = Hit & { snippet: string; location?: { chunk: number } };
    const byId = new Map((response.body.hits as Shown[]).map((h) => [h.id, h]));
    const knife = byId.get('knife-care')!;
    expect(knife.explain!.lexical).not.toBeNull();
    expect(knife.snippet).toContain('To <em>sharpen</em> a <em>kitchen</em> <em>knife</em>');
    const chisel = byId.get('chisel-care')!;
    // None of the query's words is in it: only meaning brought it, from the chunk about honing.
    expect(chisel.explain!.lexical).toBeNull();
    expect(chisel.snippet).toContain('Honing restores a dull chisel');
  });
});
