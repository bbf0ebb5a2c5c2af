import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * The checkout Quarry runs from (the folder with Quarry's package.json), whether the code runs
 * from TypeScript sources (tests) or from dist/ (npm start): data, index definitions and the
 * embedded launcher are found relative to it.
 */
export function findRepoRoot(start: string = __dirname): string {
  if (cached) return cached;
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'quarry') return (cached = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Quarry's package.json above ${start}`);
    dir = parent;
  }
}
