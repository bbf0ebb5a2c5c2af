import type { Client } from 'graphql-ws';
import {
  LiveQueryIndex,
  LiveQueryRepository,
  type LiveQuery,
  type MatchDocument,
  LiveQueryService,
} from '@quarry/live';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { MessageManager } from '@quarry/core';
import {
  INDICES,
  SearchService,
  type IndexNames,
  type PublicDocument,
  type SearchInput,
  type SearchResult,
  type StoredDocument,
} from '@quarry/search';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { liveEntries, Recording, wsClient } from './support/graphql';
import { call } from './support/http';
import { startServerProcess, type ServerProcess } from './support/process-server';
import { dropIndices, eventually, testConfig } from './support/test-env';

const LIVE = `subscription Live($input: SearchInput!) {
  liveSearch(input: $input) { change hit { id collection snippet } }
}`;

const internal = { principal: { id: 'test', role: 'admin' as const }, transport: 'internal' as const };

describe('live results across instances (two processes, shared Elasticsearch and Redis)', () => {
  let a: RunningServer;
  let b: ServerProcess;
  let prefix: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    a = await startServer(testConfig());
    prefix = a.config.indexPrefix;
    b = await startServerProcess({ QUARRY_INDEX_PREFIX: prefix });
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    // A killed process has no exit code, only a signal: stop() would wait for an exit already past.
    if (b?.process.signalCode === null) await b.stop();
    await a?.close();
    await dropIndices(prefix);
  }, 60_000);

  const connect = (url: string) => {
    const client = wsClient(url);
    clients.push(client);
    return client;
  };

  it('delivers a hit on the instance the client subscribed to, whichever instance ingested', async () => {
    const onB = new Recording(connect(b.url), LIVE, {
      input: { query: 'geothermal heat pump', mode: 'LEXICAL' },
    });
    const onA = new Recording(connect(a.url), LIVE, { input: { query: 'photovoltaic', mode: 'LEXICAL' } });
    const entries = await eventually(
      () => liveEntries(prefix),
      (e) => e.length === 2,
    );
    const instances = new Set(entries.map((e) => e.instance));
    expect(instances.size).toBe(2);
    expect(instances.has(a.app.get(LiveQueryService).instance)).toBe(true);

    // Ingested on A, matched on A, delivered by B to its client.
    await call(a.url, 'POST', '/v1/documents', [
      {
        id: 'lv-geo',
        title: 'Geothermal heat pumps',
        body: 'A heat pump moves heat from the ground.',
        collection: 'energy',
      },
    ]);
    expect((await onB.until((e) => e.length >= 1))[0]).toMatchObject({
      change: 'new',
      hit: { id: 'lv-geo' },
    });

    // Ingested on B, matched on B, delivered by A.
    await call(b.url, 'POST', '/v1/documents', [
      {
        id: 'lv-pv',
        title: 'Photovoltaic panels',
        body: 'Photovoltaic cells turn light into current.',
        collection: 'energy',
      },
    ]);
    expect((await onA.until((e) => e.length >= 1))[0]).toMatchObject({ change: 'new', hit: { id: 'lv-pv' } });
    await a.app.get(LiveQueryService).idle();
    expect(onA.events.map((e) => e.hit.id)).toEqual(['lv-pv']);
    expect(onB.events.map((e) => e.hit.id)).toEqual(['lv-geo']);
    onA.stop();
    onB.stop();
    await eventually(
      () => liveEntries(prefix),
      (e) => e.length === 0,
    );
  });

  it('expires the live queries of a killed instance; the survivor keeps renewing its own', async () => {
    const survivor = new Recording(connect(a.url), LIVE, { input: { query: 'windmill' } });
    const orphan = new Recording(connect(b.url), LIVE, { input: { query: 'windmill' } });
    const before = await eventually(
      () => liveEntries(prefix),
      (e) => e.length === 2,
    );
    const ownEntry = before.find((e) => e.instance === a.app.get(LiveQueryService).instance)!;
    await eventually(
      async () => a.app.get(LiveQueryService).registry.queries.size,
      (n) => n === 2,
    );
    b.process.kill('SIGKILL');
    await new Promise((resolve) => b.process.once('exit', resolve));

    // Until it expires the dead instance's query is still matched; publishing to nobody is harmless.
    await call(a.url, 'POST', '/v1/documents', [
      { id: 'lv-wind', body: 'The windmill pumps water.', collection: 'energy' },
    ]);
    expect((await survivor.until((e) => e.length >= 1))[0].hit.id).toBe('lv-wind');

    const after = await eventually(
      () => liveEntries(prefix),
      (e) => e.length === 1,
      60_000,
    );
    expect(after[0].id).toBe(ownEntry.id);
    expect(after[0].expiresAt).toBeGreaterThan(ownEntry.expiresAt);
    await eventually(
      async () =>
        a.app
          .get(LiveQueryService)
          .registry.queries.all()
          .map((q) => q.instance),
      (instances) => instances.length === 1 && instances[0] === a.app.get(LiveQueryService).instance,
      15_000,
    );
    expect(orphan.events).toEqual([]);
    survivor.stop();
  }, 120_000);
});

/**
 * The in-memory matcher must agree with Elasticsearch: for every query, the documents it matches
 * are exactly those the lexical search returns (same analysers, same filters).
 */
describe('live matching agrees with the lexical search', () => {
  let server: RunningServer;
  const corpus = [
    {
      id: 'm1',
      collection: 'ops',
      title: 'Disk full',
      body: 'The disks are running full on the database hosts.',
      tags: ['storage'],
      metadata: { team: 'sre', level: 2 },
    },
    {
      id: 'm2',
      collection: 'ops',
      title: 'Rotating logs',
      body: 'Rotate the log files nightly with logrotate.',
      tags: ['storage', 'logs'],
      metadata: { team: 'sre' },
    },
    {
      id: 'm3',
      collection: 'ops',
      title: 'TLS/SSL certificates',
      body: "The company's certificates expire in 2026; renew them.",
      tags: ['security'],
      metadata: { team: 'platform' },
    },
    {
      id: 'm4',
      collection: 'hr',
      title: 'Parental leave',
      body: 'Parents take sixteen weeks of leave.',
      tags: ['policy'],
      metadata: { team: 'people', remote: true },
    },
    {
      id: 'm5',
      collection: 'hr',
      title: 'E-mail etiquette',
      body: 'Answer e-mails within two days; be kind.',
      tags: ['policy'],
      metadata: { team: 'people' },
    },
    {
      id: 'm6',
      collection: 'hr',
      title: 'Running club',
      body: 'The running club meets on Fridays. Runners of every level welcome!',
      tags: ['social'],
      metadata: {},
    },
    {
      id: 'm7',
      collection: 'dev',
      title: 'Café menu',
      body: 'Crème brûlée and naïve coffee: the café is open.',
      tags: [],
      metadata: { team: 'facilities' },
    },
    {
      id: 'm8',
      collection: 'dev',
      title: null,
      body: 'Kubernetes pods restart when the liveness probe fails.',
      tags: ['k8s'],
      source: 'wiki',
      metadata: { team: 'platform' },
    },
  ];
  const queries: Partial<SearchInput>[] = [
    { query: 'disk full' },
    { query: 'disks running' },
    { query: 'the' },
    { query: 'log' },
    { query: 'company certificates 2026' },
    { query: 'TLS' },
    { query: 'e-mail' },
    { query: 'runner' },
    { query: 'cafe creme' },
    { query: 'café' },
    { query: '@hr leave policy' },
    { query: '@ops @dev the', tags: ['storage'] },
    { query: 'the', filters: { metadata: { team: ['sre', 'people'] } } },
    { query: 'the', filters: { metadata: { remote: true } } },
    { query: 'the', filters: { source: ['wiki'] } },
    { query: 'liveness probe', collection: ['dev'] },
    { query: 'quantum chromodynamics' },
  ];

  beforeAll(async () => {
    server = await startServer(testConfig());
    const response = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      corpus.map(({ title, ...d }) => (title ? { title, ...d } : d)),
    );
    expect(response.body.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('matches exactly the documents Elasticsearch returns, for every query', async () => {
    const manager = server.app.get(MessageManager);
    const elasticsearch = server.app.get(ElasticsearchClient);
    const indices = server.app.get<IndexNames>(INDICES);
    const repository = new LiveQueryRepository(elasticsearch, indices);
    const stored = await manager.handle<{ documents: PublicDocument[] }>({
      ...internal,
      op: 'get_documents',
      args: { ids: corpus.map((d) => d.id) },
      requestId: 'agreement',
    });
    const documents = stored.documents as StoredDocument[];
    const terms = await repository.analyseDocuments(documents.map((d) => ({ title: d.title, body: d.body })));
    const batch: MatchDocument[] = documents.map((document, i) => ({
      id: document.id,
      change: 'new',
      collection: document.collection,
      document,
      terms: terms[i],
    }));
    const disagreements: string[] = [];
    const outcomes = { matching: 0, empty: 0 };
    for (const [n, input] of queries.entries()) {
      const search = await manager.handle<SearchResult>({
        ...internal,
        op: 'search',
        args: { ...input, mode: 'lexical', size: 100 },
        requestId: `agreement-${n}`,
      });
      const { text, scope } = await server.app.get(SearchService).resolve(input as SearchInput);
      const query: LiveQuery = {
        subscriptionId: `q${n}`,
        owner: 'test',
        instance: 'here',
        mode: 'lexical',
        text,
        scope,
        terms: text ? await repository.analyseQuery(text) : { english: [], standard: [] },
        createdAt: new Date().toISOString(),
        expiresAt: Date.now() + 60_000,
      };
      const index = new LiveQueryIndex();
      index.add(query);
      const live = index
        .match(batch, Date.now())
        .map((e) => e.hit.id)
        .sort();
      const expected = search.hits.map((h) => h.id).sort();
      outcomes[expected.length ? 'matching' : 'empty']++;
      if (JSON.stringify(live) !== JSON.stringify(expected))
        disagreements.push(
          `${JSON.stringify(input)}: live ${JSON.stringify(live)}, search ${JSON.stringify(expected)}`,
        );
    }
    expect(disagreements).toEqual([]);
    // The agreement means something only if the queries exercise both outcomes: some match
    // documents and some match none.
    expect(outcomes.matching).toBeGreaterThan(5);
    expect(outcomes.empty).toBeGreaterThan(0);
  });
});

/**
 * `@words` follow the search's rule (issue 12): one scopes the live query only when a collection of
 * that name exists, any other stays a query word; a `collection` asked for must exist.
 */
describe('live queries resolve @words like the search', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer(testConfig());
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'at-seed-dev', body: 'Seed of the dev collection.', collection: 'dev' },
    ]);
    expect(response.body.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  const connect = () => {
    const client = wsClient(server.url);
    clients.push(client);
    return client;
  };

  it('keeps an @word that names no collection as a query word', async () => {
    const live = new Recording(connect(), LIVE, {
      input: { query: 'python @decorator syntax', mode: 'LEXICAL' },
    });
    await eventually(
      () => liveEntries(server.config.indexPrefix),
      (e) => e.length === 1,
    );
    await call(server.url, 'POST', '/v1/documents', [
      { id: 'at-deco', body: 'The decorator syntax of Python wraps a function.', collection: 'dev' },
    ]);
    const [event] = await live.until((e) => e.length >= 1);
    expect(event).toMatchObject({ change: 'new', hit: { id: 'at-deco', collection: 'dev' } });
    live.stop();
    await eventually(
      () => liveEntries(server.config.indexPrefix),
      (e) => e.length === 0,
    );
  });

  it('scopes by an @word that names a collection', async () => {
    const live = new Recording(connect(), LIVE, { input: { query: '@dev kettle', mode: 'LEXICAL' } });
    await eventually(
      () => liveEntries(server.config.indexPrefix),
      (e) => e.length === 1,
    );
    await call(server.url, 'POST', '/v1/documents', [
      { id: 'at-kettle-home', body: 'The kettle boils water.', collection: 'home' },
      { id: 'at-kettle-dev', body: 'The kettle of the dev team.', collection: 'dev' },
    ]);
    await live.until((e) => e.length >= 1);
    await server.app.get(LiveQueryService).idle();
    expect(live.events.map((e) => e.hit.id)).toEqual(['at-kettle-dev']);
    live.stop();
  });

  it('refuses an explicitly requested collection that does not exist, naming it', async () => {
    const live = new Recording(connect(), LIVE, { input: { query: 'kettle', collection: ['nowhere'] } });
    const errors = await live.refusal();
    expect(errors[0].extensions.code).toBe('NOT_FOUND');
    expect(errors[0].message).toContain('"nowhere"');
  });
});
