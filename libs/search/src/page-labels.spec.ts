import { describeLocation } from './hit-location';
import {
  MAX_PAGE_LABEL_RUNS,
  nextPageLabel,
  pageLabelOf,
  pageLabelRuns,
  withPageLabels,
} from './page-labels';

describe('page labels', () => {
  it('counts on in decimal and roman numerals, with a prefix, in either case', () => {
    expect(nextPageLabel('17')).toBe('18');
    expect(nextPageLabel('A-9')).toBe('A-10');
    expect(nextPageLabel('iv')).toBe('v');
    expect(nextPageLabel('XIX')).toBe('XX');
    // A word is not a numeral: it starts a run of its own.
    expect(nextPageLabel('Cover')).toBeUndefined();
    expect(nextPageLabel('mix')).toBe('mx');
    expect(nextPageLabel('ic')).toBeUndefined();
  });

  it('keeps a book as a few runs, and nothing when every page is labelled with its own number', () => {
    const book = ['Cover', 'i', 'ii', 'iii', '1', '2', '3', '4', 'A-1', 'A-2'];
    const runs = pageLabelRuns(book)!;
    expect(runs).toEqual([
      [1, 'Cover'],
      [2, 'i'],
      [5, '1'],
      [9, 'A-1'],
    ]);
    expect(book.map((_, i) => pageLabelOf(runs, i + 1) ?? String(i + 1))).toEqual(book);
    expect(pageLabelRuns(['1', '2', '3'])).toBeUndefined();
    // Labels that never count on would outgrow the metadata: none are kept.
    expect(pageLabelRuns(Array.from({ length: MAX_PAGE_LABEL_RUNS + 1 }, () => 'x'))).toBeUndefined();
  });

  it('labels each chunk with its page, and leaves pages labelled with their own number alone', () => {
    const runs = [
      [1, 'i'],
      [3, '1'],
    ];
    const chunks = withPageLabels(
      [{ location: { page: 1 } }, { location: { page: 4 } }, { location: {} }],
      runs,
    );
    expect(chunks.map((c) => c.location)).toEqual([
      { page: 1, pageLabel: 'i' },
      { page: 4, pageLabel: '2' },
      {},
    ]);
    // A page numbered as it is placed needs no label.
    expect(withPageLabels([{ location: { page: 3 } }], [[1, '1']])[0].location).toEqual({ page: 3 });
  });

  it('ignores page_labels metadata that is not shaped as runs', () => {
    for (const bad of ['i', [['1', 'i']], [[0, 'i']], [[1, 2]], { 1: 'i' }])
      expect(withPageLabels([{ location: { page: 1 } }], bad)[0].location).toEqual({ page: 1 });
  });

  it('a citation names the printed page and the file page', () => {
    expect(describeLocation({ page: 20, pageLabel: '17', heading: ['DER functions'] })).toBe(
      'p. 17 (PDF page 20), DER functions',
    );
  });
});
