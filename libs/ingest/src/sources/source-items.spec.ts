import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceDefinition } from './source.dto';
import type * as SourceItems from './source-items';

/** source-items as built under indexing rules `rules` and extraction rules `extraction`. */
function itemsUnder(rules: number, extraction = 1): typeof SourceItems {
  let loaded: typeof SourceItems | undefined;
  jest.isolateModules(() => {
    jest.doMock('../indexing-rules', () => ({ INDEXING_RULES: rules, EXTRACTION_RULES: extraction }));
    loaded = require('./source-items') as typeof SourceItems;
  });
  return loaded!;
}

async function kinds(items: AsyncGenerator<SourceItems.SourceItem>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item.kind);
  return out;
}

describe('directoryItems under new indexing rules', () => {
  it('extracts again a file whose bytes are unchanged since a sync under older rules', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-rules-'));
    try {
      fs.writeFileSync(path.join(folder, 'notes.md'), '# Backups\n\nThe backup runs nightly.\n');
      const source = {
        name: 'notes',
        type: 'directory',
        path: folder,
        collection: 'notes',
      } as SourceDefinition;
      const older = itemsUnder(1);
      const signal = new AbortController().signal;
      const first: SourceItems.SourceItem[] = [];
      for await (const item of older.directoryItems(source, new Map(), signal)) first.push(item);
      const [synced] = first;
      if (synced.kind !== 'document') throw new Error(`expected a document, got ${synced.kind}`);
      const stored = new Map([[synced.id, { item_hash: synced.hash }]]);
      // The same rules: unchanged, not even extracted. Newer rules: a change.
      expect(await kinds(older.directoryItems(source, stored, signal))).toEqual(['unchanged']);
      expect(await kinds(itemsUnder(2).directoryItems(source, stored, signal))).toEqual(['document']);
      // Newer extraction rules alone: extracted again too (the document's content hash then decides
      // whether it is chunked and embedded again).
      expect(await kinds(itemsUnder(1, 2).directoryItems(source, stored, signal))).toEqual(['document']);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
