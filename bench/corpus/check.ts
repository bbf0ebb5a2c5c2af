/**
 * Sanity checks that say whether a corpus measures what it claims, computed in-process: how much
 * of each query appears literally in its relevant document, and how well a plain BM25 (the
 * `english` analyzer's view: stop words out, Porter stems) ranks that document. Manpages should
 * score high on both and WordNet near zero, or the corpus is not testing what it should.
 */
import { contentStems, tokenize } from './text';
import type { Corpus } from './types';

export interface CorpusCheck {
  /** Mean share of a query's tokens found verbatim in its relevant document (title and body). */
  exactTokenOverlap: number;
  /** The same with stop words dropped and Porter stems compared. */
  stemOverlap: number;
  /** Share of queries sharing at least one content stem with their relevant document. */
  queriesWithSharedStem: number;
  bm25Mrr10: number;
  bm25Recall10: number;
}

const K1 = 1.2;
const B = 0.75;

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function share(query: string[], document: Set<string>): number {
  return query.length ? query.filter((t) => document.has(t)).length / query.length : 0;
}

export function checkCorpus(corpus: Corpus): CorpusCheck {
  const byId = new Map(corpus.documents.map((d) => [d.id, `${d.title}\n${d.body}`]));
  const exact: number[] = [];
  const stemmed: number[] = [];
  for (const query of corpus.queries) {
    const text = query.relevant.map((id) => byId.get(id) ?? '').join('\n');
    exact.push(share(tokenize(query.text), new Set(tokenize(text))));
    stemmed.push(share(contentStems(query.text), new Set(contentStems(text))));
  }

  const postings = new Map<string, { doc: number; tf: number }[]>();
  const lengths: number[] = [];
  corpus.documents.forEach((d, doc) => {
    const stems = contentStems(`${d.title}\n${d.body}`);
    lengths.push(stems.length);
    const tf = new Map<string, number>();
    for (const s of stems) tf.set(s, (tf.get(s) ?? 0) + 1);
    for (const [term, count] of tf) {
      const list = postings.get(term) ?? [];
      list.push({ doc, tf: count });
      postings.set(term, list);
    }
  });
  const n = corpus.documents.length;
  const averageLength = mean(lengths) || 1;
  const reciprocalRanks: number[] = [];
  const recalls: number[] = [];
  for (const query of corpus.queries) {
    const scores = new Map<number, number>();
    for (const term of new Set(contentStems(query.text))) {
      const list = postings.get(term) ?? [];
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const { doc, tf } of list) {
        const norm = tf + K1 * (1 - B + (B * lengths[doc]) / averageLength);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * tf * (K1 + 1)) / norm);
      }
    }
    // Ties broken by document order keep the figures reproducible.
    const top = [...scores]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 10)
      .map(([doc]) => corpus.documents[doc].id);
    const position = top.findIndex((id) => query.relevant.includes(id));
    reciprocalRanks.push(position < 0 ? 0 : 1 / (position + 1));
    recalls.push(query.relevant.filter((id) => top.includes(id)).length / query.relevant.length);
  }

  return {
    exactTokenOverlap: mean(exact),
    stemOverlap: mean(stemmed),
    queriesWithSharedStem: mean(stemmed.map((s) => (s > 0 ? 1 : 0))),
    bm25Mrr10: mean(reciprocalRanks),
    bm25Recall10: mean(recalls),
  };
}
