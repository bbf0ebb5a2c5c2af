import { Client } from '@elastic/elasticsearch';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPdf } from '../libs/ingest/src/testing/fixtures';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';
import { quarry } from './support/cli';

describe('quarry CLI: ingest and search', () => {
  const prefix = uniquePrefix();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-cli-'));
  const { elasticsearchUrl, redisUrl } = servicesFromSetup();
  const env = { ELASTICSEARCH_URL: elasticsearchUrl, REDIS_URL: redisUrl, QUARRY_INDEX_PREFIX: prefix };

  beforeAll(() => {
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(
      path.join(dir, 'notes', 'backup.md'),
      '# Backups\n\nThe database backup runs every night at two and is kept for thirty days.\n',
    );
    fs.writeFileSync(
      path.join(dir, 'notes', 'vpn.txt'),
      'Connect to the office network through the VPN client before opening the wiki.\n',
    );
    fs.writeFileSync(
      path.join(dir, 'docs.jsonl'),
      [
        JSON.stringify({ id: 'j1', body: 'Coffee machine descaling every month.' }),
        '{ not json',
        JSON.stringify({ id: 'j2', body: '' }),
      ].join('\n'),
    );
  });

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await dropIndices(prefix);
  });

  it('ingests .md/.txt files and JSONL, naming the bad lines', async () => {
    const files = await quarry(['ingest', path.join(dir, 'notes'), '--collection', 'notes', '--wait'], env);
    expect(files.stdout).toContain('created 2, updated 0, unchanged 0, skipped 0, failed 0');
    expect(files.stdout).toMatch(/^job [0-9a-f-]{36}: succeeded$/m);
    expect(files.code).toBe(0);
    const jsonl = await quarry(['ingest', path.join(dir, 'docs.jsonl'), '--wait'], env);
    expect(jsonl.stdout).toContain('created 1, updated 0, unchanged 0, skipped 0, failed 2');
    expect(jsonl.stdout).toMatch(/failed +docs\.jsonl:2: .*must be a JSON object/);
    expect(jsonl.stdout).toMatch(/failed +docs\.jsonl:3: .*body must not be empty/);
    expect(jsonl.code).toBe(1);
  }, 120_000);

  it('stores the final state of the ingest job it printed (not left running, later "interrupted")', async () => {
    const folder = path.join(dir, 'recorded');
    fs.mkdirSync(folder);
    for (let n = 0; n < 30; n++)
      fs.writeFileSync(
        path.join(folder, `note-${n}.txt`),
        `Note number ${n} about the recorded ingest job.\n`,
      );
    const run = await quarry(['ingest', folder, '--collection', 'recorded', '--batch', '1'], env);
    const id = /^job ([0-9a-f-]{36}): succeeded$/m.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    // The CLI process has exited: what it left in the metadata index is what every instance sees.
    const elasticsearch = new Client({ node: elasticsearchUrl });
    try {
      const stored = await elasticsearch.get<{ definition: { status: string; counts: { indexed: number } } }>(
        {
          index: `${prefix}-meta`,
          id: `job:${id}`,
        },
      );
      expect(stored._source?.definition).toMatchObject({ status: 'succeeded', counts: { indexed: 30 } });
    } finally {
      await elasticsearch.close();
    }
  }, 120_000);

  it('keeps a folder in sync as a source and prints where a hit is (page, heading)', async () => {
    const folder = path.join(dir, 'synced');
    fs.mkdirSync(folder);
    fs.writeFileSync(
      path.join(folder, 'manual.pdf'),
      await buildPdf(['Cover page of the manual.', 'Second page.', 'Descale the espresso machine monthly.']),
    );
    fs.writeFileSync(path.join(folder, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
    const added = await quarry(
      ['source', 'add', 'manuals', '--collection', 'manuals', '--path', folder],
      env,
    );
    expect(added.stdout).toContain('source manuals (directory) → collection manuals');
    const synced = await quarry(['source', 'sync', 'manuals'], env);
    expect(synced.stdout).toMatch(/found 2, indexed 1 .*skipped 1, failed 0/);
    expect(synced.stdout).toMatch(/skipped +image\.png: PNG image/);
    expect(synced.code).toBe(1);
    const found = await quarry(['search', '@manuals descale espresso', '--mode', 'lexical'], env);
    expect(found.stdout).toMatch(/manuals:manual\.pdf +\(p\. 3, lines/);
    const listed = await quarry(['source', 'list'], env);
    expect(listed.stdout).toMatch(/^manuals +directory/m);
  }, 180_000);

  it('searches with a mode and prints the hits', async () => {
    const result = await quarry(['search', 'when does the backup run', '--mode', 'hybrid', '--json'], env);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { hits: { id: string; collection: string }[] };
    expect(parsed.hits[0]).toMatchObject({ id: 'notes:backup.md', collection: 'notes' });
    const text = await quarry(['search', '@notes vpn', '--mode', 'lexical'], env);
    expect(text.stdout).toMatch(/1\. vpn\.txt .*\[notes\]/);
  }, 120_000);

  it('ends quietly when its reader stops reading (quarry search ... | head -1)', async () => {
    // Node's default for a write to a closed pipe is an unhandled 'error' event: a stack trace of
    // EPIPE and exit code 1.
    const result = await quarry(['search', 'backup', '--mode', 'lexical'], env, { closeOutput: true });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  }, 120_000);

  it('checks search options as the search contract declares them, before connecting', async () => {
    const tooMany = await quarry(['search', 'backup', '--size', '500'], env);
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toMatch(/-n, --size <n>.*must be at most 100/);
    const badMode = await quarry(['search', 'backup', '--mode', 'fuzzy'], env);
    expect(badMode.stderr).toMatch(/Allowed choices are lexical, semantic, hybrid/);
    const help = await quarry(['search', '--help'], env);
    expect(help.stdout).toMatch(/--semantic-ratio <0\.\.1>\s+Hybrid only: weight of meaning/);
  }, 60_000);
});
