import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileItems, type FileItem } from './ingest-files';

async function itemsOf(target: string, collection?: string): Promise<FileItem[]> {
  const items: FileItem[] = [];
  for await (const item of readFileItems(target, collection)) items.push(item);
  return items;
}

// `quarry ingest PATH` runs with the operator's rights (no QUARRY_SOURCE_ROOTS), but a link inside
// the folder that leads out of it is not followed: it is reported, like any file left out.
describe('readFileItems', () => {
  let work: string;
  beforeAll(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-cli-ingest-')));
    fs.mkdirSync(path.join(work, 'notes'));
    fs.writeFileSync(path.join(work, 'notes', 'a.md'), '# A\n\nInside.\n');
    fs.writeFileSync(path.join(work, 'secret.txt'), 'outside the folder\n');
    fs.symlinkSync(path.join(work, 'secret.txt'), path.join(work, 'notes', 'secret.txt'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('reports a link leading out of the folder as skipped and never reads it', async () => {
    const items: FileItem[] = [];
    for await (const item of readFileItems(path.join(work, 'notes'), 'notes')) items.push(item);
    expect(items.map((i) => i.origin).sort()).toEqual(['a.md', 'secret.txt']);
    expect(items.find((i) => i.origin === 'secret.txt')).toEqual({
      origin: 'secret.txt',
      skipped: 'a symbolic link leading outside the folder',
    });
    expect(JSON.stringify(items)).not.toContain('outside the folder\\n');
  });
});

// A documentation folder holds JSON that is data, not documents (Node.js's API pages beside their
// .json.gz twins, an MkDocs site's search index): it is skipped with the reason, compressed or not,
// and a compressed file is inflated within the same limit as any other.
describe('readFileItems on JSON', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-cli-json-'));
    const module = { type: 'module', source: 'doc/api/fs.md', modules: [{ textRaw: 'File system' }] };
    fs.writeFileSync(path.join(work, 'index.json'), JSON.stringify(module));
    fs.writeFileSync(path.join(work, 'fs.json.gz'), gzipSync(JSON.stringify(module)));
    const documents = [{ id: 'leave', title: 'Leave', body: 'Staff take 25 days of leave a year.' }];
    fs.writeFileSync(path.join(work, 'handbook.json.gz'), gzipSync(JSON.stringify(documents)));
    fs.writeFileSync(path.join(work, 'bomb.json.gz'), gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20)));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('skips JSON that holds no document, compressed or not, and reads compressed documents', async () => {
    const items = await itemsOf(work, 'docs');
    const byOrigin = Object.fromEntries(items.map((item) => [item.origin, item]));
    expect(Object.keys(byOrigin).sort()).toEqual([
      'bomb.json.gz',
      'fs.json.gz',
      'handbook.json.gz[0]',
      'index.json',
    ]);
    for (const origin of ['index.json', 'fs.json.gz'])
      expect(byOrigin[origin]).toEqual({
        origin,
        skipped: expect.stringMatching(/^JSON that holds no document/),
      });
    expect(byOrigin['handbook.json.gz[0]']).toMatchObject({
      document: { id: 'leave', body: 'Staff take 25 days of leave a year.', collection: 'docs' },
    });
    expect(byOrigin['bomb.json.gz']).toEqual({
      origin: 'bomb.json.gz',
      skipped: 'gzip content expands to more than the limit of 64 MiB',
    });
  });
});
