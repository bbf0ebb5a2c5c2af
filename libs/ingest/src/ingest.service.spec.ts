import { UnavailableError } from '@quarry/core';
import type { Embedder } from '@quarry/embeddings';
import {
  indexNames,
  type ChangedDocument,
  type DocumentChange,
  type DocumentDeletion,
  type DocumentRepository,
  type DocumentWrite,
  type ExistingDocument,
  type StoredDocument,
  type WriteFailures,
  type WriteOptions,
} from '@quarry/search';
import { IngestService } from './ingest.service';

/** The repository's domain calls over an in-memory store; `refuse` makes it reject a document's write. */
class FakeDocuments {
  readonly stored = new Map<string, StoredDocument>();
  readonly writes: DocumentWrite[][] = [];
  readonly deletions: DocumentDeletion[][] = [];
  readonly options: WriteOptions[] = [];
  refuse = new Set<string>();

  async existing(ids: string[]): Promise<Map<string, ExistingDocument>> {
    return new Map(ids.flatMap((id) => (this.stored.has(id) ? [[id, { ...this.stored.get(id)! }]] : [])));
  }

  async writeDocuments(writes: DocumentWrite[], options: WriteOptions): Promise<WriteFailures> {
    this.writes.push(writes);
    this.options.push(options);
    const failures: WriteFailures = new Map();
    for (const { document } of writes) {
      if (this.refuse.has(document.id)) failures.set(document.id, ['index: mapper_parsing_exception']);
      else this.stored.set(document.id, structuredClone(document));
    }
    return failures;
  }

  async deleteDocuments(deletions: DocumentDeletion[], options: WriteOptions): Promise<WriteFailures> {
    this.deletions.push(deletions);
    this.options.push(options);
    for (const { id } of deletions) this.stored.delete(id);
    return new Map();
  }
}

/** Records what it embeds as passages; never embeds queries here. */
class FakeEmbedder {
  readonly passages: string[] = [];
  fail = false;

  async embedPassages(texts: string[]): Promise<number[][]> {
    if (this.fail) throw new Error('model crashed');
    this.passages.push(...texts);
    return texts.map((text) => [text.length, 1]);
  }

  async embedQueries(): Promise<number[][]> {
    throw new Error('ingest embeds passages, never queries');
  }
}

function setup() {
  const documents = new FakeDocuments();
  const embedder = new FakeEmbedder();
  const reports: { changes: DocumentChange[]; changed: ChangedDocument[]; visible: boolean }[] = [];
  const ingest = new IngestService(
    documents as unknown as DocumentRepository,
    embedder as unknown as Embedder,
    indexNames('unit'),
    { chunking: { targetWords: 4, maxWords: 6, overlapWords: 0 } },
    (changes, changed, visible) => void reports.push({ changes, changed, visible }),
  );
  return { documents, embedder, reports, ingest };
}

const LONG = 'Disks fill up at night. Rotate the logs daily. Alert the on-call engineer.';

describe('IngestService', () => {
  it('chunks a new document, embeds each chunk as a passage with its title, writes and reports it', async () => {
    const { documents, embedder, reports, ingest } = setup();
    const result = await ingest.ingest([{ id: 'd1', title: 'Disk full', body: LONG, collection: 'ops' }], {
      wait: true,
    });
    expect(result).toMatchObject({ indexed: 1, failed: 0, items: [{ id: 'd1', status: 'created' }] });
    const [[write]] = documents.writes;
    expect(write.chunks!.length).toBeGreaterThan(1);
    expect(result.items[0].chunks).toBe(write.chunks!.length);
    expect(write.document).toMatchObject({ id: 'd1', collection: 'ops', chunk_count: write.chunks!.length });
    expect(write.previousChunkCount).toBe(0);
    // Each chunk with its title, then (a document of several chunks) the document whole.
    const chunkTexts = write.chunks!.map((c) => `Disk full. ${c.text}`);
    expect(embedder.passages).toEqual([...chunkTexts, `Disk full\n${LONG}`]);
    expect(write.chunks!.map((c) => c.vector)).toEqual(chunkTexts.map((p) => [p.length, 1]));
    expect(write.documentVector).toEqual([`Disk full\n${LONG}`.length, 1]);
    expect(documents.options).toEqual([{ wait: true, signal: undefined }]);
    expect(reports).toEqual([
      {
        changes: [{ id: 'd1', change: 'new', collection: 'ops' }],
        changed: [expect.objectContaining({ id: 'd1', document: write.document, chunks: expect.any(Array) })],
        visible: true,
      },
    ]);
    expect(reports[0].changed[0].chunks).toEqual(write.chunks!.map(({ text, vector }) => ({ text, vector })));
  });

  it('writes one group of documents while the next is still being embedded', async () => {
    const documents = new FakeDocuments();
    const events: string[] = [];
    const pending: (() => void)[] = [];
    // Each embedder call finishes only when the test lets it, in the order they were made.
    const embedder = {
      embedPassages: (texts: string[]) =>
        new Promise<number[][]>((resolve) => {
          events.push(`embed ${texts.length}`);
          pending.push(() => resolve(texts.map((text) => [text.length, 1])));
        }),
    };
    const writeDocuments = documents.writeDocuments.bind(documents);
    documents.writeDocuments = async (writes, options) => {
      events.push(`write ${writes.map((w) => w.document.id).join(',')}`);
      return writeDocuments(writes, options);
    };
    const ingest = new IngestService(
      documents as unknown as DocumentRepository,
      embedder as unknown as Embedder,
      indexNames('unit'),
      { chunking: { targetWords: 4, maxWords: 6, overlapWords: 0 }, embedBatch: 3 },
    );
    const docs = ['a', 'b', 'c'].map((id) => ({ id, title: id, body: LONG }));
    const done = ingest.ingest(docs);
    // Event-loop turns, not time: the service has nothing else to wait for.
    const until = async (condition: () => boolean) => {
      for (let turn = 0; turn < 1000 && !condition(); turn++)
        await new Promise((resolve) => setImmediate(resolve));
    };
    await until(() => pending.length === 6);
    // Per document, its three chunks in one call and the document whole in another.
    const asked = ['embed 3', 'embed 1', 'embed 3', 'embed 1', 'embed 3', 'embed 1'];
    expect(events).toEqual(asked);
    pending[0]();
    pending[1]();
    await until(() => events.some((e) => e.startsWith('write')));
    // The first document is written while the other two are still with the model.
    expect(events).toEqual([...asked, 'write a']);
    for (const resolve of pending.slice(2)) resolve();
    const result = await done;
    expect(result).toMatchObject({ indexed: 3, failed: 0 });
    expect(events.slice(7)).toEqual(['write b', 'write c']);
  });

  it('skips an unchanged document: nothing embedded, written or reported', async () => {
    const { documents, embedder, reports, ingest } = setup();
    const doc = { id: 'd1', title: 'Disk full', body: LONG, collection: 'ops' };
    await ingest.ingest([doc]);
    const embedded = embedder.passages.length;
    const again = await ingest.ingest([doc]);
    expect(again.items).toEqual([{ index: 0, id: 'd1', status: 'unchanged', chunks: expect.any(Number) }]);
    expect(embedder.passages.length).toBe(embedded);
    expect(documents.writes).toHaveLength(1);
    expect(reports).toHaveLength(1);
  });

  it('chunks and embeds again a document stored under older indexing rules, though its text is the same', async () => {
    /** IngestService as built under indexing rules `rules`. */
    const serviceUnder = (rules: number): typeof IngestService => {
      let service: typeof IngestService | undefined;
      jest.isolateModules(() => {
        jest.doMock('./indexing-rules', () => ({ INDEXING_RULES: rules }));
        service = (require('./ingest.service') as { IngestService: typeof IngestService }).IngestService;
      });
      return service!;
    };
    const documents = new FakeDocuments();
    const embedder = new FakeEmbedder();
    const ingestUnder = (rules: number) =>
      new (serviceUnder(rules))(
        documents as unknown as DocumentRepository,
        embedder as unknown as Embedder,
        indexNames('unit'),
        { chunking: { targetWords: 4, maxWords: 6, overlapWords: 0 } },
      );
    const doc = { id: 'd1', title: 'Disk full', body: LONG, collection: 'ops' };
    await ingestUnder(1).ingest([doc]);
    const embedded = embedder.passages.length;
    expect((await ingestUnder(1).ingest([doc])).items[0]).toMatchObject({ status: 'unchanged' });
    const again = await ingestUnder(2).ingest([doc]);
    expect(again.items[0]).toMatchObject({ status: 'updated' });
    expect(embedder.passages.length).toBe(2 * embedded);
    expect(documents.writes[1][0].chunks).toBeDefined();
  });

  it('keeps the vectors when only tags or metadata change, and reports the update', async () => {
    const { documents, embedder, reports, ingest } = setup();
    await ingest.ingest([{ id: 'd1', body: LONG, collection: 'ops' }]);
    const chunks = documents.writes[0][0].chunks!.length;
    const embedded = embedder.passages.length;
    const result = await ingest.ingest([{ id: 'd1', body: LONG, collection: 'ops', tags: ['storage'] }]);
    expect(result.items[0]).toMatchObject({ status: 'updated', chunks });
    expect(embedder.passages.length).toBe(embedded);
    const [write] = documents.writes[1];
    expect(write).toMatchObject({ chunks: undefined, previousChunkCount: chunks });
    expect(write.document).toMatchObject({ tags: ['storage'], chunk_count: chunks });
    expect(reports[1].changes).toEqual([{ id: 'd1', change: 'updated', collection: 'ops' }]);
    expect(reports[1].changed[0].chunks).toBeUndefined();
  });

  it('re-embeds a changed text and tells the repository how many chunks were stored before', async () => {
    const { documents, ingest } = setup();
    await ingest.ingest([{ id: 'd1', body: LONG }]);
    const before = documents.writes[0][0].chunks!.length;
    await ingest.ingest([{ id: 'd1', body: 'Short now.' }]);
    expect(documents.writes[1][0]).toMatchObject({
      previousChunkCount: before,
      chunks: [expect.objectContaining({ text: 'Short now.' })],
      document: expect.objectContaining({ chunk_count: 1 }),
    });
  });

  it('reports the previous collection of a moved document', async () => {
    const { reports, ingest } = setup();
    await ingest.ingest([{ id: 'd1', body: 'Text.', collection: 'ops' }]);
    await ingest.ingest([{ id: 'd1', body: 'Text.', collection: 'archive' }]);
    expect(reports[1].changes).toEqual([
      { id: 'd1', change: 'updated', collection: 'archive', previousCollection: 'ops' },
    ]);
  });

  it('refuses scoped writes outside the allowed collections, one document at a time', async () => {
    const { documents, embedder, reports, ingest } = setup();
    await ingest.ingest([{ id: 'theirs', body: 'Payroll.', collection: 'finance' }]);
    const result = await ingest.ingest(
      [
        { id: 'elsewhere', body: 'Not mine.', collection: 'finance' },
        // An id held by another collection is neither overwritten nor moved into this one.
        { id: 'theirs', body: 'Taken over?', collection: 'hr' },
        { id: 'mine', body: 'Leave policy.', collection: 'hr' },
      ],
      { allowedCollections: ['hr'] },
    );
    expect(result).toMatchObject({ indexed: 1, failed: 2 });
    expect(result.items[0]).toMatchObject({ status: 'failed', problems: [{ field: 'collection' }] });
    expect(result.items[0].error).toContain('"finance"');
    expect(result.items[1]).toMatchObject({ status: 'failed', problems: [{ field: 'id' }] });
    expect(result.items[1].error).not.toContain('finance');
    expect(result.items[2]).toMatchObject({ id: 'mine', status: 'created' });
    expect(documents.writes[1].map((w) => w.document.id)).toEqual(['mine']);
    expect(documents.stored.get('theirs')).toMatchObject({ collection: 'finance', body: 'Payroll.' });
    expect(embedder.passages).not.toContain('Taken over?');
    expect(reports[1].changes.map((c) => c.id)).toEqual(['mine']);
  });

  it('fails the documents the repository refused and reports only the others', async () => {
    const { documents, reports, ingest } = setup();
    documents.refuse.add('bad');
    const result = await ingest.ingest([
      { id: 'bad', body: 'Refused.' },
      { id: 'good', body: 'Accepted.' },
    ]);
    expect(result.items[0]).toMatchObject({ id: 'bad', status: 'failed' });
    expect(result.items[0].error).toContain('mapper_parsing_exception');
    expect(result.items[1]).toMatchObject({ id: 'good', status: 'created' });
    expect(reports[0].changes.map((c) => c.id)).toEqual(['good']);
  });

  it('fails what needs embedding when the embedder fails, and still writes what reuses its vectors', async () => {
    const { embedder, ingest } = setup();
    await ingest.ingest([{ id: 'kept', body: 'Same text.' }]);
    embedder.fail = true;
    const result = await ingest.ingest([
      { id: 'kept', body: 'Same text.', tags: ['new-tag'] },
      { id: 'fresh', body: 'Needs a vector.' },
    ]);
    expect(result.items[0]).toMatchObject({ id: 'kept', status: 'updated' });
    expect(result.items[1]).toMatchObject({ id: 'fresh', status: 'failed' });
    // The model's own wording goes to the log, not to the caller.
    expect(result.items[1].error).toBe('embedder is unavailable');
  });

  it('refuses invalid and duplicate documents without failing the rest', async () => {
    const { ingest } = setup();
    const result = await ingest.ingest([
      { id: 'a', body: '' },
      { id: 'b', body: 'B.' },
      { id: 'b', body: 'B again.' },
    ]);
    expect(result.items.map((i) => i.status)).toEqual(['failed', 'created', 'failed']);
    expect(result.items[0].problems?.[0].field).toBe('body');
    expect(result.items[2].error).toContain('more than once');
  });

  it('fails a document that makes more chunks than the limit, naming it, and writes the others', async () => {
    const documents = new FakeDocuments();
    const embedder = new FakeEmbedder();
    const ingest = new IngestService(
      documents as unknown as DocumentRepository,
      embedder as unknown as Embedder,
      indexNames('unit'),
      { chunking: { targetWords: 4, maxWords: 6, overlapWords: 0 }, maxChunks: 3 },
    );
    const pages = Array.from({ length: 4 }, (_, n) => `Page ${n} text.`).join('\n\f');
    const result = await ingest.ingest([
      { id: 'paged', body: pages },
      { id: 'short', body: 'One page.' },
    ]);
    expect(result.items[0]).toMatchObject({
      status: 'failed',
      error: 'body makes 4 chunks, more than the limit of 3 per document',
      problems: [{ field: 'body', reason: 'more than 3 chunks' }],
    });
    expect(result.items[1]).toMatchObject({ id: 'short', status: 'created' });
    expect(documents.writes.flat().map((w) => w.document.id)).toEqual(['short']);
    expect(embedder.passages).toEqual(['One page.']);
  });

  describe('delete', () => {
    it('deletes a document with all its chunks and reports it', async () => {
      const { documents, reports, ingest } = setup();
      await ingest.ingest([{ id: 'd1', body: LONG, collection: 'ops' }]);
      const chunks = documents.writes[0][0].chunks!.length;
      expect(await ingest.delete('d1', { wait: true })).toBe(true);
      expect(documents.deletions).toEqual([[{ id: 'd1', chunkCount: chunks }]]);
      expect(reports[1]).toEqual({
        changes: [{ id: 'd1', change: 'deleted', collection: 'ops' }],
        changed: [{ id: 'd1', change: 'deleted', collection: 'ops' }],
        visible: true,
      });
    });

    it('answers false for an absent document and for one outside the allowed collections', async () => {
      const { documents, reports, ingest } = setup();
      await ingest.ingest([{ id: 'pay', body: 'Payroll.', collection: 'finance' }]);
      expect(await ingest.delete('nothing')).toBe(false);
      expect(await ingest.delete('pay', { allowedCollections: ['hr'] })).toBe(false);
      expect(documents.deletions).toEqual([]);
      expect(documents.stored.has('pay')).toBe(true);
      expect(reports).toHaveLength(1);
    });

    it('is unavailable when the repository could not delete', async () => {
      const { documents, ingest } = setup();
      await ingest.ingest([{ id: 'd1', body: 'Text.' }]);
      documents.deleteDocuments = async () => new Map([['d1', ['delete d1#0: timeout']]]);
      await expect(ingest.delete('d1')).rejects.toBeInstanceOf(UnavailableError);
    });
  });
});
