/**
 * The fusion rules compared offline on the lists bench/rankings.ts wrote (no search is re-run):
 * standard scores (the rule hybrid uses), max / min-max scaling (the rule before it), min-max on
 * both sides, distribution-based score fusion (mean ± 3 sd), cosine scaled from the model's
 * similarity floor, and RRF, each over a sweep of semanticRatio. Also how often the top lexical hit
 * reaches a query-dependent BM25 upper bound (the query terms' idf maxima, from the term statistics
 * of the docs index), the evidence measure a bound-normalised rule would rest on.
 *
 *   node dist/bench/rankings.js && node dist/bench/fusion-study.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@quarry/config';
import {
  createElasticsearchClient,
  fuse,
  indexNames,
  meanScores,
  scoreRanking,
  standardScores,
  type RankedDoc,
} from '@quarry/search';
import { ensureServices } from '@quarry/services';
import type { QueryRankings } from './rankings';
import { runBenchmark } from './instance';
import { percentile, round, table } from './stats';

const corpora = (process.env.BENCH_CORPORA ?? 'manpages,wordnet,pydoc').split(',');
/** The corpora a rule's ratio is picked on (the others are only shown). */
const tuning = (process.env.BENCH_TUNING ?? 'manpages,wordnet').split(',');
/** The corpus whose single modes a rule must beat for its WordNet figure to count (see README). */
const guard = process.env.BENCH_GUARD ?? 'manpages';
const similarityFloor = Number(process.env.BENCH_SIMILARITY_FLOOR ?? 0.85);
const RATIOS = Array.from({ length: 19 }, (_, i) => round((i + 1) * 0.05));

type Normalise = (list: RankedDoc[]) => Map<string, number>;
type Rule = (q: QueryRankings, ratio: number) => RankedDoc[];

const scaled = (list: RankedDoc[], low: number, high: number) =>
  new Map(list.map((d) => [d.id, high > low ? Math.min(1, Math.max(0, (d.score - low) / (high - low))) : 1]));
const byMax: Normalise = (list) => scaled(list, 0, Math.max(0, ...list.map((d) => d.score)));
const minMax: Normalise = (list) =>
  scaled(list, Math.min(...list.map((d) => d.score)), Math.max(...list.map((d) => d.score)));
const distribution: Normalise = (list) => {
  const mean = list.reduce((sum, d) => sum + d.score, 0) / (list.length || 1);
  const sd = Math.sqrt(list.reduce((sum, d) => sum + (d.score - mean) ** 2, 0) / (list.length || 1));
  return sd > 0 ? scaled(list, mean - 3 * sd, mean + 3 * sd) : new Map(list.map((d) => [d.id, 0.5]));
};
const fromFloor: Normalise = (list) => scaled(list, similarityFloor, 1);

function blend(lexical: Normalise, semantic: Normalise): Rule {
  return (q, ratio) => {
    const l = lexical(q.lexical);
    const s = semantic(q.semantic);
    const ids = new Set([...l.keys(), ...s.keys()]);
    return [...ids]
      .map((id) => ({ id, score: (1 - ratio) * (l.get(id) ?? 0) + ratio * (s.get(id) ?? 0) }))
      .sort((a, b) => b.score - a.score);
  };
}

const RULES: Record<string, Rule> = {
  'standard scores (relative)': (q, ratio) =>
    fuse(q.lexical, q.semantic, { method: 'relative', semanticRatio: ratio }),
  'standard scores, by hand': blend(standardScores, standardScores),
  'max / min-max (before)': blend(byMax, minMax),
  'min-max / min-max': blend(minMax, minMax),
  'distribution-based (mean ± 3 sd)': blend(distribution, distribution),
  'max / similarity floor': blend(byMax, fromFloor),
  rrf: (q, ratio) => fuse(q.lexical, q.semantic, { method: 'rrf', semanticRatio: ratio }),
};

function load(corpus: string): QueryRankings[] {
  return JSON.parse(
    readFileSync(join(process.cwd(), 'bench', 'results', `rankings-${corpus}.json`), 'utf8'),
  ) as QueryRankings[];
}

function scores(queries: QueryRankings[], rank: (q: QueryRankings) => RankedDoc[]) {
  const result = meanScores(
    queries.map((q) =>
      scoreRanking(
        rank(q).map((d) => d.id),
        Object.fromEntries(q.relevant.map((id) => [id, 1])),
      ),
    ),
  );
  return { mrr: result['MRR@10'], ndcg: result['nDCG@10'] };
}

/** Ratio of the top lexical hit's BM25 to the sum of the query terms' best possible contributions. */
async function boundRatios(corpus: string, queries: QueryRankings[]): Promise<number[]> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const client = createElasticsearchClient(endpoints.elasticsearchUrl, 60_000);
  const fields = ['title', 'body', 'title.std', 'body.std'];
  const ratios: number[] = [];
  try {
    for (const q of queries.filter((x) => x.lexical.length)) {
      const response = await client.termvectors({
        index: indexNames(`bench-${corpus}`).docs,
        doc: { title: q.query, body: q.query },
        fields,
        term_statistics: true,
        field_statistics: true,
        positions: false,
        offsets: false,
      });
      const idfSum = (field: string) => {
        const vector = response.term_vectors?.[field];
        const documents = vector?.field_statistics?.doc_count ?? 0;
        return Object.values(vector?.terms ?? {}).reduce((sum, term) => {
          const df = term.doc_freq ?? 0;
          return df ? sum + Math.log(1 + (documents - df + 0.5) / (df + 0.5)) : sum;
        }, 0);
      };
      // The lexical query: best_fields(title^2, body; tie 0.3) + 0.3 x best_fields(title.std^2, body.std).
      const bestFields = (title: number, body: number) => Math.max(title, body) + 0.3 * Math.min(title, body);
      const bound =
        bestFields(2 * idfSum('title'), idfSum('body')) +
        0.3 * bestFields(2 * idfSum('title.std'), idfSum('body.std'));
      if (bound > 0) ratios.push(q.lexical[0].score / bound);
    }
  } finally {
    await client.close();
  }
  return ratios;
}

async function main() {
  const data = new Map(corpora.map((corpus) => [corpus, load(corpus)]));
  const singles = new Map(
    corpora.map((corpus) => [
      corpus,
      {
        lexical: scores(data.get(corpus)!, (q) => q.lexical),
        semantic: scores(data.get(corpus)!, (q) => q.semantic),
      },
    ]),
  );
  const margin = (corpus: string, s: { mrr: number; ndcg: number }) => {
    const { lexical, semantic } = singles.get(corpus)!;
    return Math.min(s.mrr - lexical.mrr, s.mrr - semantic.mrr, s.ndcg - lexical.ndcg, s.ndcg - semantic.ndcg);
  };
  const rows: Record<string, unknown>[] = [];
  for (const corpus of corpora) {
    const { lexical, semantic } = singles.get(corpus)!;
    rows.push({
      rule: 'single modes',
      corpus,
      'lexical MRR/nDCG': `${round(lexical.mrr, 3)} / ${round(lexical.ndcg, 3)}`,
      'semantic MRR/nDCG': `${round(semantic.mrr, 3)} / ${round(semantic.ndcg, 3)}`,
    });
  }
  process.stdout.write(`${table(rows)}\n\n`);
  const summary: Record<string, unknown>[] = [];
  for (const [name, rule] of Object.entries(RULES)) {
    let best: Record<string, unknown> | undefined;
    let bestWorst = -Infinity;
    for (const ratio of RATIOS) {
      const perCorpus = corpora.map((corpus) => ({
        corpus,
        ...scores(data.get(corpus)!, (q) => rule(q, ratio)),
      }));
      if (
        data.has(guard) &&
        margin(
          guard,
          perCorpus.find((p) => p.corpus === guard)!,
        ) < 0
      )
        continue;
      const worst = Math.min(
        ...perCorpus.filter((p) => tuning.includes(p.corpus)).map((p) => margin(p.corpus, p)),
      );
      if (worst > bestWorst) {
        bestWorst = worst;
        best = {
          rule: name,
          ratio,
          ...Object.fromEntries(perCorpus.map((p) => [p.corpus, `${round(p.mrr, 3)} / ${round(p.ndcg, 3)}`])),
          [`worst margin on ${tuning.join(', ')}`]: round(worst, 3),
        };
      }
    }
    summary.push(best ?? { rule: name, ratio: `none beats both modes on ${guard}` });
  }
  process.stdout.write(
    `Each rule at its best ratio: the largest worst margin over the single modes on ${tuning.join(', ')}, among ratios that beat both on ${guard}\n${table(summary)}\n`,
  );
  if (process.env.BENCH_BOUNDS !== '0') {
    const bounds: Record<string, unknown>[] = [];
    for (const corpus of corpora) {
      const ratios = await boundRatios(corpus, data.get(corpus)!);
      bounds.push({
        corpus,
        queries: ratios.length,
        'top hit / bound p10': round(percentile(ratios, 10), 3),
        p50: round(percentile(ratios, 50), 3),
        p90: round(percentile(ratios, 90), 3),
      });
    }
    process.stdout.write(`\nTop lexical hit against the query's BM25 upper bound\n${table(bounds)}\n`);
  }
}

runBenchmark(main);
