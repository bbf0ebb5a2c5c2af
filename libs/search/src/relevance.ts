/**
 * Ranking-quality measures over graded judgments (`{ docId: grade }`, grade > 0 = relevant),
 * as in TREC and BEIR: MRR@k, nDCG@k with exponential gain (2^grade - 1), recall@k.
 */
export type Grades = Record<string, number>;

const relevantIds = (grades: Grades) => Object.keys(grades).filter((id) => grades[id] > 0);

/** 1 / rank of the first relevant document within the top k; 0 when none is there. */
export function reciprocalRank(ranking: string[], grades: Grades, k = 10): number {
  const position = ranking.slice(0, k).findIndex((id) => (grades[id] ?? 0) > 0);
  return position < 0 ? 0 : 1 / (position + 1);
}

const gain = (grade: number) => 2 ** grade - 1;
const discount = (position: number) => Math.log2(position + 2);

/** DCG of the top k over the DCG of the ideal ordering of the judged grades (1 = perfect). */
export function ndcg(ranking: string[], grades: Grades, k = 10): number {
  const dcg = ranking
    .slice(0, k)
    .reduce((sum, id, i) => sum + gain(Math.max(0, grades[id] ?? 0)) / discount(i), 0);
  const ideal = Object.values(grades)
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, i) => sum + gain(g) / discount(i), 0);
  return ideal > 0 ? dcg / ideal : 0;
}

/** Share of the relevant documents that are within the top k. */
export function recall(ranking: string[], grades: Grades, k: number): number {
  const relevant = relevantIds(grades);
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export interface RelevanceScores {
  'MRR@10': number;
  'nDCG@10': number;
  'recall@10': number;
  'recall@100': number;
}

export function scoreRanking(ranking: string[], grades: Grades): RelevanceScores {
  return {
    'MRR@10': reciprocalRank(ranking, grades, 10),
    'nDCG@10': ndcg(ranking, grades, 10),
    'recall@10': recall(ranking, grades, 10),
    'recall@100': recall(ranking, grades, 100),
  };
}

/** The mean of each measure over queries. */
export function meanScores(perQuery: RelevanceScores[]): RelevanceScores {
  const mean = (key: keyof RelevanceScores) =>
    perQuery.length ? perQuery.reduce((sum, s) => sum + s[key], 0) / perQuery.length : 0;
  return {
    'MRR@10': mean('MRR@10'),
    'nDCG@10': mean('nDCG@10'),
    'recall@10': mean('recall@10'),
    'recall@100': mean('recall@100'),
  };
}
