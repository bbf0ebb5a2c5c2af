import {
  chunkSnippet,
  escapeHtml,
  markSpans,
  unescapedLines,
  type SearchHit,
  type StoredDocument,
} from '@quarry/search';
import type { DocumentTerms, FieldTerms, MatchDocument } from './live-matcher';
import type { LiveQuery } from './live-types';

/*
 * The hits live subscribers receive, shaped like the search's: highlighted fragments of the
 * query's terms (from the batch's term offsets), or the best chunk for a match by meaning.
 */

const FRAGMENT_SIZE = 160;
const FRAGMENTS = 3;
const NO_MATCH_SIZE = 200;

export function deletedHit(item: MatchDocument): SearchHit {
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

export function documentHit(doc: StoredDocument, score: number, chunkText?: string): SearchHit {
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
    fragments.push(unescapedLines(markSpans(text, spans, start, end)).trim());
  }
  return fragments;
}

export function highlightedHit(
  doc: StoredDocument,
  terms: DocumentTerms,
  query: LiveQuery,
  score: number,
  chunkText?: string,
): SearchHit {
  const bodySpans = spansOf(query, terms.body, terms.bodyStd);
  const titleSpans = doc.title ? spansOf(query, terms.title, terms.titleStd) : [];
  const fragments = highlightFragments(doc.body, bodySpans);
  const title = titleSpans.length ? markSpans(doc.title!, titleSpans, 0, doc.title!.length) : undefined;
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
