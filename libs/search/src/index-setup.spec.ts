import type { estypes } from '@elastic/elasticsearch';
import { byChunkCount } from './index-setup';

const hit = (id: string, chunkCount?: number): estypes.SearchHit<unknown> => ({
  _index: 'docs',
  _id: id,
  _source: chunkCount === undefined ? { id } : { id, chunk_count: chunkCount },
});

describe('byChunkCount (a migration copy of the full-text index)', () => {
  it('groups documents so one bulk request carries at most 2,000 chunks; a larger document goes alone', () => {
    const groups = byChunkCount([
      hit('a', 1500),
      hit('b', 400),
      hit('c', 200),
      hit('big', 4000),
      hit('d', 1),
    ]);
    expect(groups.map((group) => group.map((h) => h._id))).toEqual([['a', 'b'], ['c'], ['big'], ['d']]);
  });

  it('counts an entry without a chunk count as one (other indices copy 500 at a time, as before)', () => {
    const hits = Array.from({ length: 500 }, (_, i) => hit(`e${i}`));
    expect(byChunkCount(hits)).toEqual([hits]);
  });
});
