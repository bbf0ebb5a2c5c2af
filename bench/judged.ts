import { meanScores, scoreRanking } from '@quarry/search';
import { round } from './stats';

/** MRR@10 and nDCG@10 of a set of judged queries. */
export interface JudgedScores {
  mrr: number;
  ndcg: number;
}

/** The mean scores of `rank`'s ids for each query, every `relevant` id graded 1. */
export function judgedScores<Q extends { relevant: string[] }>(
  queries: Q[],
  rank: (query: Q, index: number) => string[],
): JudgedScores {
  const result = meanScores(
    queries.map((q, i) => scoreRanking(rank(q, i), Object.fromEntries(q.relevant.map((id) => [id, 1])))),
  );
  return { mrr: result['MRR@10'], ndcg: result['nDCG@10'] };
}

/** `0.912 / 0.934`: MRR@10 / nDCG@10 as the bench tables print them. */
export const scorePair = (s: JudgedScores) =>
  `${round(s.mrr, 3).toFixed(3)} / ${round(s.ndcg, 3).toFixed(3)}`;
