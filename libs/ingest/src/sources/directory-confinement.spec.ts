import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidError } from '@quarry/core';
import { walkFiles } from '../files';
import {
  DirectoryConfinement,
  FileTooLargeError,
  isWithin,
  OutsideFolderError,
  readWithin,
} from './directory-confinement';

describe('directory confinement', () => {
  let work: string;
  const at = (...parts: string[]) => path.join(work, ...parts);

  beforeEach(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-confine-')));
    fs.mkdirSync(at('tree', 'sub'), { recursive: true });
    fs.mkdirSync(at('outside'));
    fs.writeFileSync(at('tree', 'sub', 'a.md'), 'inside');
    fs.writeFileSync(at('outside', 'a.md'), 'outside');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  async function refusal(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).problems[0].field).toBe('path');
    return (error as Error).message;
  }

  it('compares whole path segments', () => {
    expect(isWithin('/etc', '/etc')).toBe(true);
    expect(isWithin('/etc/ssl', '/etc')).toBe(true);
    expect(isWithin('/etcetera', '/etc')).toBe(false);
    expect(isWithin('/', '/etc')).toBe(false);
  });

  it('refuses the root, system, hidden and data folders by their real path', async () => {
    const confinement = new DirectoryConfinement([], [at('data')]);
    fs.mkdirSync(at('data'));
    fs.mkdirSync(at('.ssh'));
    fs.symlinkSync('/', at('root-link'));
    expect(await refusal(confinement.folder(at('root-link')))).toMatch(/system folder/);
    expect(await refusal(confinement.folder('/proc/self'))).toMatch(/system folder/);
    expect(await refusal(confinement.folder(at('.ssh')))).toMatch(/hidden folder/);
    expect(await refusal(confinement.folder(at('data')))).toMatch(/Quarry's own data/);
    // A folder whose walk would enter the data directory.
    expect(await refusal(confinement.folder(work))).toMatch(/Quarry's own data/);
    expect(await refusal(confinement.folder('relative'))).toMatch(/absolute/);
    expect(await refusal(confinement.folder(at('missing')))).toMatch(/not a directory/);
    await expect(confinement.folder(at('tree'))).resolves.toBe(at('tree'));
  });

  it('with roots, accepts only what lies under one of them', async () => {
    const confinement = new DirectoryConfinement([at('tree')]);
    await expect(confinement.folder(at('tree', 'sub'))).resolves.toBe(at('tree', 'sub'));
    fs.symlinkSync(at('outside'), at('tree', 'escape'));
    expect(await refusal(confinement.folder(at('tree', 'escape')))).toMatch(/QUARRY_SOURCE_ROOTS/);
  });

  it('walks links that stay inside, reports those that leave, and does not loop', async () => {
    fs.symlinkSync(at('outside', 'a.md'), at('tree', 'leak.md'));
    fs.symlinkSync(at('tree'), at('tree', 'sub', 'up'));
    fs.symlinkSync(at('tree', 'sub', 'a.md'), at('tree', 'alias.md'));
    const skipped: string[] = [];
    const files = await walkFiles(at('tree'), {
      onSkipped: (relative, reason) => skipped.push(`${relative}: ${reason}`),
    });
    expect(files.map((f) => f.relative)).toEqual(['alias.md', 'sub/a.md']);
    expect(skipped).toEqual(['leak.md: a symbolic link leading outside the folder']);
  });

  it('reads a file only if, once open, it still lies under the folder', async () => {
    const found = await walkFiles(at('tree'));
    expect(found.map((f) => f.relative)).toEqual(['sub/a.md']);
    await expect(readWithin(found[0].absolute, at('tree'))).resolves.toEqual(Buffer.from('inside'));
    // Between the walk and the read, the folder is swapped for a link out of the tree.
    fs.rmSync(at('tree', 'sub'), { recursive: true });
    fs.symlinkSync(at('outside'), at('tree', 'sub'));
    await expect(readWithin(found[0].absolute, at('tree'))).rejects.toBeInstanceOf(OutsideFolderError);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const found = await walkFiles(at('tree'));
    await expect(readWithin(found[0].absolute, at('tree'), 3)).rejects.toThrow(
      'file of 0 KiB, more than the limit of 0 KiB',
    );
    await expect(readWithin(found[0].absolute, at('tree'), 3)).rejects.toBeInstanceOf(FileTooLargeError);
  });
});
