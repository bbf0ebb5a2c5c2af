import { constants as fsConstants, realpathSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { QuarryConfig } from '@quarry/config';
import { InvalidError } from '@quarry/core';
import { EXTRACTION_LIMITS, fileTooLarge } from '../extract/limits';

/**
 * Folders that hold the system, its secrets and other programs' state, never documents: refused
 * (with everything under them) when QUARRY_SOURCE_ROOTS is not set. Compared with real paths, so a
 * symbolic link to one of them is refused too.
 */
export const SYSTEM_FOLDERS = [
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/run',
  '/var/run',
  '/var/lib',
  '/var/log',
  '/var/spool',
  '/var/mail',
  '/var/backups',
  '/var/cache',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/snap',
  '/lost+found',
  '/private/etc',
  '/private/var',
];

/** True when `target` is `folder` or lies under it (both absolute, normalized). */
export function isWithin(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** True when a walk of `root` would enter `folder` (it skips hidden entries and node_modules). */
function walkReaches(root: string, folder: string): boolean {
  return (
    isWithin(folder, root) &&
    !path
      .relative(root, folder)
      .split(path.sep)
      .some((segment) => segment.startsWith('.') || segment === 'node_modules')
  );
}

const refusal = (reason: string) => new InvalidError(`path: ${reason}`, [{ field: 'path', reason }]);

/**
 * Where directory sources may lie. Every check is made on the real path (symbolic links resolved),
 * when a source is added and again at every sync, since a folder can be swapped for a link later.
 */
export class DirectoryConfinement {
  constructor(
    /** Real paths (QUARRY_SOURCE_ROOTS): when set, a source must lie under one of them. */
    private readonly roots: string[] = [],
    /** Real paths never indexed, whatever the roots (Quarry's own data directory). */
    private readonly refused: string[] = [],
  ) {}

  /** QUARRY_SOURCE_ROOTS, with Quarry's data directory (raw indices of every collection) refused. */
  static fromConfig(config: Pick<QuarryConfig, 'sourceRoots' | 'dataDir'>): DirectoryConfinement {
    let dataDir = path.resolve(config.dataDir);
    try {
      dataDir = realpathSync(dataDir);
    } catch {
      // Not created yet: its resolved path is what it will be.
    }
    return new DirectoryConfinement(config.sourceRoots, [dataDir]);
  }

  /** The real path of a source folder, or a refusal naming the `path` field and the rule. */
  async folder(requested: string): Promise<string> {
    if (!path.isAbsolute(requested)) throw refusal('must be an absolute path on the server');
    const real = await fs.realpath(requested).catch(() => undefined);
    const stat = real ? await fs.stat(real).catch(() => undefined) : undefined;
    if (!real || !stat?.isDirectory()) throw refusal(`${requested} is not a directory this server can read`);
    const shown = real === path.resolve(requested) ? real : `${requested} (really ${real})`;
    if (!this.roots.length) {
      if (real === path.parse(real).root || SYSTEM_FOLDERS.some((folder) => isWithin(real, folder)))
        throw refusal(
          `${shown} is a system folder (the root, ${SYSTEM_FOLDERS.slice(0, 6).join(', ')}, /usr, /var/lib, ...); ` +
            'set QUARRY_SOURCE_ROOTS to the folders sources may use',
        );
      if (real.split(path.sep).some((segment) => segment.startsWith('.')))
        throw refusal(
          `${shown} is in a hidden folder (.ssh, .config, ...): those hold credentials and settings, not documents`,
        );
    }
    if (this.refused.some((folder) => isWithin(real, folder) || walkReaches(real, folder)))
      throw refusal(`${shown} holds Quarry's own data`);
    if (this.roots.length && !this.roots.some((root) => isWithin(real, root)))
      throw refusal(`${shown} is outside QUARRY_SOURCE_ROOTS (${this.roots.join(', ')})`);
    return real;
  }
}

/** A file that resolves to outside its source folder (a link, or a folder swapped for one). */
export class OutsideFolderError extends Error {
  constructor() {
    super('it leads outside the source folder (a symbolic link)');
  }
}

/**
 * Reads a file found by the walk only if, once opened, it still lies under the source's real
 * folder and is a regular file: the check is made on the open descriptor (/proc/self/fd), so a
 * folder swapped for a symbolic link between the walk and the read cannot redirect it.
 */
/** A file larger than a directory source reads (EXTRACTION_LIMITS.fileBytes): skipped, not read. */
export class FileTooLargeError extends Error {
  constructor(size: number, limit: number) {
    super(fileTooLarge(size, limit));
  }
}

export async function readWithin(
  file: string,
  realFolder: string,
  maxBytes: number = EXTRACTION_LIMITS.fileBytes,
): Promise<Buffer> {
  // O_NONBLOCK: a FIFO put in the file's place must not hang the sync on open.
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const opened = await fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => fs.realpath(file));
    if (!isWithin(opened, realFolder)) throw new OutsideFolderError();
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('not a regular file');
    // Checked before reading: a folder may hold a multi-gigabyte log or disk image.
    if (stat.size > maxBytes) throw new FileTooLargeError(stat.size, maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
