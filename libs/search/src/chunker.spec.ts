import { chunkText, splitSentences } from './chunker';

const sentence = (i: number, n = 10) => `Sentence ${i} ${'word '.repeat(n - 3).trim()} end.`;

describe('chunkText', () => {
  it('keeps a short text as one chunk and an empty one as none', () => {
    expect(chunkText('One short sentence.')).toEqual(['One short sentence.']);
    expect(chunkText('   ')).toEqual([]);
  });

  it('cuts at sentence boundaries near the target size, never mid-sentence', () => {
    const text = Array.from({ length: 30 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkText(text, { targetWords: 40, maxWords: 60, overlapWords: 10 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^Sentence \d+ .* end\.$/);
      expect(chunk.split(' ').length).toBeLessThanOrEqual(60);
    }
  });

  it('repeats the last sentence of a chunk at the start of the next (overlap)', () => {
    const text = Array.from({ length: 12 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkText(text, { targetWords: 40, maxWords: 60, overlapWords: 10 });
    for (let i = 1; i < chunks.length; i++) {
      const previousLast = chunks[i - 1].split(/(?<=end\.) /).pop();
      expect(chunks[i].startsWith(previousLast!)).toBe(true);
    }
    // Every sentence appears in some chunk: nothing is lost at boundaries.
    for (let i = 0; i < 12; i++) expect(chunks.some((c) => c.includes(`Sentence ${i} `))).toBe(true);
  });

  it('splits a sentence longer than the maximum into word windows', () => {
    const long = 'word '.repeat(350).trim();
    const chunks = chunkText(long, { targetWords: 100, maxWords: 160, overlapWords: 0 });
    expect(chunks.map((c) => c.split(' ').length)).toEqual([160, 160, 30]);
  });

  it('treats paragraphs and list items as boundaries', () => {
    expect(splitSentences('first para\n\nsecond para\n- item one\n- item two', 100)).toEqual([
      'first para',
      'second para',
      '- item one',
      '- item two',
    ]);
  });
});
