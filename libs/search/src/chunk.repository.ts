import type { Client, estypes } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';
import { chunkId } from './document.repository';
import type { ChunkLocation } from './structured-chunker';

/** A stored chunk as readers see it: its number, text and place in the document. */
export interface StoredChunk {
  doc_id: string;
  chunk_no: number;
  text: string;
  location?: ChunkLocation;
}

const FIELDS = ['doc_id', 'chunk_no', 'text', 'location'];
/** Chunks one search reads at most (Elasticsearch's default `index.max_result_window`). */
const MAX_PAGE = 10_000;

/** Reads chunks from the vector index (never their vectors). */
export class ChunkRepository {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  /** Chunks `from..to` of a document, those that exist, in order. */
  async range(docId: string, from: number, to: number): Promise<StoredChunk[]> {
    const ids: string[] = [];
    for (let n = Math.max(0, from); n <= to; n++) ids.push(chunkId(docId, n));
    if (ids.length === 0) return [];
    try {
      const response = await this.client.mget<StoredChunk>({ index: this.alias, ids, _source: FIELDS });
      return response.docs.flatMap((doc) =>
        'found' in doc && doc.found && doc._source ? [doc._source] : [],
      );
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * Every chunk of these documents (at most `limit`), grouped by document, each list in order:
   * read in pages of at most 10,000 (Elasticsearch's result window), so a migration copy can ask
   * for all of them (`limit` Infinity).
   */
  async ofDocuments(
    docIds: string[],
    limit = 2_000,
    signal?: AbortSignal,
  ): Promise<Map<string, StoredChunk[]>> {
    const grouped = new Map<string, StoredChunk[]>();
    if (docIds.length === 0) return grouped;
    try {
      let read = 0;
      let after: estypes.SortResults | undefined;
      while (read < limit) {
        const response = await this.client.search<StoredChunk>(
          {
            index: this.alias,
            query: { terms: { doc_id: docIds } },
            _source: FIELDS,
            size: Math.min(limit - read, MAX_PAGE),
            sort: [{ doc_id: 'asc' }, { chunk_no: 'asc' }],
            ...(after ? { search_after: after } : {}),
          },
          { signal },
        );
        const hits = response.hits.hits;
        for (const hit of hits) {
          const chunk = hit._source!;
          const list = grouped.get(chunk.doc_id);
          if (list) list.push(chunk);
          else grouped.set(chunk.doc_id, [chunk]);
        }
        read += hits.length;
        if (hits.length < MAX_PAGE) break;
        after = hits[hits.length - 1].sort;
      }
      return grouped;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}
