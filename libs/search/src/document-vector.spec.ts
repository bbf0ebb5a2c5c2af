import { hasDocumentVector, WHOLE_DOCUMENT_WORDS, wholeDocumentText } from './document-vector';

describe('wholeDocumentText', () => {
  it("is the title, a line break and the body's first words, the body's own spacing kept", () => {
    const words = Array.from({ length: WHOLE_DOCUMENT_WORDS + 50 }, (_, i) => `w${i}`);
    const body = `NAME\n    ${words.slice(0, 10).join('  ')}\n\n${words.slice(10).join(' ')}`;
    const text = wholeDocumentText('ls(1)', body);
    expect(text.startsWith('ls(1)\nNAME\n    w0  w1')).toBe(true);
    expect(text.split(/\s+/)).toHaveLength(1 + WHOLE_DOCUMENT_WORDS);
    expect(text.endsWith(` w${WHOLE_DOCUMENT_WORDS - 2}`)).toBe(true);
  });

  it('is the whole body when it is shorter, and the body alone without a title', () => {
    expect(wholeDocumentText(undefined, 'Rotate the logs.\n')).toBe('Rotate the logs.\n');
    expect(wholeDocumentText('Disk full', 'Rotate the logs.')).toBe('Disk full\nRotate the logs.');
  });
});

describe('hasDocumentVector', () => {
  it('is for a document of several chunks only', () => {
    expect([0, 1, 2, 40].map(hasDocumentVector)).toEqual([false, false, true, true]);
  });
});
