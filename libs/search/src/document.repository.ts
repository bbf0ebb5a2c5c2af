import type { Client, estypes } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';
import type { Chunk } from './structured-chunker';
import type { DocumentAccess } from './document.dto';
import { storedVector } from './stored-vector';

/** A document as stored in the full-text index. */
export interface StoredDocument {
  id: string;
  collection: string;
  title?: string;
  body: string;
  tags: string[];
  source?: string;
  metadata: Record<string, unknown>;
  /** Who may read it (absent: everyone who sees its collection). */
  access?: DocumentAccess;
  created_at: string;
  updated_at: string;
  content_hash: string;
  /** Hash of what was embedded (title and body): unchanged → the vectors are reused. */
  embedding_hash?: string;
  chunk_count?: number;
}

export type ExistingDocument = Pick<
  StoredDocument,
  'collection' | 'content_hash' | 'embedding_hash' | 'chunk_count' | 'created_at' | 'access'
>;

/** A chunk embedded by this write, stored with its vector. */
export interface ChunkWrite extends Chunk {
  vector: number[];
}

/** One document to store, and what becomes of its chunks. */
export interface DocumentWrite {
  /** The document as it is stored (its `chunk_count` is the number of chunks it has after the write). */
  document: StoredDocument;
  /**
   * Chunks embedded now: they replace the stored ones. Absent when the text did not change: the
   * stored chunks are kept and take the document's new collection, tags and metadata.
   */
  chunks?: ChunkWrite[];
  /**
   * Without `chunks`: the document's chunks as they are stored (their vectors are kept). The
   * full-text index holds every chunk's text and place (`nestedChunks`), and an index action
   * replaces all of a document, so each write of it carries its chunks.
   */
  keptChunks?: Chunk[];
  /** With `chunks` of a document of several: the document embedded whole, stored on its first chunk. */
  documentVector?: number[];
  /** Chunks stored before this write; those beyond the new count are deleted. */
  previousChunkCount: number;
}

/** A document to delete with its chunks. */
export interface DocumentDeletion {
  id: string;
  chunkCount: number;
}

export interface WriteOptions {
  /** Resolve only once the write is searchable. */
  wait?: boolean;
  signal?: AbortSignal;
}

/** One bulk action (and its body), and the document it belongs to. */
interface BulkOperation {
  owner: string;
  action: object;
  body?: object;
}

/** What Elasticsearch refused, by document id (documents written or deleted whole are absent). */
export type WriteFailures = Map<string, string[]>;

interface BulkItemResult {
  id: string;
  op: 'index' | 'update' | 'delete';
  status: number;
  error?: string;
}

/** The chunk fields a document lends its chunks, so searches filter chunks as they filter documents. */
function chunkFields(doc: StoredDocument) {
  return {
    collection: doc.collection,
    tags: doc.tags,
    source: doc.source,
    metadata: doc.metadata,
    // Both lists always written (null when absent): a partial update of kept chunks merges objects,
    // and a list left from before would keep a chunk hidden or shown unlike its document.
    access: { groups: doc.access?.groups ?? null, users: doc.access?.users ?? null },
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}

/**
 * A document's chunks as the full-text index holds them (nested `chunks`, kept out of `_source`):
 * a search reads the ones its hits are shown from in the request that reads the documents
 * (`lexicalRequest`, `pageRequest`). Each carries its document's id, so one document's chunk can
 * be asked for by number.
 * The place is a JSON string: a stored field keeps values, not objects.
 */
export function nestedChunks(
  docId: string,
  chunks: (Pick<Chunk, 'text'> & Partial<Pick<Chunk, 'location'>>)[],
): { doc_id: string; text: string; chunk_no: number; location?: string }[] {
  return chunks.map((chunk, n) => ({
    doc_id: docId,
    text: chunk.text,
    chunk_no: n,
    ...(chunk.location ? { location: JSON.stringify(chunk.location) } : {}),
  }));
}

/** Ids of a document's chunks in the vector index. */
export function chunkId(docId: string, chunkNo: number): string {
  return `${docId}#${chunkNo}`;
}

/**
 * All reads and writes of documents and their chunks go through here: a document lives in the
 * full-text index and its chunks, with their vectors, in the vector index.
 */
export class DocumentRepository {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
    /** The vector index beside `alias` (by the index naming, `<prefix>-vectors` beside `<prefix>-docs`). */
    private readonly vectorsAlias = alias.replace(/-docs$/, '-vectors'),
  ) {}

  /** What is stored for these ids already (hashes, chunk counts); absent ids are new. */
  async existing(ids: string[], signal?: AbortSignal): Promise<Map<string, ExistingDocument>> {
    if (ids.length === 0) return new Map();
    try {
      const response = await this.client.mget<ExistingDocument>(
        {
          index: this.alias,
          ids,
          _source: ['collection', 'content_hash', 'embedding_hash', 'chunk_count', 'created_at', 'access'],
        },
        { signal },
      );
      const found = new Map<string, ExistingDocument>();
      for (const doc of response.docs)
        if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source);
      return found;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Makes every acknowledged write to these indices searchable now. */
  async refresh(...indices: string[]): Promise<void> {
    try {
      await this.client.indices.refresh({ index: indices });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * Stores documents and their chunks in one bulk request: new chunks replace the stored ones
   * (surplus ones are deleted), or the stored chunks take the document's new fields.
   */
  async writeDocuments(writes: DocumentWrite[], options: WriteOptions = {}): Promise<WriteFailures> {
    const operations: BulkOperation[] = [];
    for (const { document: doc, chunks, keptChunks, documentVector, previousChunkCount } of writes) {
      const shared = chunkFields(doc);
      const add = (action: object, body?: object) => operations.push({ owner: doc.id, action, body });
      if (chunks) {
        chunks.forEach((chunk, n) =>
          add(
            { index: { _index: this.vectorsAlias, _id: chunkId(doc.id, n) } },
            {
              doc_id: doc.id,
              chunk_no: n,
              document_chunks: chunks.length,
              text: chunk.text,
              location: chunk.location,
              embedding: storedVector(chunk.vector),
              ...(n === 0 && documentVector ? { document_embedding: storedVector(documentVector) } : {}),
              ...shared,
            },
          ),
        );
        for (let n = chunks.length; n < previousChunkCount; n++)
          add({ delete: { _index: this.vectorsAlias, _id: chunkId(doc.id, n) } });
      } else {
        for (let n = 0; n < previousChunkCount; n++)
          add({ update: { _index: this.vectorsAlias, _id: chunkId(doc.id, n) } }, { doc: shared });
      }
      add(
        { index: { _index: this.alias, _id: doc.id } },
        { ...doc, chunks: nestedChunks(doc.id, chunks ?? keptChunks ?? []) },
      );
    }
    return this.bulk(operations, options);
  }

  /** Deletes documents and all their chunks. */
  async deleteDocuments(deletions: DocumentDeletion[], options: WriteOptions = {}): Promise<WriteFailures> {
    const operations: BulkOperation[] = [];
    for (const { id, chunkCount } of deletions) {
      operations.push({ owner: id, action: { delete: { _index: this.alias, _id: id } } });
      for (let n = 0; n < chunkCount; n++)
        operations.push({
          owner: id,
          action: { delete: { _index: this.vectorsAlias, _id: chunkId(id, n) } },
        });
    }
    return this.bulk(operations, options);
  }

  /**
   * One bulk request; the failures of its operations, by the document each belongs to. Deleting
   * what is already gone is not a failure.
   */
  private async bulk(operations: BulkOperation[], options: WriteOptions): Promise<WriteFailures> {
    const failures: WriteFailures = new Map();
    if (operations.length === 0) return failures;
    let outcomes: BulkItemResult[];
    try {
      const response = await this.client.bulk(
        {
          operations: operations.flatMap(({ action, body }) => (body ? [action, body] : [action])) as never,
          refresh: options.wait ? 'wait_for' : false,
        },
        { signal: options.signal },
      );
      outcomes = response.items.map((item) => {
        const [op, result] = Object.entries(item)[0] as [
          'index' | 'update' | 'delete',
          estypes.BulkResponseItem,
        ];
        return {
          id: result._id ?? '',
          op,
          status: result.status,
          error: result.error ? `${result.error.type}: ${result.error.reason ?? ''}` : undefined,
        };
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
    outcomes.forEach((outcome, i) => {
      if (!outcome.error || (outcome.op === 'delete' && outcome.status === 404)) return;
      const owner = operations[i].owner;
      failures.set(owner, [...(failures.get(owner) ?? []), `${outcome.op} ${outcome.id}: ${outcome.error}`]);
    });
    return failures;
  }

  async put(document: StoredDocument, refresh: boolean | 'wait_for' = false): Promise<void> {
    try {
      await this.client.index({ index: this.alias, id: document.id, document, refresh });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** The document, or undefined when there is none with that id. */
  async get(id: string): Promise<StoredDocument | undefined> {
    try {
      const response = await this.client.get<StoredDocument>({ index: this.alias, id }, { ignore: [404] });
      return response.found ? response._source : undefined;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Several documents in one request, in the order asked; undefined where there is none. */
  async getMany(ids: string[]): Promise<(StoredDocument | undefined)[]> {
    if (ids.length === 0) return [];
    try {
      const response = await this.client.mget<StoredDocument>({ index: this.alias, ids });
      return response.docs.map((doc) => ('found' in doc && doc.found ? doc._source : undefined));
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** True when a document was deleted, false when there was none. */
  async delete(id: string, refresh: boolean | 'wait_for' = false): Promise<boolean> {
    try {
      const response = await this.client.delete({ index: this.alias, id, refresh }, { ignore: [404] });
      return response.result === 'deleted';
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}
