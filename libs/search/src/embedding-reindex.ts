import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { ConflictError, NotFoundError } from '@quarry/core';
import type { Embedder } from '@quarry/embeddings';
import type { IndexNames } from './index-names';
import { freshIndexName, loadIndexDefinition, withoutShape } from './index-setup';
import { storedVector } from './stored-vector';
import { embedChunksAndWholes, hasDocumentVector, wholeDocumentText } from './document-vector';
import { vectorIndexModel } from './vector-index-model';

interface ChunkSource {
  doc_id: string;
  chunk_no?: number;
  text?: string;
  location?: { heading?: string[] };
  updated_at?: string;
  [field: string]: unknown;
}

export interface ReindexProgress {
  phase: 'embedding' | 'swapping' | 'catching-up' | 'done';
  /** Chunks re-embedded so far, and how many the old index held when the job started. */
  chunks: number;
  total: number;
}

export interface ReindexResult {
  /** The index the alias pointed to, and the new one it points to now. */
  from: string;
  to: string;
  model: string;
  chunks: number;
  /** Chunks of documents written or deleted while the job ran, brought over after the swap. */
  caughtUp: number;
}

/** What ingest embeds for a chunk: its document title and heading path, then the chunk (ingest.service.ts). */
function passageText(title: string | undefined, chunk: ChunkSource): string {
  const context = [title, ...(chunk.location?.heading ?? [])].filter(Boolean).join(' > ');
  return context ? `${context}. ${chunk.text ?? ''}` : (chunk.text ?? '');
}

/**
 * Re-embeds every chunk of the vector index with `embedder` into a new versioned index, then points the
 * alias at it in one atomic step; searches use the old index (and its vectors) until then. Chunk texts,
 * ids and fields are kept as they are, so nothing is chunked again; only the vectors change.
 *
 * Writes that land while the job runs go to the old index; after the swap, the chunks of documents
 * updated since the start are brought over again and chunks of documents deleted meanwhile are removed.
 */
export class EmbeddingReindexer {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
    private readonly embedder: Embedder,
    private readonly batchSize = 64,
  ) {}

  async run(onProgress: (progress: ReindexProgress) => void = () => undefined, signal?: AbortSignal) {
    const alias = this.indices.vectors;
    const aliases = await this.client.indices.getAlias({ name: alias });
    const from = Object.keys(aliases)[0];
    if (!from) throw new NotFoundError('vector index', alias);
    const definition = loadIndexDefinition('vectors', this.embedder);
    const to = freshIndexName(alias, definition.version);
    const startedAt = new Date(Date.now() - 1000).toISOString();
    await this.client.indices.create({
      index: to,
      // Shards and replicas come from the index template, where this instance's configuration put them.
      settings: { ...withoutShape(definition.settings), refresh_interval: '-1' },
      mappings: { ...definition.mappings, _meta: { ...vectorIndexModel(this.embedder.model) } } as never,
      wait_for_active_shards: 1,
    });
    try {
      const total = (await this.client.count({ index: from })).count;
      let chunks = 0;
      onProgress({ phase: 'embedding', chunks, total });
      for await (const page of this.pages(from, { match_all: {} })) {
        signal?.throwIfAborted();
        chunks += await this.copy(page, to, signal);
        onProgress({ phase: 'embedding', chunks, total });
      }
      await this.client.indices.putSettings({
        index: to,
        settings: { refresh_interval: String(definition.settings.refresh_interval ?? '1s') },
      });
      await this.client.indices.refresh({ index: to });
      signal?.throwIfAborted();
      onProgress({ phase: 'swapping', chunks, total });
      await this.client.indices.updateAliases({
        actions: [{ remove: { index: from, alias } }, { add: { index: to, alias, is_write_index: true } }],
      });
      onProgress({ phase: 'catching-up', chunks, total });
      const caughtUp = await this.catchUp(from, to, startedAt);
      await this.client.indices.refresh({ index: to });
      await this.client.indices.delete({ index: from });
      onProgress({ phase: 'done', chunks, total });
      return { from, to, model: this.embedder.id, chunks, caughtUp } satisfies ReindexResult;
    } catch (error) {
      // Before the swap, the new index is only ours: drop it and leave everything as it was.
      const current = Object.keys(await this.client.indices.getAlias({ name: alias }).catch(() => ({})));
      if (!current.includes(to)) await this.client.indices.delete({ index: to }).catch(() => undefined);
      throw error;
    }
  }

  /** Pages of chunks (without their old vectors) in index order. */
  private async *pages(index: string, query: estypes.QueryDslQueryContainer) {
    let page = await this.client.search<ChunkSource>({
      index,
      scroll: '5m',
      size: this.batchSize,
      sort: ['_doc'],
      query,
      _source: { excludes: ['embedding', 'document_embedding'] },
    });
    try {
      while (page.hits.hits.length > 0) {
        yield page.hits.hits;
        if (!page._scroll_id) break;
        page = await this.client.scroll<ChunkSource>({ scroll_id: page._scroll_id, scroll: '5m' });
      }
    } finally {
      if (page._scroll_id)
        await this.client.clearScroll({ scroll_id: page._scroll_id }).catch(() => undefined);
    }
  }

  /**
   * Each document's title, and for those of `firsts` (documents whose first chunk this page holds)
   * that have several chunks, the text it is embedded whole from: a body is read once, with its
   * document's first chunk, not with every page its chunks span.
   */
  private async documents(
    docIds: string[],
    firsts: Set<string>,
  ): Promise<Map<string, { title?: string; whole?: string }>> {
    const found = await this.client.mget<{ title?: string; chunk_count?: number }>({
      index: this.indices.docs,
      ids: [...new Set(docIds)],
      _source: ['title', 'chunk_count'],
    });
    const documents = new Map<string, { title?: string; whole?: string }>();
    const several: string[] = [];
    for (const doc of found.docs) {
      if (!('found' in doc && doc.found)) continue;
      documents.set(doc._id, { title: doc._source?.title });
      if (firsts.has(doc._id) && hasDocumentVector(doc._source?.chunk_count ?? 0)) several.push(doc._id);
    }
    if (several.length) {
      const bodies = await this.client.mget<{ body?: string }>({
        index: this.indices.docs,
        ids: several,
        _source: ['body'],
      });
      for (const doc of bodies.docs) {
        if (!('found' in doc && doc.found)) continue;
        const entry = documents.get(doc._id)!;
        entry.whole = wholeDocumentText(entry.title, doc._source?.body ?? '');
      }
    }
    return documents;
  }

  /** Embeds one page of chunks with the new model and writes them, same ids, into `to`. */
  private async copy(
    hits: estypes.SearchHit<ChunkSource>[],
    to: string,
    signal?: AbortSignal,
  ): Promise<number> {
    const chunks = hits.filter((hit) => hit._source);
    if (chunks.length === 0) return 0;
    const firsts = new Set(
      chunks.filter((hit) => hit._source!.chunk_no === 0).map((hit) => hit._source!.doc_id),
    );
    const documents = await this.documents(
      chunks.map((hit) => hit._source!.doc_id),
      firsts,
    );
    // A document's first chunk also carries the document embedded whole, when it has several.
    const wholes = [...firsts].flatMap((docId) => {
      const whole = documents.get(docId)?.whole;
      return whole === undefined ? [] : [{ docId, text: whole }];
    });
    const vectors = await embedChunksAndWholes(
      this.embedder,
      {
        chunks: chunks.map((hit) => passageText(documents.get(hit._source!.doc_id)?.title, hit._source!)),
        wholes: wholes.map((w) => w.text),
      },
      signal,
    );
    const wholeVectors = new Map(wholes.map((w, i) => [w.docId, vectors.wholes[i]]));
    const operations = chunks.flatMap((hit, i) => {
      const whole = hit._source!.chunk_no === 0 ? wholeVectors.get(hit._source!.doc_id) : undefined;
      return [
        { index: { _index: to, _id: hit._id } },
        {
          ...hit._source,
          embedding: storedVector(vectors.chunks[i]),
          ...(whole ? { document_embedding: storedVector(whole) } : {}),
        },
      ];
    });
    const bulk = await this.client.bulk({ operations, refresh: false });
    if (bulk.errors) {
      const failed = bulk.items.find((item) => item.index?.error)?.index?.error;
      throw new ConflictError(`re-embedding into ${to} failed: ${failed?.reason ?? 'bulk errors'}`);
    }
    return chunks.length;
  }

  /**
   * After the swap: documents changed in the old index since the start get their chunks re-embedded from
   * the old index, unless the new index already has a newer version; chunks whose document is gone are
   * removed.
   */
  private async catchUp(from: string, to: string, startedAt: string): Promise<number> {
    await this.client.indices.refresh({ index: from });
    let caughtUp = 0;
    for await (const page of this.pages(from, { range: { updated_at: { gte: startedAt } } })) {
      const current = await this.client.mget<ChunkSource>({
        index: to,
        ids: page.map((hit) => hit._id!),
        _source: ['updated_at'],
      });
      const newer = new Set(
        current.docs
          .filter(
            (doc, i) =>
              'found' in doc &&
              doc.found &&
              (doc._source?.updated_at ?? '') > (page[i]._source?.updated_at ?? ''),
          )
          .map((doc) => doc._id),
      );
      caughtUp += await this.copy(
        page.filter((hit) => !newer.has(hit._id!)),
        to,
      );
    }
    // Chunks copied before their document was deleted (or shortened) in the old index.
    const stale: string[] = [];
    for await (const page of this.pages(to, { match_all: {} })) {
      const ids = page.map((hit) => hit._id!);
      const inOld = await this.client.mget({ index: from, ids, _source: false });
      const documents = await this.client.mget({
        index: this.indices.docs,
        ids: [...new Set(page.map((hit) => hit._source!.doc_id))],
        _source: false,
      });
      const present = new Set(
        documents.docs.filter((doc) => 'found' in doc && doc.found).map((doc) => doc._id),
      );
      inOld.docs.forEach((doc, i) => {
        const gone = !('found' in doc && doc.found);
        if (gone && !present.has(page[i]._source!.doc_id)) stale.push(ids[i]);
        else if (gone && (page[i]._source?.updated_at ?? '') < startedAt) stale.push(ids[i]);
      });
    }
    if (stale.length > 0) {
      await this.client.bulk({ operations: stale.map((id) => ({ delete: { _index: to, _id: id } })) });
      caughtUp += stale.length;
    }
    return caughtUp;
  }
}

export interface ReindexJob {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  progress: ReindexProgress;
  result?: ReindexResult;
  error?: string;
  started_at: string;
  /** When its progress last moved (an MCP task's lastUpdatedAt). */
  updated_at: string;
  finished_at?: string;
}

/** Re-embedding jobs of this process: at most one runs at a time. */
export class ReindexJobs {
  private readonly jobs = new Map<string, ReindexJob>();
  private running?: { job: ReindexJob; done: Promise<void>; controller: AbortController };

  constructor(private readonly reindexer: () => EmbeddingReindexer) {}

  start(): { job: ReindexJob; done: Promise<void> } {
    if (this.running) {
      throw new ConflictError(`re-embedding job ${this.running.job.id} is still running`);
    }
    const job: ReindexJob = {
      id: randomUUID(),
      status: 'running',
      progress: { phase: 'embedding', chunks: 0, total: 0 },
      started_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    const controller = new AbortController();
    const done = this.reindexer()
      .run((progress) => {
        job.progress = progress;
        job.updated_at = new Date().toISOString();
      }, controller.signal)
      .then(
        (result) => {
          job.status = 'succeeded';
          job.result = result;
        },
        (error: Error) => {
          job.status = 'failed';
          job.error = error.message;
        },
      )
      .finally(() => {
        job.finished_at = job.updated_at = new Date().toISOString();
        this.running = undefined;
      });
    this.running = { job, done, controller };
    return { job, done };
  }

  get(id: string): ReindexJob {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError('reindex job', id);
    return job;
  }

  async close(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.controller.abort(new Error('shutting down'));
    await running.done;
  }
}
