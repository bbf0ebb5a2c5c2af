import type { estypes } from '@elastic/elasticsearch';
import type { Embedder } from '@quarry/embeddings';
import {
  DEFAULT_WEIGHTING,
  fuseScores,
  lexicalWeightFor,
  maxPoolChunks,
  type QueryWeighting,
  type RankedDoc,
} from './fusion';
import type { IndexNames } from './index-names';
import { parseQuery } from './query-parser';
import type { ChunkSource, DocumentSummary, SearchRepository } from './search.repository';
import { lexicalRequest, semanticRequest, type ResolvedScope } from './search-query';
import type { FacetBucket, SearchHit, SearchInput, SearchMode, SearchResult } from './search.dto';

export interface SearchScope {
  /** The principal's collection allow-list, if any. */
  allowedCollections?: string[];
}

export interface SearchServiceOptions {
  weighting: QueryWeighting;
  /** Candidates each retriever contributes to a hybrid ranking (at least from + size). */
  hybridDepth: number;
}

const DEFAULT_OPTIONS: SearchServiceOptions = { weighting: DEFAULT_WEIGHTING, hybridDepth: 50 };
const SNIPPET_LENGTH = 240;

interface LexicalHit {
  id: string;
  score: number;
  summary: DocumentSummary;
  highlights: string[];
  titleHighlight?: string;
}

interface SemanticHit {
  id: string;
  score: number;
  text: string;
}

function emptyResult(mode: SearchMode, started: number): SearchResult {
  return {
    hits: [],
    total: 0,
    tookMs: Math.round(performance.now() - started),
    mode,
    facets: { collection: [], tags: [] },
  };
}

function bucketsOf(aggregate: unknown): FacetBucket[] {
  const buckets = (aggregate as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
  return (Array.isArray(buckets) ? buckets : []).map((b) => ({ value: String(b.key), count: b.doc_count }));
}

function countFacets(summaries: DocumentSummary[]): { collection: FacetBucket[]; tags: FacetBucket[] } {
  const count = (values: string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts]
      .map(([value, n]) => ({ value, count: n }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  };
  return {
    collection: count(summaries.map((s) => s.collection)),
    tags: count(summaries.flatMap((s) => s.tags ?? [])),
  };
}

function truncate(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), length - 20))}…`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * Builds and runs every search, whatever edge asked: scope resolution, the lexical and kNN
 * requests, chunk max-pooling, hybrid fusion, pagination, snippets and facets.
 */
export class SearchService {
  private readonly queryVectors = new Map<string, number[]>();
  private readonly options: SearchServiceOptions;

  constructor(
    private readonly repository: SearchRepository,
    private readonly embedder: Embedder,
    private readonly indices: IndexNames,
    options: Partial<SearchServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  async search(input: SearchInput, scope: SearchScope = {}, signal?: AbortSignal): Promise<SearchResult> {
    const started = performance.now();
    const mode = input.mode ?? 'hybrid';
    const parsed = parseQuery(input.query);
    const resolved = this.resolveScope(input, parsed.collections, scope);
    if (resolved.collections?.length === 0) return emptyResult(mode, started);
    const from = input.from ?? 0;
    const size = input.size ?? 10;
    const highlight = input.highlight ?? true;

    // A query that only scopes (`@runbooks`) has no words to rank by meaning.
    if (mode === 'lexical' || !parsed.text) {
      const lexical = await this.lexical(parsed.text, resolved, from, size, highlight, true, signal);
      return {
        hits: lexical.hits.map((h) => this.toHit(h.id, h.score, h.summary, h.highlights, h.titleHighlight)),
        total: lexical.total,
        tookMs: Math.round(performance.now() - started),
        mode,
        facets: lexical.facets,
      };
    }
    if (mode === 'semantic') {
      const semantic = await this.semantic(
        parsed.text,
        resolved,
        Math.min(Math.max((from + size) * 3, 30), 1000),
        signal,
      );
      const summaries = await this.repository.summaries(
        semantic.map((s) => s.id),
        signal,
      );
      const visible = semantic.filter((s) => summaries.has(s.id));
      return {
        hits: visible
          .slice(from, from + size)
          .map((s) => this.toHit(s.id, s.score, summaries.get(s.id)!, [], undefined, s.text)),
        total: visible.length,
        tookMs: Math.round(performance.now() - started),
        mode,
        facets: countFacets(visible.map((s) => summaries.get(s.id)!)),
      };
    }
    return this.hybrid(parsed.text, resolved, from, size, highlight, started, signal);
  }

  private async hybrid(
    text: string,
    scope: ResolvedScope,
    from: number,
    size: number,
    highlight: boolean,
    started: number,
    signal?: AbortSignal,
  ): Promise<SearchResult> {
    const depth = Math.max(this.options.hybridDepth, from + size);
    const [lexical, semantic] = await Promise.all([
      this.lexical(text, scope, 0, depth, highlight, true, signal),
      this.semantic(text, scope, Math.min(depth * 3, 1000), signal),
    ]);
    const fused = fuseScores(
      lexical.hits.map((h): RankedDoc => ({ id: h.id, score: h.score })),
      semantic.slice(0, depth).map((s): RankedDoc => ({ id: s.id, score: s.score })),
      { lexicalWeight: lexicalWeightFor(text, this.options.weighting) },
    );
    const page = fused.slice(from, from + size);
    const lexicalById = new Map(lexical.hits.map((h) => [h.id, h]));
    const semanticById = new Map(semantic.map((s) => [s.id, s]));
    const missing = page.filter((d) => !lexicalById.has(d.id)).map((d) => d.id);
    const summaries = await this.repository.summaries(missing, signal);
    const hits: SearchHit[] = [];
    for (const doc of page) {
      const lex = lexicalById.get(doc.id);
      const summary = lex?.summary ?? summaries.get(doc.id);
      if (!summary) continue;
      hits.push(
        this.toHit(
          doc.id,
          doc.score,
          summary,
          lex?.highlights ?? [],
          lex?.titleHighlight,
          semanticById.get(doc.id)?.text,
        ),
      );
    }
    return {
      hits,
      total: Math.max(lexical.total, fused.length),
      tookMs: Math.round(performance.now() - started),
      mode: 'hybrid',
      facets: lexical.facets,
    };
  }

  /** The collections a search covers after `@words`, the collection field and the allow-list. */
  scopeOf(input: SearchInput, scope: SearchScope = {}): ResolvedScope {
    return this.resolveScope(input, parseQuery(input.query).collections, scope);
  }

  private resolveScope(input: SearchInput, queryCollections: string[], scope: SearchScope): ResolvedScope {
    const asked = [
      ...new Set([...(input.collection === undefined ? [] : [input.collection].flat()), ...queryCollections]),
    ];
    let collections: string[] | undefined = asked.length ? asked : undefined;
    if (scope.allowedCollections) {
      collections = collections
        ? collections.filter((c) => scope.allowedCollections!.includes(c))
        : scope.allowedCollections;
    }
    return { collections, tags: input.tags, filters: input.filters };
  }

  private async lexical(
    text: string,
    scope: ResolvedScope,
    from: number,
    size: number,
    highlight: boolean,
    facets: boolean,
    signal?: AbortSignal,
  ): Promise<{ hits: LexicalHit[]; total: number; facets: SearchResult['facets'] }> {
    const request = lexicalRequest(this.indices.docs, text, scope, { from, size, highlight, facets });
    if (!text) request.sort = [{ updated_at: 'desc' }, { id: 'asc' }];
    const response = await this.repository.search<DocumentSummary>(request, signal);
    const total =
      typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
    return {
      total,
      hits: response.hits.hits.map((hit) => ({
        id: hit._id!,
        score: hit._score ?? 0,
        summary: hit._source!,
        highlights: hit.highlight?.body ?? [],
        titleHighlight: hit.highlight?.title?.[0],
      })),
      facets: {
        collection: bucketsOf(response.aggregations?.collection),
        tags: bucketsOf(response.aggregations?.tags),
      },
    };
  }

  private async semantic(
    text: string,
    scope: ResolvedScope,
    k: number,
    signal?: AbortSignal,
  ): Promise<SemanticHit[]> {
    const vector = await this.queryVector(text, signal);
    const response = await this.repository.search<ChunkSource>(
      semanticRequest(this.indices.vectors, vector, scope, k),
      signal,
    );
    return maxPoolChunks(
      response.hits.hits.map((hit) => ({
        docId: hit._source!.doc_id,
        score: hit._score ?? 0,
        text: hit._source!.text,
      })),
    ).map((c) => ({ id: c.id, score: c.score, text: c.text }));
  }

  /** Query vectors are cached: agents and UIs repeat and refine the same queries. */
  async queryVector(text: string, signal?: AbortSignal): Promise<number[]> {
    const cached = this.queryVectors.get(text);
    if (cached) {
      this.queryVectors.delete(text);
      this.queryVectors.set(text, cached);
      return cached;
    }
    const [vector] = await this.embedder.embedQueries([text], signal);
    this.queryVectors.set(text, vector);
    if (this.queryVectors.size > 1000) this.queryVectors.delete(this.queryVectors.keys().next().value!);
    return vector;
  }

  private toHit(
    id: string,
    score: number,
    summary: DocumentSummary,
    highlights: string[],
    titleHighlight?: string,
    chunkText?: string,
  ): SearchHit {
    const matched = highlights.filter((h) => h.includes('<em>'));
    const snippet =
      matched[0] ?? (chunkText ? escapeHtml(truncate(chunkText, SNIPPET_LENGTH)) : (highlights[0] ?? ''));
    return {
      id,
      score,
      title: summary.title ?? null,
      snippet,
      highlights: titleHighlight?.includes('<em>') ? [titleHighlight, ...matched] : matched,
      collection: summary.collection,
      tags: summary.tags ?? [],
      metadata: summary.metadata ?? {},
    };
  }
}
