import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileItems, type FileItem } from './ingest-files';

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
