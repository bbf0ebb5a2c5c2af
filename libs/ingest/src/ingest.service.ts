import { createHash, randomUUID } from 'node:crypto';
import { InvalidError, QuarryError, UnavailableError, validateInput } from '@quarry/core';
import type { Embedder } from '@quarry/embeddings';
import {
  DEFAULT_CHUNKING,
  DocumentInput,
  LIMITS,
  checkWritableAccess,
  chunkBodies,
  embedChunksAndWholes,
  hasDocumentVector,
  wholeDocumentText,
  normaliseAccess,
  readerMayRead,
  type AccessReader,
  type ChangedDocument,
  type Chunk,
  type ChunkOptions,
  type DocumentChange,
  type DocumentRepository,
  type ExistingDocument,
  type IndexNames,
  type IngestResult,
  type IngestResultItem,
  type StoredDocument,
} from '@quarry/search';
import { INDEXING_RULES } from './indexing-rules';

function mayWrite(collection: string, allowed: string[] | undefined): boolean {
  return !allowed || allowed.includes(collection);
}

/** The one answer for an id held by a document the caller may not write (another collection, or one it cannot read). */
function idNotWritable(id: string): InvalidError {
  return new InvalidError(`id "${id}" is not writable with this key`, [
    { field: 'id', reason: 'taken by a document this key may not write' },
  ]);
}

function tooManyChunks(chunks: number, limit: number): InvalidError {
  return new InvalidError(`body makes ${chunks} chunks, more than the limit of ${limit} per document`, [
    { field: 'body', reason: `more than ${limit} chunks` },
  ]);
}

function notWritable(collection: string): InvalidError {
  return new InvalidError(`collection "${collection}" is not writable with this key`, [
    { field: 'collection', reason: 'not in the allowed collections of this key' },
  ]);
}

export interface IngestOptions {
  wait?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; message?: string }) => void;
  /** Collections the caller may write; documents elsewhere are refused one by one. */
  allowedCollections?: string[];
  /**
   * The caller's groups and user (`readerOf`): it may restrict documents only to them, and may not
   * overwrite a document it cannot read. Absent: an admin, who may do both.
   */
  reader?: AccessReader;
}

export interface IngestServiceOptions {
  chunking: ChunkOptions;
  /**
   * New chunks per embedder call, and so per bulk write: one group is written while the next is
   * embedded, and a call's texts are sorted by length together (less padding).
   */
  embedBatch: number;
  /** Documents per bulk request, bounding request size. */
  bulkDocuments: number;
  /** Chunks one document may make; a document that makes more fails, naming the limit. */
  maxChunks: number;
}

const DEFAULT_OPTIONS: IngestServiceOptions = {
  chunking: DEFAULT_CHUNKING,
  embedBatch: 64,
  bulkDocuments: 100,
  maxChunks: LIMITS.chunksPerDocument,
};

interface Prepared {
  index: number;
  doc: StoredDocument;
  previous?: ExistingDocument;
  /** Chunks to (re-)embed; undefined when the stored vectors are reused. */
  chunks?: Chunk[];
  /** The chunks of a document whose stored vectors are reused (for the full-text index). */
  keptChunks?: Chunk[];
  vectors?: number[][];
  /** The document embedded whole, when it has several chunks (`hasDocumentVector`). */
  documentVector?: number[];
  status: 'created' | 'updated';
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

function normalise(input: DocumentInput, now: string): StoredDocument {
  const tags = [...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))];
  const access = normaliseAccess(input.access);
  if (input.access && !access)
    throw new InvalidError(
      'access names no group and no user; leave it out for a document everyone may read',
      [{ field: 'access', reason: 'names nobody (absent: open)' }],
    );
  const doc: StoredDocument = {
    id: input.id ?? randomUUID(),
    collection: input.collection ?? 'default',
    title: input.title?.trim() || undefined,
    body: input.body,
    tags,
    source: input.source,
    metadata: input.metadata ?? {},
    ...(access ? { access } : {}),
    created_at: now,
    updated_at: now,
    content_hash: '',
  };
  // Page labels are part of the chunks' locations.
  doc.embedding_hash = hash([INDEXING_RULES, doc.title ?? '', doc.body, doc.metadata.page_labels ?? null]);
  doc.content_hash = hash([
    INDEXING_RULES,
    doc.title ?? '',
    doc.body,
    doc.collection,
    [...tags].sort(),
    doc.source ?? '',
    doc.metadata,
    // Only when set, so documents without access keep the hashes they were stored with.
    ...(doc.access ? [doc.access] : []),
  ]);
  return doc;
}

/** The text that is embedded for a chunk: the title gives every chunk its document's context. */
export function embeddingText(doc: StoredDocument, chunk: Chunk): string {
  // The heading path places a chunk as the title places its document.
  const context = [doc.title, ...(chunk.location.heading ?? [])].filter(Boolean).join(' > ');
  return context ? `${context}. ${chunk.text}` : chunk.text;
}

/**
 * Consecutive documents in groups of at least `chunks` new chunks (the last may hold fewer), so
 * that one group is written while the next is embedded. Documents that keep their vectors go
 * with the group they fall in.
 */
function groupsOf(prepared: Prepared[], chunks: number): Prepared[][] {
  const groups: Prepared[][] = [];
  let group: Prepared[] = [];
  let count = 0;
  for (const p of prepared) {
    group.push(p);
    count += p.chunks?.length ?? 0;
    if (count >= chunks) {
      groups.push(group);
      group = [];
      count = 0;
    }
  }
  if (group.length > 0 || groups.length === 0) groups.push(group);
  return groups;
}

/**
 * Validates, normalises, chunks, embeds and bulk-writes documents. Each document gets its own
 * result: one bad document never fails the others. Unchanged documents are skipped and a
 * document whose text did not change keeps its vectors.
 */
export class IngestService {
  private readonly options: IngestServiceOptions;

  constructor(
    private readonly repository: DocumentRepository,
    private readonly embedder: Embedder,
    /** Unused since the repository owns the indices; kept so the providers need not change at once. */
    _indices: IndexNames,
    options: Partial<IngestServiceOptions> = {},
    private readonly onChanged: (
      changes: DocumentChange[],
      documents: ChangedDocument[],
      /** False when the write was acknowledged before a refresh made it searchable. */
      visible: boolean,
    ) => void | Promise<void> = () => undefined,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  async ingest(documents: unknown[], options: IngestOptions = {}): Promise<IngestResult> {
    const started = performance.now();
    const items: IngestResultItem[] = new Array(documents.length);
    const now = new Date().toISOString();
    const valid: { index: number; doc: StoredDocument }[] = [];
    const seen = new Map<string, number>();

    for (const [index, raw] of documents.entries()) {
      try {
        const input = await validateInput(DocumentInput, raw, `documents[${index}]`);
        const doc = normalise(input, now);
        if (!mayWrite(doc.collection, options.allowedCollections)) throw notWritable(doc.collection);
        if (seen.has(doc.id)) {
          throw new InvalidError(
            `id "${doc.id}" appears more than once in this request (first at documents[${seen.get(doc.id)}])`,
            [{ field: 'id', reason: 'duplicate in this request' }],
          );
        }
        seen.set(doc.id, index);
        valid.push({ index, doc });
      } catch (error) {
        items[index] = failure(index, (raw as { id?: unknown })?.id, error);
      }
    }

    for (let start = 0; start < valid.length; start += this.options.bulkDocuments) {
      if (options.signal?.aborted) throw new QuarryError('invalid', 'request cancelled');
      const slice = valid.slice(start, start + this.options.bulkDocuments);
      const results = await this.writeSlice(slice, options);
      for (const result of results) items[result.index] = result;
      options.onProgress?.({ done: Math.min(start + slice.length, valid.length), total: valid.length });
    }

    const failed = items.filter((i) => i.status === 'failed').length;
    return { items, indexed: items.length - failed, failed, tookMs: Math.round(performance.now() - started) };
  }

  private async writeSlice(
    slice: { index: number; doc: StoredDocument }[],
    options: IngestOptions,
  ): Promise<IngestResultItem[]> {
    const existing = await this.repository.existing(
      slice.map((s) => s.doc.id),
      options.signal,
    );
    const results: IngestResultItem[] = [];
    const changing: { index: number; doc: StoredDocument; previous?: ExistingDocument }[] = [];
    for (const { index, doc } of slice) {
      const previous = existing.get(doc.id);
      // A document outside the caller's collections is absent for that caller: it is neither
      // overwritten nor moved, and the refusal names neither its collection nor its state.
      if (
        previous &&
        (!mayWrite(previous.collection, options.allowedCollections) ||
          !readerMayRead(options.reader, previous.access))
      ) {
        results.push(failure(index, doc.id, idNotWritable(doc.id)));
        continue;
      }
      try {
        checkWritableAccess(options.reader, doc.access, previous?.access);
      } catch (error) {
        results.push(failure(index, doc.id, error));
        continue;
      }
      if (previous?.content_hash === doc.content_hash) {
        results.push({ index, id: doc.id, status: 'unchanged', chunks: previous.chunk_count });
        continue;
      }
      if (previous) doc.created_at = previous.created_at;
      changing.push({ index, doc, previous });
    }
    // Chunked even when the stored vectors are kept: the full-text index holds every chunk's text
    // (`keptChunks`). Another count than stored means the chunking settings changed: re-embedded.
    // Long bodies are chunked in workers, short ones with turns for other requests (`chunkBodies`).
    const chunked = await chunkBodies(
      changing.map(({ doc }) => ({ body: doc.body, pageLabels: doc.metadata.page_labels })),
      this.options.chunking,
    );
    const prepared: Prepared[] = [];
    for (const [at, { index, doc, previous }] of changing.entries()) {
      const chunks = chunked[at];
      if (chunks.length > this.options.maxChunks) {
        results.push(failure(index, doc.id, tooManyChunks(chunks.length, this.options.maxChunks)));
        continue;
      }
      const reuse =
        previous?.embedding_hash === doc.embedding_hash && previous?.chunk_count === chunks.length;
      doc.chunk_count = chunks.length;
      prepared.push({
        index,
        doc,
        previous,
        ...(reuse ? { keptChunks: chunks } : { chunks }),
        status: previous ? 'updated' : 'created',
      });
    }

    // Embedding is most of an ingest's time, so it never waits for Elasticsearch: every group's
    // embedding is asked for at once (the model works through them in order), and a group is
    // written while the next ones are embedded.
    const groups = groupsOf(prepared, this.options.embedBatch);
    const embedded = groups.map((group) => this.embed(group, options.signal));
    const changes: DocumentChange[] = [];
    const changed: ChangedDocument[] = [];
    for (const [at, group] of groups.entries()) {
      const embedFailure = await embedded[at];
      const writable = group.filter((p) => !embedFailure || !p.chunks);
      for (const p of group) {
        if (embedFailure && p.chunks) results.push(failure(p.index, p.doc.id, embedFailure));
      }
      if (writable.length === 0) continue;
      const errors = await this.repository.writeDocuments(
        writable.map((p) => ({
          document: p.doc,
          chunks: p.chunks?.map((chunk, n) => ({ ...chunk, vector: p.vectors![n] })),
          ...(p.keptChunks ? { keptChunks: p.keptChunks } : {}),
          ...(p.documentVector ? { documentVector: p.documentVector } : {}),
          previousChunkCount: p.previous?.chunk_count ?? 0,
        })),
        { wait: options.wait, signal: options.signal },
      );
      for (const p of writable) {
        const problems = errors.get(p.doc.id);
        if (problems) {
          results.push({
            index: p.index,
            id: p.doc.id,
            status: 'failed',
            error: `elasticsearch rejected: ${problems.join('; ')}`,
          });
        } else {
          results.push({ index: p.index, id: p.doc.id, status: p.status, chunks: p.doc.chunk_count });
          const change: DocumentChange = {
            id: p.doc.id,
            change: p.status === 'created' ? 'new' : 'updated',
            collection: p.doc.collection,
            ...(p.doc.access ? { access: p.doc.access } : {}),
            ...(p.previous && p.previous.collection !== p.doc.collection
              ? { previousCollection: p.previous.collection }
              : {}),
          };
          changes.push(change);
          changed.push({
            ...change,
            document: p.doc,
            chunks: p.chunks?.map((chunk, n) => ({ text: chunk.text, vector: p.vectors![n] })),
            ...(p.documentVector ? { documentVector: p.documentVector } : {}),
          });
        }
      }
    }
    // Awaited so caches are invalidated before the caller gets its acknowledgement.
    if (changes.length) await this.onChanged(changes, changed, options.wait === true);
    return results;
  }

  /**
   * Embeds every new chunk of these documents in one embedder call (which sorts them by length
   * and pads each model run only to its longest), and the documents of several chunks whole in
   * another (`embedChunksAndWholes`). Resolves with the failure, if the embedder failed.
   */
  private async embed(prepared: Prepared[], signal?: AbortSignal): Promise<Error | undefined> {
    const chunks = prepared.flatMap((p) =>
      (p.chunks ?? []).map((chunk) => ({ p, text: embeddingText(p.doc, chunk) })),
    );
    const wholes = prepared.flatMap((p) =>
      p.chunks && hasDocumentVector(p.chunks.length)
        ? [{ p, text: wholeDocumentText(p.doc.title, p.doc.body) }]
        : [],
    );
    if (chunks.length === 0) return undefined;
    let vectors: { chunks: number[][]; wholes: number[][] };
    try {
      if (signal?.aborted) throw new QuarryError('invalid', 'request cancelled');
      vectors = await embedChunksAndWholes(
        this.embedder,
        { chunks: chunks.map((j) => j.text), wholes: wholes.map((j) => j.text) },
        signal,
      );
    } catch (error) {
      if (error instanceof QuarryError) return error;
      return new UnavailableError('embedder', (error as Error).message);
    }
    chunks.forEach((job, i) => (job.p.vectors ??= []).push(vectors.chunks[i]));
    wholes.forEach((job, i) => (job.p.documentVector = vectors.wholes[i]));
    return undefined;
  }

  /** Removes a document and all its chunks; false when there was no such document. */
  async delete(
    id: string,
    options: {
      wait?: boolean;
      signal?: AbortSignal;
      allowedCollections?: string[];
      reader?: AccessReader;
    } = {},
  ): Promise<boolean> {
    const existing = (await this.repository.existing([id], options.signal)).get(id);
    // A document outside the caller's collections is reported as absent, not as forbidden, so
    // its existence does not leak.
    if (
      !existing ||
      (options.allowedCollections && !options.allowedCollections.includes(existing.collection)) ||
      !readerMayRead(options.reader, existing.access)
    )
      return false;
    const failures = await this.repository.deleteDocuments([{ id, chunkCount: existing.chunk_count ?? 0 }], {
      wait: options.wait,
      signal: options.signal,
    });
    const problems = failures.get(id);
    if (problems)
      throw new UnavailableError('elasticsearch', `delete of ${id} failed: ${problems.join('; ')}`);
    const change: DocumentChange = {
      id,
      change: 'deleted',
      collection: existing.collection,
      ...(existing.access ? { access: existing.access } : {}),
    };
    await this.onChanged([change], [change], options.wait === true);
    return true;
  }
}

function failure(index: number, id: unknown, error: unknown): IngestResultItem {
  const item: IngestResultItem = { index, status: 'failed', error: (error as Error).message };
  if (typeof id === 'string') item.id = id;
  if (error instanceof InvalidError && error.problems.length) {
    item.problems = error.problems.map((p) => ({ field: p.field, reason: p.reason }));
  }
  return item;
}
