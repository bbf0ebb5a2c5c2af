import type { Client, estypes } from '@elastic/elasticsearch';
import { InvalidError } from '@quarry/core';
import { mapElasticsearchError } from '@quarry/search';

/** A document as a listing shows it: everything but the body. */
export interface DocumentListing {
  id: string;
  title?: string;
  collection: string;
  tags: string[];
  source?: string;
  metadata: Record<string, unknown>;
  updated_at: string;
  chunk_count?: number;
}

export interface DocumentFilter {
  collection?: string;
  tags?: string[];
  /** Exact `source` field (a path or URL). */
  source?: string;
  /** Documents synced from this source. */
  sourceName?: string;
  idPrefix?: string;
  /** Last updated before this instant (ISO 8601). */
  updatedBefore?: string;
  /** Written by this sync job (`metadata.quarry_job`). */
  writtenByJob?: string;
}

const LISTING_FIELDS = [
  'id',
  'title',
  'collection',
  'tags',
  'source',
  'metadata',
  'updated_at',
  'chunk_count',
];

export const encodeCursor = (sort: estypes.SortResults) =>
  Buffer.from(JSON.stringify(sort)).toString('base64url');

function decodeCursor(cursor: string): estypes.SortResults {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === 'string') return parsed;
  } catch {
    // answered below
  }
  throw new InvalidError('cursor is not one this API returned', [{ field: 'cursor', reason: 'malformed' }]);
}

/** Elasticsearch query of a filter, within what a caller may see (`visibilityClauses` of @quarry/search). */
export function filterQuery(
  filter: DocumentFilter,
  visible: estypes.QueryDslQueryContainer[] = [],
): estypes.QueryDslQueryContainer {
  const must: estypes.QueryDslQueryContainer[] = [...visible];
  if (filter.collection) must.push({ term: { collection: filter.collection } });
  for (const tag of filter.tags ?? []) must.push({ term: { tags: tag } });
  if (filter.source) must.push({ term: { source: filter.source } });
  if (filter.sourceName) must.push({ term: { 'metadata.quarry_source': filter.sourceName } });
  if (filter.idPrefix) must.push({ prefix: { id: filter.idPrefix } });
  if (filter.updatedBefore) must.push({ range: { updated_at: { lt: filter.updatedBefore } } });
  if (filter.writtenByJob) must.push({ term: { 'metadata.quarry_job': filter.writtenByJob } });
  return { bool: { filter: must } };
}

/** Lists and pages through documents of the full-text index, ordered by id. */
export class DocumentBrowser {
  constructor(
    private readonly client: Client,
    private readonly docsAlias: string,
  ) {}

  async page(
    filter: DocumentFilter,
    options: {
      size: number;
      cursor?: string;
      /** The caller's visibility (`visibilityClauses`): collections and document access. */
      visible?: estypes.QueryDslQueryContainer[];
      signal?: AbortSignal;
    },
  ): Promise<{ documents: DocumentListing[]; total: number; nextCursor?: string }> {
    try {
      const response = await this.client.search<DocumentListing>(
        {
          index: this.docsAlias,
          query: filterQuery(filter, options.visible),
          sort: [{ id: 'asc' }],
          size: options.size,
          _source: LISTING_FIELDS,
          track_total_hits: true,
          ...(options.cursor ? { search_after: decodeCursor(options.cursor) } : {}),
        },
        { signal: options.signal },
      );
      const hits = response.hits.hits;
      const total =
        typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
      const last = hits[hits.length - 1];
      return {
        documents: hits.map((h) => h._source!),
        total,
        ...(hits.length === options.size && last?.sort ? { nextCursor: encodeCursor(last.sort) } : {}),
      };
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Every matching document (id and metadata), page after page. */
  async *all(
    filter: DocumentFilter,
    visible?: estypes.QueryDslQueryContainer[],
    signal?: AbortSignal,
  ): AsyncGenerator<DocumentListing> {
    let cursor: string | undefined;
    do {
      const page = await this.page(filter, { size: 1_000, cursor, visible, signal });
      yield* page.documents;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** How many documents match (all of them: no visibility applies). */
  async count(filter: DocumentFilter): Promise<number> {
    try {
      return (await this.client.count({ index: this.docsAlias, query: filterQuery(filter) })).count;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Makes recent writes and deletes visible to searches and listings. */
  async refresh(indices: string[]): Promise<void> {
    try {
      await this.client.indices.refresh({ index: indices });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}
