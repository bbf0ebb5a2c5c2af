import type { StoredChunk } from './chunk.repository';
import { bestChunk, describeLocation } from './hit-location';

const chunk = (n: number, text: string, page: number): StoredChunk => ({
  doc_id: 'd',
  chunk_no: n,
  text,
  location: { page, lines: [n * 10 + 1, n * 10 + 9] },
});

describe('bestChunk', () => {
  const chunks = [
    chunk(0, 'Office hours are nine to five on weekdays.', 1),
    chunk(1, 'Parking spaces are assigned by the facilities team.', 2),
    chunk(2, 'The violet heron nests beside the cooling tower every spring.', 3),
  ];

  it('finds the chunk a chunk-excerpt snippet came from', () => {
    expect(bestChunk('The violet heron nests beside the cooling…', chunks)?.chunk_no).toBe(2);
  });

  it('finds the chunk holding most highlighted words of a fragment', () => {
    expect(bestChunk('assigned by the <em>facilities</em> <em>team</em>', chunks)?.chunk_no).toBe(1);
    expect(bestChunk('<em>heron</em> and <em>tower</em>', chunks)?.chunk_no).toBe(2);
  });

  it('says nothing when nothing points to a chunk', () => {
    expect(bestChunk('unrelated', chunks)).toBeUndefined();
    expect(bestChunk('anything', [chunks[0]])?.chunk_no).toBe(0);
  });
});

describe('describeLocation', () => {
  it('reads like a citation', () => {
    expect(describeLocation({ page: 3, heading: ['Install', 'Debian'], lines: [40, 52] })).toBe(
      'p. 3, Install > Debian, lines 40-52',
    );
  });
});
