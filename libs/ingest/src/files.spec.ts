import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { documentFromBytes, documentId, walkFiles } from './files';

describe('documentId', () => {
  it('keeps safe names and percent-encodes the rest, per path segment', () => {
    expect(documentId('notes', 'guides/README.md')).toBe('notes:guides/README.md');
    expect(documentId('notes', 'Café + bar/a b.md')).toBe('notes:Caf%C3%A9%20%2B%20bar/a%20b.md');
  });

  it('gives the same path in two collections two ids', () => {
    expect(documentId('a', 'README.md')).not.toBe(documentId('b', 'README.md'));
  });

  it('keeps long ids within the limit, distinct by a hash of the whole', () => {
    const long = (tail: string) => documentId('notes', `${'deep/'.repeat(80)}${tail}`);
    expect(long('one.md').length).toBeLessThanOrEqual(256);
    expect(long('one.md')).not.toBe(long('two.md'));
    expect(long('one.md')).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:/%-]*$/);
  });
});

describe('walkFiles', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-walk-'));
  beforeAll(() => {
    for (const file of [
      'a.md',
      'b.log',
      'sub/c.md',
      'sub/deep/d.txt',
      '.git/config',
      'node_modules/x/y.md',
    ]) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), 'x');
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists files sorted with relative paths, hidden folders and node_modules left out', async () => {
    expect((await walkFiles(root)).map((f) => f.relative)).toEqual([
      'a.md',
      'b.log',
      'sub/c.md',
      'sub/deep/d.txt',
    ]);
  });

  it('applies include and exclude globs', async () => {
    expect((await walkFiles(root, { include: ['**/*.md'] })).map((f) => f.relative)).toEqual([
      'a.md',
      'sub/c.md',
    ]);
    expect((await walkFiles(root, { exclude: ['sub/**', '*.log'] })).map((f) => f.relative)).toEqual([
      'a.md',
    ]);
  });
});

describe('documentFromBytes', () => {
  it("takes a Markdown file's title from its first heading as text, without its badges", async () => {
    const readme = Buffer.from(
      '# retry-kit [![npm](https://img.shields.io/npm/v/retry-kit.svg)](https://npm.im/retry-kit)\n\nRetries failed calls with exponential backoff.\n',
    );
    const outcome = await documentFromBytes(
      readme,
      { absolute: '/repo/README.md', relative: 'README.md' },
      { owner: 'docs' },
    );
    expect(outcome).toMatchObject({ kind: 'document', document: { title: 'retry-kit' } });
  });
});
