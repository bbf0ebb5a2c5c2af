import { knownWordShare } from './known-words';

describe('knownWordShare', () => {
  // A tokenizer that keeps only these whole, as e5's splits "anode" (an ##ode) and "xqzvy" alike.
  const vocabulary = new Set(['sort', 'by', 'size']);
  const keptWhole = (word: string) => vocabulary.has(word.toLowerCase());

  it('counts a rare real word the tokenizer splits as known', () => {
    expect(knownWordShare('anode', keptWhole)).toBe(1);
    expect(knownWordShare('Phonation caput', keptWhole)).toBe(1);
    expect(knownWordShare('sort by anode', keptWhole)).toBe(1);
  });

  it('does not count gibberish or pseudo-words of English syllables', () => {
    expect(knownWordShare('xqzvy flurbo', keptWhole)).toBe(0);
    expect(knownWordShare('snazzle blorft', keptWhole)).toBe(0);
    expect(knownWordShare('qwpoeiru zxmcnv', keptWhole)).toBe(0);
    expect(knownWordShare('sort xqzvy', keptWhole)).toBe(0.5);
  });

  it('weighs only words with a letter; none is undefined', () => {
    expect(knownWordShare('42 -- ?', keptWhole)).toBeUndefined();
    expect(knownWordShare('size 42', keptWhole)).toBe(1);
  });
});
