import { QuarryError } from '@quarry/core';
import type { Embedder } from '@quarry/embeddings';
import { DEFAULT_FUSION, fuse, poolChunks, wordsCount, type FusionOptions, type RankedDoc } from './fusion';
import type { IndexNames } from './index-names';
import { parseQuery } from './query-parser';
import type {
  NearestChunks,
  DocumentSummary,
  LexicalHit,
  LexicalResult,
  PageRequest,
  PageResult,
  PlacedChunk,
  SearchRepository,
} from './search.repository';
import type { LexicalRequestOptions, ResolvedScope } from './search-query';
import type {
  FacetBucket,
  HitExplanation,
  SearchHit,
  SearchInput,
  SearchMode,
  SearchResult,
} from './search.dto';
import { chunkSnippet } from './snippet';
import { chooseShownChunk, mergeChunkCandidates } from './shown-chunk';
import { centroidOf, MATCH_BARS, MIN_BACKGROUND, noMatch } from './relevance-floor';
import type { AccessReader } from './visibility';
import { fragmentsOf, highlightWhole, queryTerms, subjectOf, WordLocator } from './highlighter';

export interface SearchScope {
  /** The principal's collection allow-list, if any. */
  allowedCollections?: string[];
  /** The principal's groups and user (`readerOf`); absent = every document (admins). */
  reader?: AccessReader;
}

export interface SearchServiceOptions {
  /** Hybrid weighting when a request names none. */
  fusion: FusionOptions;
  /** Candidates each retriever contributes to a hybrid ranking (at least from + size). */
  hybridDepth: number;
  /** How long the list of existing collections is trusted before it is read again. */
  collectionsTtlMs: number;
}

/** Chunk vectors read to measure a query's similarity to its scope at large (`relevance-floor.ts`). */
const BACKGROUND_SAMPLE = 256;
/** How long a scope's background is trusted: it moves slowly as documents come and go. */
const BACKGROUND_TTL_MS = 60_000;
const MAX_BACKGROUNDS = 200;

const DEFAULT_OPTIONS: SearchServiceOptions = {
  fusion: DEFAULT_FUSION,
  hybridDepth: 100,
  collectionsTtlMs: 5_000,
};

/** What a request asks of the page it is shown. */
interface PageSpec {
  from: number;
  size: number;
  /**
   * The query's terms (the words marked in fragments), how many fragments a hit gets, and where
   * the terms are in the texts read so far (each chunk is read once, to choose it and to mark it).
   */
  words: { terms: Set<string>; fragments: number; locator: WordLocator };
  explain: boolean;
}

interface SemanticHit {
  id: string;
  /** The document's score by meaning (`poolChunks`). */
  score: number;
  /** Its best chunk's own: what the relevance floor and the choice of the shown chunk weigh. */
  chunkScore: number;
  /** The number of the document's best-matching chunk (its text is read for the shown page only). */
  chunkNo: number;
  /** The document's, as its chunks carry them: enough to count facets. */
  collection: string;
  tags: string[];
}

/** A query after `@words`, the collection field and the allow-list are applied. */
export interface ResolvedSearch {
  text: string;
  scope: ResolvedScope;
}

/** An explicitly requested collection that does not exist (or that this caller cannot see). */
export class UnknownCollectionError extends QuarryError {
  constructor(readonly names: string[]) {
    super(
      'not_found',
      `no collection named ${names.map((n) => `"${n}"`).join(', ')}; GET /v1/collections lists them`,
      { what: 'collection', id: names[0], field: 'collection', collections: names },
    );
  }
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

function countFacets(summaries: Pick<DocumentSummary, 'collection' | 'tags'>[]): {
  collection: FacetBucket[];
  tags: FacetBucket[];
} {
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

/**
 * A page's chunks with, for each document both sides point into, the one chosen from its best by
 * the words and its nearest by meaning (`chooseShownChunk`); `nearest` holds that chunk's
 * similarity, and the page read brought the chunk itself (by id).
 */
function shownChunks(result: PageResult, locator: WordLocator, nearest: Map<string, number>): PageResult {
  const chunks = new Map(result.chunks);
  for (const [docId, similarity] of nearest) {
    const byMeaning = result.chunks.get(docId);
    const chosen = chooseShownChunk(
      mergeChunkCandidates(
        result.candidates?.get(docId) ?? [],
        byMeaning ? [{ ...byMeaning, similarity }] : [],
      ),
      locator.terms,
      locator.locate,
    );
    if (chosen)
      chunks.set(docId, {
        chunkNo: chosen.chunkNo,
        text: chosen.text,
        ...(chosen.location ? { location: chosen.location } : {}),
      });
  }
  return { ...result, chunks };
}

/** The documents of the nearest chunks and whole-document vectors, each scored by `poolChunks`. */
function documentsOfChunks({ chunks, documents }: NearestChunks): SemanticHit[] {
  return poolChunks(chunks, documents).map(({ docId: _docId, ...hit }) => hit);
}

/** The best chunk score of a semantic list: the relevance floor's evidence of meaning. */
function bestChunkScore(semantic: SemanticHit[]): number | undefined {
  return semantic.length ? Math.max(...semantic.map((s) => s.chunkScore)) : undefined;
}

/**
 * Builds and runs every search, whatever edge asked: scope resolution, the lexical and kNN
 * requests, chunk max-pooling, hybrid fusion, pagination, snippets and facets.
 */
export class SearchService {
  private readonly queryVectors = new Map<string, number[]>();
  private readonly options: SearchServiceOptions;
  private knownCollections?: { names: Set<string>; readAt: number };
  private readonly backgrounds = new Map<string, { centroid?: number[]; readAt: number }>();

  constructor(
    private readonly repository: SearchRepository,
    private readonly embedder: Embedder,
    private readonly indices: IndexNames,
    options: Partial<SearchServiceOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** The weighting hybrid search uses when a request names none. */
  get defaultFusion(): FusionOptions {
    return this.options.fusion;
  }

  async search(input: SearchInput, scope: SearchScope = {}, signal?: AbortSignal): Promise<SearchResult> {
    const started = performance.now();
    const mode = input.mode ?? 'hybrid';
    const { text, scope: resolved } = await this.resolve(input, scope, signal);
    if (resolved.collections?.length === 0) return emptyResult(mode, started);
    // The words searched and marked are what the query asks about; meaning reads all of it.
    const terms = queryTerms(subjectOf(text));
    const page: PageSpec = {
      from: input.from ?? 0,
      size: input.size ?? 10,
      words: { terms, fragments: (input.highlight ?? true) ? 3 : 1, locator: new WordLocator(terms) },
      explain: input.explain ?? false,
    };
    const fusion: FusionOptions = {
      semanticRatio: input.semanticRatio ?? this.options.fusion.semanticRatio,
      method: input.fusion ?? this.options.fusion.method,
    };
    const finish = (result: Omit<SearchResult, 'tookMs' | 'mode'>): SearchResult => ({
      ...result,
      tookMs: Math.round(performance.now() - started),
      mode,
    });

    // A query that only scopes (`@runbooks`) has no words to rank by meaning. At the ends of the
    // scale hybrid is one retriever alone, so it gives exactly that retriever's ranking.
    const hybridFusion =
      mode === 'hybrid' ? { method: fusion.method, semanticRatio: fusion.semanticRatio } : undefined;
    if (mode === 'lexical' || !text || (mode === 'hybrid' && fusion.semanticRatio === 0))
      return finish(await this.lexicalSearch(text, resolved, page, hybridFusion, signal));
    if (mode === 'semantic' || fusion.semanticRatio === 1)
      return finish(await this.semanticSearch(text, resolved, page, hybridFusion, signal));
    return finish(await this.hybrid(text, resolved, page, fusion, signal));
  }

  /**
   * A shown page's documents and chunks in one read, each document of `nearest` (found by both the
   * words and the meaning, with its nearest chunk's similarity) shown from its best chunk by both.
   */
  private async shownPage(
    text: string,
    request: Omit<PageRequest, 'weigh'>,
    locator: WordLocator,
    nearest: Map<string, number>,
    signal?: AbortSignal,
  ): Promise<PageResult> {
    const result = await this.repository.page(text, { ...request, weigh: [...nearest.keys()] }, signal);
    return shownChunks(result, locator, nearest);
  }

  private async lexicalSearch(
    text: string,
    scope: ResolvedScope,
    page: PageSpec,
    fusion: HitExplanation['fusion'],
    signal?: AbortSignal,
  ): Promise<Omit<SearchResult, 'tookMs' | 'mode'>> {
    const lexical = await this.lexical(
      text,
      scope,
      { from: page.from, size: page.size, facets: true, shownChunks: true },
      signal,
    );
    // Each hit brings the chunk its words match best; only the others (a match of the title
    // alone, a search without words) need a page read, which shows them from their first chunk.
    const unplaced = lexical.hits.filter((h) => !h.shown).map((h) => h.id);
    const { chunks } = unplaced.length
      ? await this.repository.page(text, { ids: [], chunks: [], locate: unplaced }, signal)
      : { chunks: new Map<string, PlacedChunk>() };
    return {
      hits: lexical.hits.map((h, i) =>
        this.toHit(page, h.id, h.score, h.summary, h.shown ?? chunks.get(h.id), {
          lexical: { rank: page.from + i + 1, score: h.score },
          semantic: null,
          ...(fusion ? { fusion } : {}),
        }),
      ),
      total: lexical.total,
      facets: lexical.facets,
    };
  }

  private async semanticSearch(
    text: string,
    scope: ResolvedScope,
    page: PageSpec,
    fusion: HitExplanation['fusion'],
    signal?: AbortSignal,
  ): Promise<Omit<SearchResult, 'tookMs' | 'mode'>> {
    const { from, size } = page;
    // As deep as hybrid's semantic side, so semantic mode ranks exactly like hybrid at ratio 1.
    const depth = Math.max(this.options.hybridDepth, from + size);
    const semantic = await this.semantic(text, scope, depth, signal);
    // Whether any of the words occurs in the scope: only asked when meaning alone is not enough.
    const words = async () =>
      (
        await this.lexical(
          text,
          scope,
          { from: 0, size: 1, facets: false, totalHits: false, facetFieldsOnly: true },
          signal,
        )
      ).hits;
    if (await this.matchesNothing(text, scope, bestChunkScore(semantic), words, signal))
      return { hits: [], total: 0, facets: countFacets([]) };
    const shown = semantic.slice(from, from + size);
    // With words in the query, each hit is shown from its best chunk by words and meaning together.
    const nearest = new Map(page.words.terms.size > 0 ? shown.map((s) => [s.id, s.chunkScore]) : []);
    const { documents, chunks } = await this.shownPage(
      text,
      {
        ids: shown.map((s) => s.id),
        chunks: shown.map((s) => ({ docId: s.id, chunkNo: s.chunkNo })),
        locate: [],
      },
      page.words.locator,
      nearest,
      signal,
    );
    // A document deleted a moment ago can still have chunks (until the next refresh): it is not shown.
    const visible = shown.filter((s) => documents.has(s.id));
    return {
      hits: visible.map((s, i) =>
        this.toHit(page, s.id, s.score, documents.get(s.id)!, chunks.get(s.id), {
          lexical: null,
          semantic: { rank: from + i + 1, score: s.score },
          ...(fusion ? { fusion } : {}),
        }),
      ),
      total: semantic.length,
      facets: countFacets(semantic),
    };
  }

  /**
   * Both retrievers, `hybridDepth` candidates each, fused. `total` and the facets count the
   * fused set (every document either retriever brought in and that still exists), the same set
   * the pages are cut from.
   */
  private async hybrid(
    text: string,
    scope: ResolvedScope,
    page: PageSpec,
    fusion: FusionOptions,
    signal?: AbortSignal,
  ): Promise<Omit<SearchResult, 'tookMs' | 'mode'>> {
    const { from, size } = page;
    const depth = Math.max(this.options.hybridDepth, from + size);
    const { lexical, semantic } = await this.candidates(text, scope, depth, signal);
    // A query whose words occur in the scope matched something (`noMatch`): the floor's evidence
    // (the query's known words, read by the model's tokenizer on this thread) is weighed only
    // when the words found nothing.
    if (
      lexical.length === 0 &&
      (await this.matchesNothing(text, scope, bestChunkScore(semantic), async () => lexical, signal))
    )
      return { hits: [], total: 0, facets: countFacets([]) };
    const fused = fuse(lexical, semantic, fusion);
    const explained = {
      method: fusion.method,
      semanticRatio: fusion.semanticRatio,
      // Asked again of the lists fuse() weighed, and only when a hit is to say it.
      ...(fusion.method === 'relative' && page.explain
        ? { wordsCounted: wordsCount(lexical, semantic) }
        : {}),
    };
    const lexicalById = new Map(lexical.map((h) => [h.id, h]));
    const semanticById = new Map(semantic.map((s) => [s.id, s]));
    const pageDocs = fused.slice(from, from + size);
    // A document only the words matched is shown from the chunk they match best, as in lexical
    // mode; a meaning-only match from its nearest chunk; a document both found from its best chunk
    // by both (`shown-chunk.ts`). One read for the whole page.
    const nearest = new Map(
      pageDocs.flatMap((d) =>
        lexicalById.has(d.id) && d.semantic ? [[d.id, semanticById.get(d.id)!.chunkScore] as const] : [],
      ),
    );
    const { documents, chunks } = await this.shownPage(
      text,
      {
        ids: pageDocs.map((d) => d.id),
        chunks: pageDocs.flatMap((d) =>
          semanticById.has(d.id) ? [{ docId: d.id, chunkNo: semanticById.get(d.id)!.chunkNo }] : [],
        ),
        locate: pageDocs.filter((d) => !semanticById.has(d.id)).map((d) => d.id),
      },
      page.words.locator,
      nearest,
      signal,
    );
    // A document deleted a moment ago can still have chunks (until the next refresh): it is not shown.
    const shown = pageDocs.filter((d) => documents.has(d.id));
    return {
      hits: shown.map((doc) =>
        this.toHit(page, doc.id, doc.score, documents.get(doc.id)!, chunks.get(doc.id), {
          lexical: doc.lexical,
          semantic: doc.semantic,
          fusion: explained,
        }),
      ),
      total: fused.length,
      facets: countFacets(fused.map((d) => lexicalById.get(d.id)?.summary ?? semanticById.get(d.id)!)),
    };
  }

  /**
   * Each retriever's `depth` best candidates: the two lists hybrid search fuses. Nothing is
   * highlighted here (100 documents' worth of fragments would cost more than the search).
   */
  private async candidates(
    text: string,
    scope: ResolvedScope,
    depth: number,
    signal?: AbortSignal,
  ): Promise<{ lexical: LexicalHit[]; semantic: SemanticHit[] }> {
    const vector = await this.queryVector(text, signal);
    const { lexical, ...nearest } = await this.repository.hybridCandidates(
      text,
      vector,
      scope,
      Math.min(depth, 1000),
      signal,
    );
    return { lexical, semantic: documentsOfChunks(nearest) };
  }

  /**
   * The lexical and semantic rankings of a query, `depth` deep, as hybrid search sees them before
   * fusing: relevance evaluation fuses them at every weighting without searching again.
   */
  async rankings(
    input: SearchInput,
    scope: SearchScope,
    depth: number,
    signal?: AbortSignal,
  ): Promise<{ lexical: RankedDoc[]; semantic: RankedDoc[] }> {
    const { text, scope: resolved } = await this.resolve(input, scope, signal);
    if (resolved.collections?.length === 0) return { lexical: [], semantic: [] };
    if (!text) {
      const lexical = await this.lexical(text, resolved, { from: 0, size: depth, facets: false }, signal);
      return { lexical: lexical.hits, semantic: [] };
    }
    const { lexical, semantic } = await this.candidates(text, resolved, depth, signal);
    const strip = (docs: RankedDoc[]) => docs.map(({ id, score }) => ({ id, score }));
    return { lexical: strip(lexical), semantic: strip(semantic) };
  }

  /** The collections a search covers after `@words`, the collection field and the allow-list. */
  async scopeOf(input: SearchInput, scope: SearchScope = {}, signal?: AbortSignal): Promise<ResolvedScope> {
    return (await this.resolve(input, scope, signal)).scope;
  }

  /**
   * `@words` scope the query only when they name a collection the caller can see; any other
   * `@word` stays a query word. A collection asked for by the `collection` field must exist.
   */
  async resolve(input: SearchInput, scope: SearchScope = {}, signal?: AbortSignal): Promise<ResolvedSearch> {
    const asked = input.collection === undefined ? [] : [...new Set([input.collection].flat())];
    const mentioned = parseQuery(input.query).collections;
    const allowed = scope.allowedCollections;
    let exists: (name: string) => boolean = () => false;
    if (asked.length || mentioned.length) {
      const names = await this.collectionNames([...asked, ...mentioned], signal);
      exists = (name) => names.has(name) && (!allowed || allowed.includes(name));
    }
    const unknown = asked.filter((name) => !exists(name));
    if (unknown.length) throw new UnknownCollectionError(unknown);
    const parsed = parseQuery(input.query, exists);
    const named = [...new Set([...asked, ...parsed.collections])];
    const collections = named.length ? named : allowed;
    return {
      text: parsed.text,
      scope: {
        collections,
        tags: input.tags,
        filters: input.filters,
        ...(scope.reader ? { reader: scope.reader } : {}),
      },
    };
  }

  /** Existing collections, re-read when stale or when a name is not among them (it may be new). */
  private async collectionNames(wanted: string[], signal?: AbortSignal): Promise<Set<string>> {
    const known = this.knownCollections;
    const fresh = known && performance.now() - known.readAt < this.options.collectionsTtlMs;
    if (fresh && wanted.every((name) => known.names.has(name))) return known.names;
    if (signal?.aborted) throw new QuarryError('invalid', 'request cancelled');
    const names = new Set((await this.repository.collections()).map((c) => c.name));
    this.knownCollections = { names, readAt: performance.now() };
    return names;
  }

  private lexical(
    text: string,
    scope: ResolvedScope,
    options: LexicalRequestOptions,
    signal?: AbortSignal,
  ): Promise<LexicalResult> {
    return this.repository.lexical(text, scope, options, signal);
  }

  /**
   * The documents of the `depth` nearest chunks, each scored by its best chunk. Chunk texts are
   * not fetched here: 100 chunks of text cost more to ship than the search itself.
   */
  private async semantic(
    text: string,
    scope: ResolvedScope,
    depth: number,
    signal?: AbortSignal,
  ): Promise<SemanticHit[]> {
    const vector = await this.queryVector(text, signal);
    return documentsOfChunks(await this.repository.knnChunks(vector, scope, Math.min(depth, 1000), signal));
  }

  /**
   * The relevance floor (`relevance-floor.ts`): whether neither the words nor the meaning of the
   * query found anything. Meaning that clears the bar settles it without the words; only otherwise
   * are they asked (semantic mode has not read them).
   */
  private async matchesNothing(
    text: string,
    scope: ResolvedScope,
    bestChunkScore: number | undefined,
    words: () => Promise<RankedDoc[]>,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const bars = MATCH_BARS[this.embedder.id];
    if (!bars) return false;
    const evidence = {
      lexical: [],
      bestChunkScore,
      query: await this.queryVector(text, signal),
      centroid: await this.background(scope, signal),
      // Of what the query asks about: "how do I" is known words whatever follows it.
      knownWordShare: this.embedder.knownWordShare(subjectOf(text)),
    };
    if (!noMatch(evidence, bars)) return false;
    return noMatch({ ...evidence, lexical: await words() }, bars);
  }

  /** The centroid of a sample of the scope's chunk vectors, cached a minute per scope. */
  private async background(scope: ResolvedScope, signal?: AbortSignal): Promise<number[] | undefined> {
    const key = JSON.stringify(scope);
    const known = this.backgrounds.get(key);
    if (known && performance.now() - known.readAt < BACKGROUND_TTL_MS) return known.centroid;
    let sample = await this.repository.sampleVectors(scope, BACKGROUND_SAMPLE, signal);
    // A small scope's own chunks are no background: its best chunk is one of the few it is averaged with.
    if (sample.length < MIN_BACKGROUND)
      sample = await this.repository.sampleVectors({}, BACKGROUND_SAMPLE, signal);
    const centroid = sample.length < MIN_BACKGROUND ? undefined : centroidOf(sample);
    this.backgrounds.delete(key);
    this.backgrounds.set(key, { centroid, readAt: performance.now() });
    if (this.backgrounds.size > MAX_BACKGROUNDS)
      this.backgrounds.delete(this.backgrounds.keys().next().value!);
    return centroid;
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

  /**
   * A hit as a page shows it: its chunk's fragments where the query's words occur (the snippet is
   * the best), or, when none does, the chunk's start; the title marked when the words are in it;
   * `explanation` only when the request asked to explain.
   */
  private toHit(
    page: PageSpec,
    id: string,
    score: number,
    summary: DocumentSummary,
    /** The chunk the hit is shown from: the one its words match best, or its best by meaning. */
    chunk: PlacedChunk | undefined,
    explanation: HitExplanation,
  ): SearchHit {
    const { terms, fragments: count, locator } = page.words;
    // The snippet is the passage with the most evidence; the highlights keep the text's order.
    const { best, inOrder: fragments } = chunk
      ? fragmentsOf(locator.locate(chunk.text), count)
      : { best: undefined, inOrder: [] };
    const title = summary.title ? highlightWhole(summary.title, terms) : undefined;
    return {
      id,
      score,
      title: summary.title ?? null,
      snippet: best ?? (chunk ? chunkSnippet(chunk.text) : ''),
      highlights: title ? [title, ...fragments] : fragments,
      collection: summary.collection,
      tags: summary.tags ?? [],
      metadata: summary.metadata ?? {},
      ...(chunk?.location ? { location: { ...chunk.location, chunk: chunk.chunkNo } } : {}),
      ...(page.explain ? { explain: explanation } : {}),
    };
  }
}
