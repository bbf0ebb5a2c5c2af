import { MessageManager } from '@quarry/core';
import { INGESTION, IngestService, ITEM_RULES, UPLOAD_FILES, type Ingestion } from '@quarry/ingest';
import { INDICES, type IndexNames } from '@quarry/search';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { Client } from '@elastic/elasticsearch';
import Redis from 'ioredis';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { createIngestion, IngestMetaStore } from '../libs/ingest/src';
import { buildDocx, buildPdf } from '../libs/ingest/src/testing/fixtures';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';

const filler = (topic: string) =>
  `This paragraph is about ${topic}. `.repeat(3) + 'It exists so that the page has enough text to read.';

/** Records the texts the server embeds for documents (whatever the embedder's method is named). */
function countEmbeddedTexts(server: RunningServer): { texts: string[]; restore(): void } {
  const embedder = server.app.get<Embedder>(EMBEDDER) as unknown as Record<string, unknown>;
  const name = typeof embedder.embedPassages === 'function' ? 'embedPassages' : 'embed';
  const original = embedder[name] as (texts: string[], signal?: AbortSignal) => Promise<number[][]>;
  const texts: string[] = [];
  embedder[name] = (batch: string[], signal?: AbortSignal) => {
    texts.push(...batch);
    return original.call(embedder, batch, signal);
  };
  return { texts, restore: () => (embedder[name] = original) };
}

describe('ingestion: mixed files, directory sources, http-json sources, browsing (real services)', () => {
  let quarry: RunningServer;
  let base: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-ingest-'));

  beforeAll(async () => {
    // The test's APIs and sites listen on loopback, which the egress policy opens only when allow-listed.
    quarry = await startServer(testConfig({ QUARRY_FETCH_ALLOW: '127.0.0.1' }));
    base = quarry.url;
    fs.writeFileSync(
      path.join(dir, 'handbook.pdf'),
      await buildPdf(
        [
          filler('office hours'),
          filler('parking spaces'),
          'The violet heron nests beside the cooling tower.',
        ],
        'Staff handbook',
      ),
    );
    fs.writeFileSync(
      path.join(dir, 'guide.html'),
      `<!doctype html><html><head><title>VPN guide</title><script>trackVisitor()</script></head><body>
       <nav>Home | Products | Careers</nav><main><h1>VPN guide</h1>
       <p>${'Connect to the office network with the WireGuard client before opening the wiki. '.repeat(4)}</p>
       </main></body></html>`,
    );
    fs.writeFileSync(
      path.join(dir, 'onboarding.docx'),
      await buildDocx(['# Onboarding', 'New staff collect their badge at reception.']),
    );
    fs.writeFileSync(
      path.join(dir, 'backups.md'),
      '# Backups\n\n## Schedule\n\nThe database backup runs nightly at two.\n',
    );
    fs.writeFileSync(path.join(dir, 'README'), 'Quarry test folder. Nothing to see here.\n');
    fs.writeFileSync(
      path.join(dir, 'changelog.gz'),
      gzipSync('Version 2 replaced the coffee machine firmware.\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'notes für Anna + Bob.txt'),
      'Anna and Bob share the on-call rota in March.\n',
    );
    fs.writeFileSync(
      path.join(dir, 'logo.png'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]),
    );
  }, 120_000);

  afterAll(async () => {
    await quarry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (quarry) await dropIndices(quarry.config.indexPrefix);
  });

  it('indexes every readable file of a directory source and reports the others as skipped with the reason', async () => {
    const added = await call(base, 'POST', '/v1/sources', {
      name: 'docs',
      type: 'directory',
      collection: 'mixed',
      path: dir,
    });
    expect(added.status).toBe(201);
    for (const bad of ['/', '/proc', 'relative/folder']) {
      const refused = await call(base, 'POST', '/v1/sources', {
        name: 'bad',
        type: 'directory',
        collection: 'x',
        path: bad,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.problems[0].field).toBe('path');
    }
    const job = await call(base, 'POST', '/v1/sources/docs/sync?wait=true');
    expect(job.status).toBe(202);
    expect(job.body).toMatchObject({
      status: 'succeeded',
      counts: { found: 8, indexed: 7, embedded: 7, skipped: 1, failed: 0, deleted: 0 },
    });
    expect(job.body.failures).toEqual([
      { item: 'logo.png', stage: 'extract', reason: 'PNG image (no text to index)', skipped: true },
    ]);
    const metrics = (await call(base, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^quarry_ingest_job_items_total\{stage="embed"\} 7$/m);
    expect(metrics).toMatch(/^quarry_ingest_jobs_total\{status="succeeded"\} 1$/m);
    const stored = await call(base, 'GET', `/v1/jobs/${job.body.id}`);
    expect(stored.body).toMatchObject({ status: 'succeeded', counts: job.body.counts });
    expect((await call(base, 'GET', '/v1/jobs')).body.jobs.map((j: { id: string }) => j.id)).toContain(
      job.body.id,
    );

    const listed = await call(base, 'GET', '/v1/documents?collection=mixed&size=100');
    expect(listed.body.documents.map((d: { id: string }) => d.id).sort()).toEqual([
      'docs:README',
      'docs:backups.md',
      'docs:changelog.gz',
      'docs:guide.html',
      'docs:handbook.pdf',
      'docs:notes%20f%C3%BCr%20Anna%20%2B%20Bob.txt',
      'docs:onboarding.docx',
    ]);
    const html = await call(base, 'GET', '/v1/documents/docs%3Aguide.html');
    expect(html.body.title).toBe('VPN guide');
    expect(html.body.body).toContain('WireGuard');
    expect(html.body.body).not.toMatch(/trackVisitor|Careers/);
  }, 180_000);

  it('finds a phrase from page 3 of the PDF and says page 3, and reads around the hit within a budget', async () => {
    const found = await call(base, 'POST', '/v1/search', {
      query: 'violet heron nests',
      collection: 'mixed',
    });
    expect(found.body.hits[0]).toMatchObject({ id: 'docs:handbook.pdf', location: { page: 3 } });
    const chunk = found.body.hits[0].location.chunk;
    const excerpt = await call(base, 'GET', `/v1/documents/docs%3Ahandbook.pdf?chunk=${chunk}&maxChars=60`);
    expect(excerpt.body.body).toContain('violet heron');
    expect(excerpt.body.body.length).toBeLessThanOrEqual(60);
    expect(excerpt.body.excerpt).toMatchObject({
      truncated: true,
      chunks: [{ chunk, location: { page: 3 } }],
    });

    const graphql = await call(base, 'POST', '/graphql', {
      query: `query ($chunk: Int) {
        search(input: { query: "violet heron nests", collection: ["mixed"] }) { hits { id location { page chunk } } }
        document(id: "docs:handbook.pdf", chunk: $chunk, maxChars: 60) { body excerpt { truncated chunks { page } } }
      }`,
      variables: { chunk },
    });
    expect(graphql.body.errors).toBeUndefined();
    expect(graphql.body.data.search.hits[0]).toEqual({
      id: 'docs:handbook.pdf',
      location: { page: 3, chunk },
    });
    expect(graphql.body.data.document.body).toContain('violet heron');
    expect(graphql.body.data.document.excerpt).toEqual({ truncated: true, chunks: [{ page: 3 }] });

    const md = await call(base, 'POST', '/v1/search', {
      query: 'nightly database backup',
      collection: 'mixed',
    });
    expect(md.body.hits[0]).toMatchObject({
      id: 'docs:backups.md',
      location: { heading: ['Backups', 'Schedule'] },
    });
  }, 60_000);

  it('re-syncs incrementally: only the edited file is embedded again and the deleted one is removed', async () => {
    fs.writeFileSync(
      path.join(dir, 'backups.md'),
      '# Backups\n\n## Schedule\n\nThe database backup now runs hourly.\n',
    );
    fs.rmSync(path.join(dir, 'README'));
    const embedded = countEmbeddedTexts(quarry);
    const job = await call(base, 'POST', '/v1/sources/docs/sync?wait=true');
    // The edited file's one section, nothing else: unchanged files cost no embedding.
    expect(embedded.texts).toEqual([expect.stringContaining('now runs hourly')]);
    embedded.restore();
    expect(job.body).toMatchObject({
      status: 'succeeded',
      counts: { found: 7, unchanged: 5, indexed: 1, embedded: 1, deleted: 1, skipped: 1, failed: 0 },
    });
    expect((await call(base, 'GET', '/v1/documents/docs%3AREADME')).status).toBe(404);
    const edited = await call(base, 'GET', '/v1/documents/docs%3Abackups.md');
    expect(edited.body.body).toContain('hourly');
  }, 120_000);

  it('indexes every item of a paginated JSON API once, waiting out a 429 with Retry-After', async () => {
    const items = Array.from({ length: 7 }, (_, i) => ({
      id: `T-${i + 1}`,
      attributes: { name: `Ticket ${i + 1}`, notes: `Printer ${i + 1} on floor ${i} is out of toner.` },
    }));
    const requests: string[] = [];
    let limited = false;
    const api = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      requests.push(`${url.pathname}${url.search} ${request.headers.authorization ?? ''}`);
      if (request.headers.authorization !== 'Bearer sekret') return void response.writeHead(401).end();
      const page = Number(url.searchParams.get('page') ?? 1);
      if (page === 2 && !limited) {
        limited = true;
        return void response.writeHead(429, { 'retry-after': '1' }).end();
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: items.slice((page - 1) * 3, page * 3) }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const port = (api.address() as AddressInfo).port;
      const added = await call(base, 'POST', '/v1/sources', {
        name: 'tickets',
        type: 'http-json',
        collection: 'tickets',
        url: `http://127.0.0.1:${port}/api/tickets`,
        headers: { authorization: 'Bearer sekret' },
        itemsPath: 'data',
        pagination: { type: 'page', param: 'page', start: 1 },
        mapping: { id: 'id', title: 'attributes.name', body: 'attributes.notes' },
        requestsPerSecond: 20,
      });
      expect(added.status).toBe(201);
      const job = await call(base, 'POST', '/v1/sources/tickets/sync?wait=true');
      expect(job.body).toMatchObject({ status: 'succeeded', counts: { found: 7, indexed: 7, failed: 0 } });
      // Pages 1, 2 (429), 2, 3, and the empty page 4 that ends the walk.
      expect(requests.map((r) => r.split(' ')[0])).toEqual([
        '/api/tickets?page=1',
        '/api/tickets?page=2',
        '/api/tickets?page=2',
        '/api/tickets?page=3',
        '/api/tickets?page=4',
      ]);
      const listed = await call(base, 'GET', '/v1/documents?collection=tickets&size=100');
      expect(listed.body.total).toBe(7);
      expect(listed.body.documents.map((d: { title: string }) => d.title).sort()).toEqual(
        items.map((i) => i.attributes.name).sort(),
      );
      const sources = await call(base, 'GET', '/v1/sources');
      expect(JSON.stringify(sources.body)).not.toContain('sekret');

      const again = await call(base, 'POST', '/v1/sources/tickets/sync?wait=true');
      expect(again.body.counts).toMatchObject({ found: 7, unchanged: 7, indexed: 0, embedded: 0 });
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  }, 120_000);

  it('crawls a local site once: same origin, depth limit, robots.txt, then conditional requests', async () => {
    const page = (title: string, links: string[]) =>
      `<!doctype html><html><head><title>${title}</title></head><body><nav><a href="/">Home</a></nav><main><h1>${title}</h1>` +
      `<p>${`The ${title} page explains part of the cafeteria menu rotation. `.repeat(4)}</p>` +
      links.map((l) => `<a href="${l}">${l}</a>`).join(' ') +
      '</main></body></html>';
    const site: Record<string, { etag: string; html: string }> = {
      '/': {
        etag: '"r1"',
        html: page('Welcome', ['/a', '/b#top', '/private/secret', 'http://203.0.113.9/elsewhere']),
      },
      '/a': { etag: '"a1"', html: page('Soups', ['/c']) },
      '/b': { etag: '"b1"', html: page('Salads', ['/']) },
      '/c': { etag: '"c1"', html: page('Desserts', ['/d']) },
      '/d': { etag: '"d1"', html: page('Too deep', []) },
      '/private/secret': { etag: '"p1"', html: page('Secret', []) },
    };
    const requests: { path: string; conditional: boolean; agent: string }[] = [];
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      requests.push({
        path: url.pathname,
        conditional: request.headers['if-none-match'] !== undefined,
        agent: request.headers['user-agent'] ?? '',
      });
      if (url.pathname === '/robots.txt') return void response.end('User-agent: *\nDisallow: /private\n');
      const entry = site[url.pathname];
      if (!entry) return void response.writeHead(404).end();
      if (request.headers['if-none-match'] === entry.etag) return void response.writeHead(304).end();
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag: entry.etag });
      response.end(entry.html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const added = await call(base, 'POST', '/v1/sources', {
        name: 'cafe',
        type: 'web',
        collection: 'cafe',
        url: `http://127.0.0.1:${port}/`,
        maxDepth: 2,
        requestsPerSecond: 50,
      });
      expect(added.status).toBe(201);
      const first = await call(base, 'POST', '/v1/sources/cafe/sync?wait=true');
      expect(first.body).toMatchObject({
        status: 'succeeded',
        counts: { indexed: 4, skipped: 1, failed: 0 },
      });
      expect(first.body.failures).toEqual([
        { item: '/private/secret', stage: 'extract', reason: 'disallowed by robots.txt', skipped: true },
      ]);
      const pages = requests.filter((r) => r.path !== '/robots.txt').map((r) => r.path);
      expect(pages.sort()).toEqual(['/', '/a', '/b', '/c']);
      expect(requests.every((r) => r.agent.includes('QuarryBot'))).toBe(true);
      const listed = await call(base, 'GET', '/v1/documents?collection=cafe');
      expect(listed.body.documents.map((d: { id: string }) => d.id).sort()).toEqual([
        'cafe:a',
        'cafe:b',
        'cafe:c',
        'cafe:index',
      ]);

      requests.length = 0;
      site['/b'] = { etag: '"b2"', html: page('Salads and bowls', ['/']) };
      const embedded = countEmbeddedTexts(quarry);
      const second = await call(base, 'POST', '/v1/sources/cafe/sync?wait=true');
      embedded.restore();
      expect(second.body.counts).toMatchObject({ unchanged: 3, indexed: 1, embedded: 1, deleted: 0 });
      expect(embedded.texts.every((t) => t.includes('Salads and bowls'))).toBe(true);
      expect(requests.filter((r) => r.path !== '/robots.txt').every((r) => r.conditional)).toBe(true);

      // A page stored under older indexing rules (an upgrade since its last sync) is fetched
      // without validators and made again: a 304 would have kept what the old rules made of it.
      const docs = quarry.app.get<IndexNames>(INDICES).docs;
      await quarry.app.get(Client).update({
        index: docs,
        id: 'cafe:a',
        doc: { metadata: { item_rules: '1.0', item_hash: 'hashed under the old rules' } },
        refresh: true,
      });
      requests.length = 0;
      const third = await call(base, 'POST', '/v1/sources/cafe/sync?wait=true');
      expect(third.body.counts).toMatchObject({ unchanged: 3, indexed: 1, deleted: 0 });
      const fetched = requests.filter((r) => r.path !== '/robots.txt');
      expect(fetched.filter((r) => !r.conditional).map((r) => r.path)).toEqual(['/a']);
      const again = await call(base, 'GET', '/v1/documents/cafe:a');
      expect(again.body.metadata).toMatchObject({ item_rules: ITEM_RULES, etag: '"a1"' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);

  it('follows a sync job live (ingestProgress / watch_ingest) and cancels a running one', async () => {
    const small = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-live-job-'));
    fs.writeFileSync(path.join(small, 'one.md'), '# One\n\nThe first note.\n');
    fs.writeFileSync(path.join(small, 'two.md'), '# Two\n\nThe second note.\n');
    try {
      await call(base, 'POST', '/v1/sources', {
        name: 'notes',
        type: 'directory',
        collection: 'notes',
        path: small,
      });
      const started = await call(base, 'POST', '/v1/sources/notes/sync');
      expect(started.body.status).toBe('running');
      const stream = await quarry.app
        .get(MessageManager)
        .handle<AsyncIterableIterator<{ finished: boolean; indexed?: number }>>({
          op: 'watch_ingest',
          args: { jobId: started.body.id },
          principal: { id: 'local', role: 'admin' },
          transport: 'rest',
          requestId: 'watch-job',
        });
      let last: { finished: boolean; indexed?: number } | undefined;
      for await (const event of stream) {
        last = event;
        if (event.finished) break;
      }
      expect(last).toMatchObject({ finished: true, indexed: 2 });
    } finally {
      fs.rmSync(small, { recursive: true, force: true });
    }

    // An API that does not answer until released keeps the job running.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const api = http.createServer((_request, response) => {
      void held.then(() => response.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const port = (api.address() as AddressInfo).port;
      await call(base, 'POST', '/v1/sources', {
        name: 'slow',
        type: 'http-json',
        collection: 'slow',
        url: `http://127.0.0.1:${port}/items`,
        mapping: { id: 'id', body: 'text' },
      });
      const started = await call(base, 'POST', '/v1/sources/slow/sync');
      const cancelled = await call(base, 'POST', `/v1/jobs/${started.body.id}/cancel`);
      expect(cancelled.body).toMatchObject({ id: started.body.id, status: 'cancelled' });
      expect((await call(base, 'GET', `/v1/jobs/${started.body.id}`)).body.status).toBe('cancelled');
    } finally {
      release();
      await new Promise((resolve) => api.close(resolve));
    }
  }, 120_000);

  it('takes over a sync interrupted by a restart without duplicates, and runs a schedule on one instance', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-resume-'));
    fs.writeFileSync(path.join(folder, 'a.md'), '# A\n\nAlpha notes.\n');
    fs.writeFileSync(path.join(folder, 'b.md'), '# B\n\nBravo notes.\n');
    const jobs = async (source: string) =>
      ((await call(base, 'GET', '/v1/jobs?size=1000')).body.jobs as { source?: string; id: string }[]).filter(
        (j) => j.source === source,
      );
    try {
      await call(base, 'POST', '/v1/sources', {
        name: 'resumable',
        type: 'directory',
        collection: 'resumable',
        path: folder,
      });
      await call(base, 'POST', '/v1/sources/resumable/sync?wait=true');
      fs.writeFileSync(path.join(folder, 'c.md'), '# C\n\nCharlie notes.\n');
      // A sync that a stopped process left running: its record stopped changing minutes ago.
      const long = new Date(Date.now() - 10 * 60_000).toISOString();
      await new IngestMetaStore(quarry.app.get(Client), quarry.app.get<IndexNames>(INDICES).meta).put(
        'job',
        'dead-job',
        {
          id: 'dead-job',
          kind: 'sync',
          source: 'resumable',
          collection: 'resumable',
          status: 'running',
          stage: 'embed',
          stages: { fetch: 3, extract: 1, chunk: 0, embed: 0, index: 0 },
          counts: { found: 3, unchanged: 2, indexed: 0, embedded: 0, skipped: 0, failed: 0, deleted: 0 },
          failures: [],
          created_at: long,
          updated_at: long,
        },
        'wait_for',
      );
      await quarry.app.get<Ingestion>(INGESTION).scheduler!.tick();
      const dead = await eventually(
        async () => (await call(base, 'GET', '/v1/jobs/dead-job')).body,
        (job) => job.status === 'interrupted',
      );
      const resumed = await quarry.app.get<Ingestion>(INGESTION).jobs.wait(dead.resumedBy);
      expect(resumed).toMatchObject({
        resumes: 'dead-job',
        status: 'succeeded',
        counts: { unchanged: 2, indexed: 1 },
      });
      const listed = await call(base, 'GET', '/v1/documents?collection=resumable');
      expect(listed.body.documents.map((d: { id: string }) => d.id)).toEqual([
        'resumable:a.md',
        'resumable:b.md',
        'resumable:c.md',
      ]);

      // Two instances tick at once: the schedule runs once.
      await call(base, 'POST', '/v1/sources', {
        name: 'scheduled',
        type: 'directory',
        collection: 'scheduled',
        path: folder,
        every: '1h',
      });
      const other = createIngestion({
        elasticsearch: quarry.app.get(Client),
        indices: quarry.app.get<IndexNames>(INDICES),
        ingest: quarry.app.get(IngestService),
        redis: quarry.app.get(Redis),
        lockPrefix: `${quarry.config.indexPrefix}:ingest`,
      });
      try {
        await Promise.all([quarry.app.get<Ingestion>(INGESTION).scheduler!.tick(), other.scheduler!.tick()]);
        const scheduled = await eventually(
          () => jobs('scheduled'),
          (list) => list.length >= 1,
        );
        for (const job of scheduled) {
          await (other.jobs.runsHere(job.id) ? other.jobs : quarry.app.get<Ingestion>(INGESTION).jobs).wait(
            job.id,
          );
        }
        expect(await jobs('scheduled')).toHaveLength(1);
        await Promise.all([quarry.app.get<Ingestion>(INGESTION).scheduler!.tick(), other.scheduler!.tick()]);
        expect(await jobs('scheduled')).toHaveLength(1);
      } finally {
        await other.close();
      }
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it('pages through a collection with a cursor, deletes by filter and deletes a collection', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        base,
        'GET',
        `/v1/documents?collection=tickets&size=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.documents.map((d: { id: string }) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);

    const single = await call(base, 'POST', '/v1/documents?wait=true', {
      id: 'tickets:extra',
      collection: 'tickets',
      body: 'One document, not wrapped in an array.',
    });
    expect(single.body).toMatchObject({ indexed: 1, items: [{ id: 'tickets:extra', status: 'created' }] });

    const byPrefix = await call(base, 'DELETE', '/v1/documents?idPrefix=tickets:T-1');
    expect(byPrefix.body).toEqual({ deleted: 1 });
    const collection = await call(base, 'DELETE', '/v1/collections/tickets');
    expect(collection.body).toEqual({ collection: 'tickets', deleted: 7 });
    expect((await call(base, 'GET', '/v1/documents?collection=tickets')).body.total).toBe(0);
    expect((await call(base, 'DELETE', '/v1/documents')).status).toBe(400);
  }, 120_000);

  it('records an upload as an ingest job, listed on /v1/jobs with its counts and skipped files', async () => {
    const result = await quarry.app.get(MessageManager).handle({
      op: UPLOAD_FILES,
      args: {
        collection: 'uploads',
        wait: true,
        files: [
          {
            name: 'kiln.md',
            contentBase64: Buffer.from('# Kiln\n\nThe kiln is fired on Thursdays.\n').toString('base64'),
          },
          { name: 'blob.bin', contentBase64: Buffer.from([0, 1, 2, 255, 0]).toString('base64') },
        ],
      },
      principal: { id: 'uploader', role: 'admin' },
      transport: 'rest',
      requestId: 'upload-job',
    });
    expect(result).toMatchObject({ indexed: 1, skipped: 1 });
    const listed = (await call(base, 'GET', '/v1/jobs?size=1000')).body.jobs as {
      id: string;
      collection?: string;
    }[];
    const uploads = listed.filter((j) => j.collection === 'uploads');
    expect(uploads).toHaveLength(1);
    const stored = await call(base, 'GET', `/v1/jobs/${uploads[0].id}`);
    expect(stored.body).toMatchObject({
      kind: 'ingest',
      owner: 'uploader',
      status: 'succeeded',
      counts: { found: 2, indexed: 1, skipped: 1, failed: 0 },
      failures: [{ item: 'blob.bin', stage: 'extract', skipped: true }],
    });
    // The OpenAPI document describes that answer from the same declaration as MCP and GraphQL.
    const openapi = (await call(base, 'GET', '/openapi.json')).body;
    expect(openapi.paths['/v1/jobs/{id}'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Job',
    });
    const job = openapi.components.schemas.Job;
    expect(Object.keys(job.properties)).toEqual(expect.arrayContaining(Object.keys(stored.body)));
    expect(job.required).toEqual(expect.arrayContaining(['id', 'status', 'counts', 'created_at']));
  }, 120_000);

  it('removes a source with its documents', async () => {
    const removed = await call(base, 'DELETE', '/v1/sources/docs');
    expect(removed.body).toEqual({ name: 'docs', removed: true, deletedDocuments: 6 });
    expect((await call(base, 'GET', '/v1/documents?collection=mixed')).body.total).toBe(0);
    expect(
      (await call(base, 'GET', '/v1/sources')).body.sources.map((s: { name: string }) => s.name).sort(),
    ).toEqual(['cafe', 'notes', 'resumable', 'scheduled', 'slow', 'tickets']);
  }, 120_000);
});
