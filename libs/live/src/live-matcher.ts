import { documentScore, type DocumentAccess, type SearchHit, type StoredDocument } from '@quarry/search';
import { deletedHit, documentHit, highlightedHit } from './live-hits';
import { inCollectionScope, inScope } from './live-scope';
import type { LiveChange, LiveEvent, LiveQuery } from './live-types';

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
  /** The document's access (a deleted one's as it was). */
  access?: DocumentAccess;
  /** Absent for deletions. */
  document?: StoredDocument;
  terms?: DocumentTerms;
  chunks?: MatchChunk[];
  /** A document of several chunks embedded whole: weighed with its best chunk, as search does. */
  documentVector?: ArrayLike<number>;
}

/** A match on its way to the instance that holds the subscription. */
export interface RoutedEvent extends LiveEvent {
  instance: string;
}

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
          if (query.expiresAt > now && inCollectionScope(query.scope, item.collection, item.access)) {
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
    const whole = item.documentVector ? normalise(item.documentVector) : undefined;

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
        // As search scores it (`poolChunks`): a document of several chunks by the mean of its
        // best chunk and its whole, so what is delivered is what its first page would show.
        if (best && whole) best.score = documentScore(best.score, dot(indexed.vector, whole));
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
