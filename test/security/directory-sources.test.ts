import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, testConfig } from '../support/test-env';

const KEYS = 'admin-key-0123:admin,reader-key-0123:reader';
const admin = { authorization: 'Bearer admin-key-0123' };
const reader = { authorization: 'Bearer reader-key-0123' };
/** What only the file outside the source folder holds: it must never reach the index. */
const SECRET = 'quarry-outside-secret-6f1e9a';

interface Job {
  status: string;
  error?: string;
  counts: Record<string, number>;
  failures: { item: string; reason: string; skipped?: boolean }[];
}

/** What a reader can find: every listed document's id and source, and the hits of a search. */
async function readerSees(server: RunningServer, query: string) {
  const listed = await call(server.url, 'GET', '/v1/documents?size=500', undefined, reader);
  expect(listed.status).toBe(200);
  const searched = await call(
    server.url,
    'POST',
    '/v1/search',
    { query, mode: 'lexical', size: 100 },
    reader,
  );
  expect(searched.status).toBe(200);
  return {
    documents: (listed.body.documents as { id: string; source?: string }[]).map((d) => `${d.id} ${d.source}`),
    hits: searched.body.hits.length as number,
  };
}

async function addSource(server: RunningServer, name: string, folder: string, extra: object = {}) {
  return call(
    server.url,
    'POST',
    '/v1/sources',
    { name, type: 'directory', collection: 'files', path: folder, ...extra },
    admin,
  );
}

async function sync(server: RunningServer, name: string): Promise<Job> {
  const answer = await call(server.url, 'POST', `/v1/sources/${name}/sync?wait=true`, undefined, admin);
  expect(answer.status).toBe(202);
  return answer.body as Job;
}

// Quarry may run as root: a directory source is a way to read any file on the server.
describe('directory sources stay inside their folder and out of system folders', () => {
  let server: RunningServer;
  let work: string;
  let tree: string;
  let outside: string;

  beforeAll(async () => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-dirsrc-')));
    tree = path.join(work, 'tree');
    outside = path.join(work, 'outside');
    fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(tree, 'notes.md'), '# Notes\n\nThe backup runs at night.\n');
    fs.writeFileSync(path.join(outside, 'secret.txt'), `${SECRET} root:x:0:0\n`);
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(tree, 'secret.txt'));
    fs.symlinkSync(outside, path.join(tree, 'sub', 'elsewhere'));
    fs.symlinkSync('/etc/shadow', path.join(tree, 'shadow'));
    fs.symlinkSync('/proc/self', path.join(work, 'self'));
    fs.symlinkSync('/etc', path.join(work, 'etc-link'));
    fs.symlinkSync(path.join(tree, 'notes.md'), path.join(tree, 'notes-link.md'));
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: KEYS, QUARRY_RATE_LIMIT_READ: '0' }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it.each([
    ['/etc', () => '/etc'],
    ['a folder under /etc', () => '/etc/ssl'],
    ['a symlink to /proc/self', () => path.join(work, 'self')],
    ['a symlink to /etc', () => path.join(work, 'etc-link')],
    ['/root', () => '/root'],
  ])('refuses %s as a source, naming the path field', async (_case, folder) => {
    const refused = await addSource(server, 'system', folder());
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems[0].field).toBe('path');
    expect(refused.body.error.message).toMatch(/system folder/);
  });

  it('skips, with the reason, a symlink inside the tree that points out of it', async () => {
    expect((await addSource(server, 'tree', tree)).status).toBe(201);
    const job = await sync(server, 'tree');
    expect(job.status).toBe('succeeded');
    const skipped = Object.fromEntries(job.failures.map((f) => [f.item, f]));
    for (const item of ['secret.txt', 'shadow', 'sub/elsewhere'])
      expect(skipped[item]).toMatchObject({ skipped: true, reason: expect.stringMatching(/outside/) });
    // A link that stays inside the tree is an ordinary file.
    expect(job.counts.indexed).toBe(2);
    const seen = await readerSees(server, SECRET);
    expect(seen.hits).toBe(0);
    expect(seen.documents.join('\n')).not.toMatch(/secret|shadow|elsewhere/);
    expect(seen.documents.join('\n')).toMatch(/tree:notes\.md/);
  });

  it('checks the real path again at every sync: a folder swapped for a link to /etc is not read', async () => {
    const swapped = path.join(work, 'swapped');
    fs.mkdirSync(swapped);
    fs.writeFileSync(path.join(swapped, 'passwd'), 'an ordinary file\n');
    expect((await addSource(server, 'swapped', swapped, { include: ['passwd', 'hostname'] })).status).toBe(
      201,
    );
    fs.rmSync(swapped, { recursive: true });
    fs.symlinkSync('/etc', swapped);
    const job = await sync(server, 'swapped');
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/system folder/);
    const seen = await readerSees(server, 'root');
    expect(seen.documents.join('\n')).not.toMatch(/swapped:|\/etc\//);
    expect(seen.hits).toBe(0);
  });
});

describe('QUARRY_SOURCE_ROOTS', () => {
  let server: RunningServer;
  let work: string;

  beforeAll(async () => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-roots-')));
    for (const folder of ['allowed/docs', 'other'])
      fs.mkdirSync(path.join(work, folder), { recursive: true });
    fs.writeFileSync(path.join(work, 'allowed/docs/a.md'), 'allowed\n');
    fs.symlinkSync(path.join(work, 'other'), path.join(work, 'allowed/escape'));
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_API_KEYS: KEYS,
        QUARRY_RATE_LIMIT_READ: '0',
        QUARRY_SOURCE_ROOTS: path.join(work, 'allowed'),
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('accepts a folder under a root and refuses one outside, or a link that leads outside', async () => {
    expect((await addSource(server, 'inside', path.join(work, 'allowed/docs'))).status).toBe(201);
    for (const [name, folder] of [
      ['other', path.join(work, 'other')],
      ['escape', path.join(work, 'allowed/escape')],
      ['tmp', os.tmpdir()],
    ]) {
      const refused = await addSource(server, name, folder);
      expect(refused.status).toBe(400);
      expect(refused.body.error.problems[0].field).toBe('path');
      expect(refused.body.error.message).toMatch(/QUARRY_SOURCE_ROOTS/);
    }
  });
});
