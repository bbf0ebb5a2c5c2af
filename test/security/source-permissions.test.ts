import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningServer } from '../../apps/server/src/server';
import { call } from '../support/http';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, testConfig } from '../support/test-env';

const KEYS = [
  'src-admin-0123:admin',
  'src-eng-reader-0123:reader:*:eng',
  'src-hr-reader-0123:reader:*:hr',
].join(',');
const ADMIN = { authorization: 'Bearer src-admin-0123' };
const ENG = { authorization: 'Bearer src-eng-reader-0123' };
const HR = { authorization: 'Bearer src-hr-reader-0123' };

// Sources set `access` on what they ingest: a reader of eng must not find hr's files or items.
describe('sources set per-document permissions', () => {
  let server: RunningServer;
  let work: string;
  let api: http.Server;
  let apiUrl: string;

  const listed = async (headers: Record<string, string>, collection: string) => {
    const answer = await call(
      server.url,
      'GET',
      `/v1/documents?collection=${collection}&size=100`,
      undefined,
      headers,
    );
    expect(answer.status).toBe(200);
    return (answer.body.documents as { id: string }[]).map((d) => d.id).sort();
  };
  const sync = async (name: string) => {
    const job = await call(server.url, 'POST', `/v1/sources/${name}/sync?wait=true`, undefined, ADMIN);
    expect(job.body.status).toBe('succeeded');
    return job.body;
  };

  beforeAll(async () => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-srcperm-')));
    fs.mkdirSync(path.join(work, 'hr'), { recursive: true });
    fs.mkdirSync(path.join(work, 'eng'), { recursive: true });
    fs.writeFileSync(path.join(work, 'hr', 'salaries.md'), '# Salaries\n\nThe salary bands.\n');
    fs.writeFileSync(path.join(work, 'eng', 'design.md'), '# Design\n\nThe cluster design.\n');
    fs.writeFileSync(path.join(work, 'readme.md'), '# Readme\n\nFor everyone.\n');
    const items = [
      { id: 'h1', text: 'HR ticket about a salary', groups: ['hr'] },
      { id: 'e1', text: 'Eng ticket about a server', groups: ['eng'] },
      { id: 'x1', text: 'A ticket that names no access' },
    ];
    api = http.createServer((request, response) => {
      if (request.url === '/robots.txt') return void response.writeHead(404).end();
      if (request.url?.startsWith('/site')) {
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end(
          '<html><head><title>Payroll</title></head><body><p>Payroll calendar of hr.</p></body></html>',
        );
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: items }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/tickets`;
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_API_KEYS: KEYS,
        QUARRY_RATE_LIMIT_READ: '0',
        QUARRY_SOURCE_ROOTS: work,
        QUARRY_FETCH_ALLOW: '127.0.0.1',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    await new Promise((resolve) => api?.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a directory source maps paths to groups; other files take the source access (here: open)', async () => {
    const added = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'share',
        type: 'directory',
        collection: 'share',
        path: work,
        accessByPath: { 'hr/**': ['hr'], 'eng/**': ['eng'] },
      },
      ADMIN,
    );
    expect(added.status).toBe(201);
    expect((await sync('share')).counts).toMatchObject({ indexed: 3 });
    const eng = await listed(ENG, 'share');
    const hr = await listed(HR, 'share');
    expect(eng).toHaveLength(2);
    expect(eng.some((id) => id.includes('salaries'))).toBe(false);
    expect(eng.some((id) => id.includes('design'))).toBe(true);
    expect(hr.some((id) => id.includes('salaries'))).toBe(true);
    expect(hr.some((id) => id.includes('design'))).toBe(false);
    const search = await call(
      server.url,
      'POST',
      '/v1/search',
      { query: 'salary bands', mode: 'lexical' },
      ENG,
    );
    expect(search.body.hits).toEqual([]);
  });

  it('changing the mapping re-syncs the files it concerns', async () => {
    const removed = await call(
      server.url,
      'DELETE',
      '/v1/sources/share?keepDocuments=true',
      undefined,
      ADMIN,
    );
    expect(removed.status).toBe(200);
    const readded = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'share',
        type: 'directory',
        collection: 'share',
        path: work,
        accessByPath: { 'hr/**': ['hr', 'eng'], 'eng/**': ['eng'] },
      },
      ADMIN,
    );
    expect(readded.status).toBe(201);
    expect((await sync('share')).counts).toMatchObject({ indexed: 1, unchanged: 2 });
    expect((await listed(ENG, 'share')).some((id) => id.includes('salaries'))).toBe(true);
  });

  it('an http-json source takes access from an item field; an item without it is skipped, never opened', async () => {
    const added = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'tickets',
        type: 'http-json',
        collection: 'tickets',
        url: apiUrl,
        itemsPath: 'data',
        mapping: { id: 'id', body: 'text', access: 'groups' },
      },
      ADMIN,
    );
    expect(added.status).toBe(201);
    const job = await sync('tickets');
    expect(job.counts).toMatchObject({ indexed: 2 });
    expect(job.failures).toEqual([
      expect.objectContaining({ item: 'x1', reason: expect.stringMatching(/^no access at "groups"/) }),
    ]);
    const eng = await listed(ENG, 'tickets');
    const hr = await listed(HR, 'tickets');
    expect(eng).toHaveLength(1);
    expect(eng[0]).toContain('e1');
    expect(hr).toHaveLength(1);
    expect(hr[0]).toContain('h1');
  });

  it('a web or http-json source may set one access for all its documents', async () => {
    const added = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'hr-tickets',
        type: 'http-json',
        collection: 'hrtickets',
        url: apiUrl,
        itemsPath: 'data',
        mapping: { id: 'id', body: 'text' },
        access: { groups: ['hr'] },
      },
      ADMIN,
    );
    expect(added.status).toBe(201);
    await sync('hr-tickets');
    expect(await listed(ENG, 'hrtickets')).toEqual([]);
    expect(await listed(HR, 'hrtickets')).toHaveLength(3);
    const web = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'payroll',
        type: 'web',
        collection: 'payroll',
        url: apiUrl.replace('/tickets', '/site'),
        maxPages: 1,
        access: { groups: ['hr'] },
      },
      ADMIN,
    );
    expect(web.status).toBe(201);
    expect((await sync('payroll')).counts).toMatchObject({ indexed: 1 });
    expect(await listed(ENG, 'payroll')).toEqual([]);
    expect(await listed(HR, 'payroll')).toHaveLength(1);
    const refused = await call(
      server.url,
      'POST',
      '/v1/sources',
      {
        name: 'bad',
        type: 'http-json',
        collection: 'x',
        url: apiUrl,
        mapping: { id: 'id', body: 'text' },
        accessByPath: { '**': ['hr'] },
      },
      ADMIN,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/accessByPath/);
    // Found by the REST fuzzer: a null map was a 500; null means "not given", a list is invalid.
    const definition = (accessByPath: unknown) => ({
      name: 'fuzzed',
      type: 'http-json',
      collection: 'x',
      url: apiUrl,
      mapping: { id: 'id', body: 'text' },
      accessByPath,
    });
    const asList = await call(server.url, 'POST', '/v1/sources', definition(['hr']), ADMIN);
    expect(asList.status).toBe(400);
    const asNull = await call(server.url, 'POST', '/v1/sources', definition(null), ADMIN);
    expect(asNull.status).toBe(201);
  });
});
