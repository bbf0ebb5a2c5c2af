import { costOf } from '@quarry/core';
import { evaluate, evaluateOperation, evaluationTable, type EvaluateInput } from './eval.operation';
import type { SearchService } from './search.service';

const ranked = (...ids: string[]) => ids.map((id, i) => ({ id, score: 10 - i }));

/** A search service that only knows two fixed rankings per query. */
function fakeSearch(lists: Record<string, { lexical: string[]; semantic: string[] }>): SearchService {
  return {
    defaultFusion: { semanticRatio: 0.5, method: 'relative' },
    rankings: async (input: { query: string }) => ({
      lexical: ranked(...lists[input.query].lexical),
      semantic: ranked(...lists[input.query].semantic),
    }),
  } as unknown as SearchService;
}

const context = {
  principal: { id: 'p', role: 'reader' as const },
  signal: new AbortController().signal,
  onProgress: () => undefined,
};

describe('evaluate', () => {
  const search = fakeSearch({
    words: { lexical: ['a', 'x'], semantic: ['x', 'a'] },
    meaning: { lexical: ['y', 'z'], semantic: ['b', 'y'] },
  });
  const input: EvaluateInput = {
    judgments: [
      { query: 'words', relevant: { a: 1 } },
      { query: 'meaning', relevant: { b: 1 } },
    ],
  };

  it('scores each mode on the same retrieved lists', async () => {
    const result = await evaluate(search, input, context);
    const row = (run: string) => result.rows.find((r) => r.run === run)!;
    expect(row('lexical')['MRR@10']).toBe(0.5); // 1 and 0
    expect(row('semantic')['MRR@10']).toBe(0.75); // 1/2 and 1
    expect(row('hybrid').semanticRatio).toBe(0.5);
    expect(result.queries).toBe(2);
  });

  it('sweeps both fusions over semanticRatio 0..1; the ends equal the single modes', async () => {
    const result = await evaluate(search, { ...input, sweep: true }, context);
    expect(result.rows).toHaveLength(3 + 22);
    const row = (run: string) => result.rows.find((r) => r.run === run)!;
    for (const fusion of ['rrf', 'relative']) {
      expect(row(`hybrid ${fusion} r=0`)['nDCG@10']).toBe(row('lexical')['nDCG@10']);
      expect(row(`hybrid ${fusion} r=1`)['nDCG@10']).toBe(row('semantic')['nDCG@10']);
    }
    expect(evaluationTable(result)).toMatch(/^hybrid rrf r=0\.5 +\d\.\d{3}/m);
  });

  it('costs the rate limit as many tokens as that many hybrid searches', () => {
    const operation = evaluateOperation(search);
    expect(costOf(operation as never, input)).toBe(6);
  });
});
