import { readFileSync } from 'node:fs';

export interface JudgmentLine {
  query: string;
  relevant: Record<string, number>;
  collection?: string | string[];
}

/**
 * Judgments for `quarry eval`, one JSON object a line: `{"query": "...", "relevant": {"id": 2}}`
 * (grade 1 = relevant, higher = more relevant, 0 = judged not relevant), optionally with a
 * `collection`. A list of ids stands for grade 1 each. Blank lines and `#` comments are skipped;
 * a bad line is named with its number.
 */
export function readJudgments(path: string): JudgmentLine[] {
  const judgments: JudgmentLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const where = `${path}:${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${where}: not JSON (${(error as Error).message})`);
      }
      const entry = value as { query?: unknown; relevant?: unknown; collection?: unknown };
      if (typeof entry?.query !== 'string') throw new Error(`${where}: "query" must be a string`);
      const relevant = Array.isArray(entry.relevant)
        ? Object.fromEntries(entry.relevant.map((id) => [String(id), 1]))
        : entry.relevant;
      if (relevant === null || typeof relevant !== 'object')
        throw new Error(`${where}: "relevant" must map document ids to grades ({"id": 1})`);
      judgments.push({
        query: entry.query,
        relevant: relevant as Record<string, number>,
        ...(entry.collection === undefined ? {} : { collection: entry.collection as string | string[] }),
      });
    });
  if (judgments.length === 0) throw new Error(`${path}: no judgments`);
  return judgments;
}
