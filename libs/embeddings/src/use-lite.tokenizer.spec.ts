import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EmbeddingsModel } from '@energetic-ai/embeddings';
import { useLiteModelDirectory } from './use-lite.model-info';
import { UseLiteTokenizer, type VocabularyEntry } from './use-lite.tokenizer';

const vocabulary = JSON.parse(
  readFileSync(path.join(useLiteModelDirectory(), 'vocab.json'), 'utf8'),
) as VocabularyEntry[];

/** The tokenizer the model ships with (tfjs-models' USE tokenizer, as copied into @energetic-ai/embeddings). */
const reference = new EmbeddingsModel({ vocabulary: vocabulary as never, model: undefined as never })
  .tokenizer;
const tokenizer = new UseLiteTokenizer(vocabulary);

/** Small deterministic generator, so a failure can be reproduced. */
function randomTexts(count: number, seed: number): string[] {
  const alphabet = Array.from(
    'abcdefghijklmnopqrstuvwxyz ABCXYZ.,;:!?\'"-_()[]0123456789éüßçñ€😀中文\u2581  \t\n',
  );
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, () =>
    Array.from(
      { length: Math.floor(next() * 80) },
      () => alphabet[Math.floor(next() * alphabet.length)],
    ).join(''),
  );
}

describe('UseLiteTokenizer', () => {
  const samples = [
    '',
    ' ',
    '  leading and  double  spaces ',
    'The quick brown fox jumps over the lazy dog.',
    'naïve café ﬁnance ① ＡＢＣ',
    'emoji 😀😀 and rockets 🚀',
    '日本語のテキスト',
    "don't can't it's e-mail: foo@bar.com http://example.com/a?b=1",
    'unknownnnnnnnnnnnnnnnn wordsssss zzzzqqqq',
    'x'.repeat(500),
  ];

  it('produces the same ids as the reference tokenizer', () => {
    for (const text of [...samples, ...randomTexts(500, 42)]) {
      expect({ text, ids: tokenizer.encode(text) }).toEqual({ text, ids: reference.encode(text) });
    }
  });

  it('splits known words into vocabulary pieces and unknown characters into one merged id 0', () => {
    const ids = tokenizer.encode('the cat');
    expect(ids.map((id) => vocabulary[id][0])).toEqual(['▁the', '▁cat']);
    expect(tokenizer.encode('😀😀😀')).toEqual([vocabulary.findIndex(([piece]) => piece === '▁'), 0]);
  });
});
