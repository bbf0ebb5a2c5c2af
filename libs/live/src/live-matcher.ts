import { chunkSnippet, escapeHtml, type SearchHit, type StoredDocument } from '@quarry/search';
import type { LiveChange, LiveEvent, LiveQuery, LiveScope } from './live-types';

/** Offsets of each analysed term of one field: term → [start, end) spans in the field's text. */
export type FieldTerms = Map<string, [number, number][]>;

/** A document analysed with the index's own analysers (one `_mtermvectors` request per batch). */
export interface DocumentTerms {
  title: FieldTerms;
  body: FieldTerms;
  titleStd: FieldTerms;
  bodyStd: FieldTerms;
}

export interface MatchChunk {
  text: string;
  vector: ArrayLike<number>;
}

/** One changed document of an ingest batch, with what matching needs of it. */
export interface MatchDocument {
  id: string;
  change: LiveChange;
  collection: string;
  /** Absent for deletions. */
  document?: StoredDocument;
  terms?: DocumentTerms;
  chunks?: MatchChunk[];
}

/** A match on its way to the instance that holds the subscription. */
export interface RoutedEvent extends LiveEvent {
  instance: string;
}

const FRAGMENT_SIZE = 160;
const FRAGMENTS = 3;
const NO_MATCH_SIZE = 200;

export function normalise(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] * scale;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Leaves of a flattened-field path (`team`, `owner.name`); arrays are transparent, as in Elasticsearch. */
function metadataValues(metadata: unknown, path: string[]): string[] {
  if (metadata === null || metadata === undefined) return [];
  if (Array.isArray(metadata)) return metadata.flatMap((item) => metadataValues(item, path));
  if (path.length === 0) return typeof metadata === 'object' ? [] : [String(metadata)];
  if (typeof metadata !== 'object') return [];
  return metadataValues((metadata as Record<string, unknown>)[path[0]], path.slice(1));
}

/**
 * A bound of a date range as Elasticsearch reads it: a date without a time of day is its start
 * for a lower bound and its last millisecond for an upper bound (`lte: "2024-05-01"` includes
 * that whole day).
 */
function dateBound(value: string, upper: boolean): number {
  const start = Date.parse(value);
  if (!upper) return start;
  const parts = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (!parts) return start;
  const [, year, month, day] = parts;
  const next = day
    ? Date.UTC(+year, +month - 1, +day + 1)
    : month
      ? Date.UTC(+year, +month, 1)
      : Date.UTC(+year + 1, 0, 1);
  return next - 1;
}

function inCollectionScope(scope: LiveScope, collection: string): boolean {
  return !scope.collections || scope.collections.includes(collection);
}

/** The search's filter clauses (tags, metadata, source, dates), evaluated on one document. */
export function inScope(scope: LiveScope, doc: StoredDocument): boolean {
  if (!inCollectionScope(scope, doc.collection)) return false;
  for (const tag of scope.tags ?? []) if (!doc.tags.includes(tag)) return false;
  const filters = scope.filters;
  if (!filters) return true;
  for (const [field, wanted] of Object.entries(filters.metadata ?? {})) {
    const values = metadataValues(doc.metadata, field.split('.'));
    const accepted = (Array.isArray(wanted) ? wanted : [wanted]).map(String);
    if (!values.some((v) => accepted.includes(v))) return false;
  }
  if (filters.source?.length && (!doc.source || !filters.source.includes(doc.source))) return false;
  const within = (field: string, after?: string, before?: string) => {
    const at = Date.parse(field);
    return (!after || at >= dateBound(after, false)) && (!before || at <= dateBound(before, true));
  };
  return (
    within(doc.created_at, filters.createdAfter, filters.createdBefore) &&
    within(doc.updated_at, filters.updatedAfter, filters.updatedBefore)
  );
}

interface IndexedQuery {
  query: LiveQuery;
  vector?: Float32Array;
}

/**
 * Every open live query of every instance, indexed the way a percolator indexes queries: by
 * their analysed terms, so a document only meets the queries that share a term with it (plus the
 * queries without words, and the semantic ones, which are compared by embedding).
 */
export class LiveQueryIndex {
  private readonly byId = new Map<string, IndexedQuery>();
  private readonly english = new Map<string, Set<IndexedQuery>>();
  private readonly standard = new Map<string, Set<IndexedQuery>>();
  private readonly matchAll = new Set<IndexedQuery>();
  private readonly semantic = new Set<IndexedQuery>();

  get size(): number {
    return this.byId.size;
  }

  get hasLexical(): boolean {
    return this.english.size > 0 || this.standard.size > 0;
  }

  get hasSemantic(): boolean {
    return this.semantic.size > 0;
  }

  get(id: string): LiveQuery | undefined {
    return this.byId.get(id)?.query;
  }

  all(): LiveQuery[] {
    return [...this.byId.values()].map((q) => q.query);
  }

  add(query: LiveQuery): void {
    this.remove(query.subscriptionId);
    const indexed: IndexedQuery = { query, vector: query.vector ? normalise(query.vector) : undefined };
    this.byId.set(query.subscriptionId, indexed);
    if (!query.text) {
      this.matchAll.add(indexed);
      return;
    }
    if (query.mode !== 'semantic') {
      for (const term of query.terms.english) addTo(this.english, term, indexed);
      for (const term of query.terms.standard) addTo(this.standard, term, indexed);
    }
    if (query.mode !== 'lexical' && indexed.vector) this.semantic.add(indexed);
  }

  remove(id: string): boolean {
    const indexed = this.byId.get(id);
    if (!indexed) return false;
    this.byId.delete(id);
    this.matchAll.delete(indexed);
    this.semantic.delete(indexed);
    for (const term of indexed.query.terms.english) removeFrom(this.english, term, indexed);
    for (const term of indexed.query.terms.standard) removeFrom(this.standard, term, indexed);
    return true;
  }

  clear(): void {
    for (const id of [...this.byId.keys()]) this.remove(id);
  }

  /** The owning instance is alive until `expiresAt` (its heartbeat). */
  extend(instance: string, expiresAt: number): void {
    for (const { query } of this.byId.values()) if (query.instance === instance) query.expiresAt = expiresAt;
  }

  /** Drops queries whose instance stopped renewing them; returns their ids. */
  removeExpired(now: number): string[] {
    const expired = [...this.byId.values()]
      .filter((q) => q.query.expiresAt <= now)
      .map((q) => q.query.subscriptionId);
    for (const id of expired) this.remove(id);
    return expired;
  }

  /**
   * Matches one ingest batch against every live query. A deletion goes to every query whose
   * collection scope covers the document (the client may show it from its initial search); a new
   * or updated document goes to the queries it would be a hit of.
   */
  match(batch: MatchDocument[], now: number): RoutedEvent[] {
    const events: RoutedEvent[] = [];
    for (const item of batch) {
      if (item.change === 'deleted' || !item.document) {
        for (const { query } of this.byId.values()) {
          if (query.expiresAt > now && inCollectionScope(query.scope, item.collection)) {
            events.push(routed(query, item.change, deletedHit(item)));
          }
        }
        continue;
      }
      events.push(...this.matchDocument(item, item.document, now));
    }
    return events;
  }

  private matchDocument(item: MatchDocument, doc: StoredDocument, now: number): RoutedEvent[] {
    const matchedTerms = new Map<IndexedQuery, Set<string>>();
    const collect = (index: Map<string, Set<IndexedQuery>>, fields: (FieldTerms | undefined)[]) => {
      for (const field of fields) {
        for (const term of field?.keys() ?? []) {
          for (const indexed of index.get(term) ?? []) {
            let terms = matchedTerms.get(indexed);
            if (!terms) matchedTerms.set(indexed, (terms = new Set()));
            terms.add(term);
          }
        }
      }
    };
    collect(this.english, [item.terms?.title, item.terms?.body]);
    collect(this.standard, [item.terms?.titleStd, item.terms?.bodyStd]);
    const chunks = item.chunks?.map((c) => ({ text: c.text, vector: normalise(c.vector) }));

    const events: RoutedEvent[] = [];
    const candidates = new Set<IndexedQuery>([...matchedTerms.keys(), ...this.matchAll, ...this.semantic]);
    for (const indexed of candidates) {
      const { query } = indexed;
      if (query.expiresAt <= now || !inScope(query.scope, doc)) continue;
      if (!query.text) {
        events.push(routed(query, item.change, documentHit(doc, 1)));
        continue;
      }
      const lexical = query.mode !== 'semantic' ? matchedTerms.get(indexed) : undefined;
      let best: { score: number; text: string } | undefined;
      if (indexed.vector && chunks?.length && query.threshold !== undefined) {
        for (const chunk of chunks) {
          const score = dot(indexed.vector, chunk.vector);
          if (!best || score > best.score) best = { score, text: chunk.text };
        }
        if (best && best.score < query.threshold) best = undefined;
      }
      if (!lexical && !best) continue;
      const lexicalScore = lexical ? lexical.size / Math.max(1, distinctTerms(query)) : 0;
      const score = Math.max(lexicalScore, best?.score ?? 0);
      const hit = lexical
        ? highlightedHit(doc, item.terms!, query, score, best?.text)
        : documentHit(doc, score, best?.text);
      events.push(routed(query, item.change, hit));
    }
    return events;
  }
}

function addTo(index: Map<string, Set<IndexedQuery>>, term: string, indexed: IndexedQuery): void {
  let set = index.get(term);
  if (!set) index.set(term, (set = new Set()));
  set.add(indexed);
}

function removeFrom(index: Map<string, Set<IndexedQuery>>, term: string, indexed: IndexedQuery): void {
  const set = index.get(term);
  set?.delete(indexed);
  if (set?.size === 0) index.delete(term);
}

function distinctTerms(query: LiveQuery): number {
  return new Set([...query.terms.english, ...query.terms.standard]).size;
}

function routed(query: LiveQuery, change: LiveChange, hit: SearchHit): RoutedEvent {
  return { instance: query.instance, subscriptionId: query.subscriptionId, change, hit };
}

function deletedHit(item: MatchDocument): SearchHit {
  return {
    id: item.id,
    score: 0,
    title: null,
    snippet: '',
    highlights: [],
    collection: item.collection,
    tags: [],
    metadata: {},
  };
}

function documentHit(doc: StoredDocument, score: number, chunkText?: string): SearchHit {
  return {
    id: doc.id,
    score,
    title: doc.title ?? null,
    snippet: chunkText ? chunkSnippet(chunkText) : escapeHtml(doc.body.slice(0, NO_MATCH_SIZE)),
    highlights: [],
    collection: doc.collection,
    tags: doc.tags,
    metadata: doc.metadata,
  };
}

/** The spans of the query's terms in one field (english and standard analyses of the same text). */
function spansOf(query: LiveQuery, english?: FieldTerms, standard?: FieldTerms): [number, number][] {
  const spans: [number, number][] = [];
  for (const term of query.terms.english) spans.push(...(english?.get(term) ?? []));
  for (const term of query.terms.standard) spans.push(...(standard?.get(term) ?? []));
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged;
}

function markUp(text: string, spans: [number, number][], from: number, to: number): string {
  let out = '';
  let at = from;
  for (const [start, end] of spans) {
    if (end <= from || start >= to) continue;
    out += escapeHtml(text.slice(at, Math.max(at, start)));
    out += `<em>${escapeHtml(text.slice(Math.max(start, from), Math.min(end, to)))}</em>`;
    at = Math.min(end, to);
  }
  return out + escapeHtml(text.slice(at, to));
}

/** Up to three fragments of about 160 characters around the matches, like the search's highlighter. */
export function highlightFragments(text: string, spans: [number, number][]): string[] {
  const fragments: string[] = [];
  let i = 0;
  while (i < spans.length && fragments.length < FRAGMENTS) {
    const [first] = spans[i];
    // A match near the start keeps the text's beginning; a later one gets a little context before it.
    let start = first < FRAGMENT_SIZE / 2 ? 0 : first - 20;
    if (start > 0) {
      const space = text.lastIndexOf(' ', start);
      start = space >= 0 && first - space <= 60 ? space + 1 : start;
    }
    let end = Math.min(text.length, start + FRAGMENT_SIZE);
    while (i < spans.length && spans[i][0] < end) {
      end = Math.max(end, Math.min(spans[i][1], text.length));
      i++;
    }
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > spans[i - 1][1]) end = space;
    }
    fragments.push(markUp(text, spans, start, end).trim());
  }
  return fragments;
}

function highlightedHit(
  doc: StoredDocument,
  terms: DocumentTerms,
  query: LiveQuery,
  score: number,
  chunkText?: string,
): SearchHit {
  const bodySpans = spansOf(query, terms.body, terms.bodyStd);
  const titleSpans = doc.title ? spansOf(query, terms.title, terms.titleStd) : [];
  const fragments = highlightFragments(doc.body, bodySpans);
  const title = titleSpans.length ? markUp(doc.title!, titleSpans, 0, doc.title!.length) : undefined;
  const fallback = documentHit(doc, score, chunkText).snippet;
  return {
    id: doc.id,
    score,
    title: doc.title ?? null,
    snippet: fragments[0] ?? fallback,
    highlights: title ? [title, ...fragments] : fragments,
    collection: doc.collection,
    tags: doc.tags,
    metadata: doc.metadata,
  };
}
