/**
 * Page labels: the numbers a paged document prints on its pages (a PDF's /PageLabels: front
 * matter `i`, `ii`, then `1`, `2`, ...), which differ from the 1-based page of the file once a
 * document has a cover or front matter (Debian's libtasn1 manual: file page 20 is printed 17).
 * A document keeps them in `metadata.page_labels` as runs, `[page, label]` where a run starts,
 * each following page counting on from its label (`17` → `18`, `iv` → `v`, `A-9` → `A-10`): a
 * few pairs for a book, where one label per page would outgrow the metadata's size limit.
 * Extraction (PDF) writes them; a client sending its own paged text (pages split by form feeds)
 * may too. Chunk locations carry the label of their page (`pageLabel`).
 */

/** `[page, label]`: the 1-based page where a run of labels starts, and its label. */
export type PageLabelRun = [number, string];

/** Most runs kept: a document whose labels do not count on from page to page keeps none. */
export const MAX_PAGE_LABEL_RUNS = 200;
const MAX_LABEL_LENGTH = 40;

const ROMAN: [number, string][] = [
  [1000, 'm'],
  [900, 'cm'],
  [500, 'd'],
  [400, 'cd'],
  [100, 'c'],
  [90, 'xc'],
  [50, 'l'],
  [40, 'xl'],
  [10, 'x'],
  [9, 'ix'],
  [5, 'v'],
  [4, 'iv'],
  [1, 'i'],
];

function toRoman(value: number): string {
  let rest = value;
  let out = '';
  for (const [amount, letters] of ROMAN) {
    while (rest >= amount) {
      out += letters;
      rest -= amount;
    }
  }
  return out;
}

function fromRoman(text: string): number | undefined {
  let value = 0;
  let rest = text;
  for (const [amount, letters] of ROMAN) {
    while (rest.startsWith(letters)) {
      value += amount;
      rest = rest.slice(letters.length);
    }
  }
  // Only canonical numerals (what toRoman writes), so `ic` or `mixed` is not a number.
  return rest === '' && value > 0 && toRoman(value) === text ? value : undefined;
}

/** The label of the page after one labelled `label`, when the label counts (decimal or roman). */
export function nextPageLabel(label: string): string | undefined {
  const decimal = /^(.*?)(\d+)$/.exec(label);
  if (decimal) return `${decimal[1]}${Number(decimal[2]) + 1}`;
  const lower = fromRoman(label);
  if (lower !== undefined) return toRoman(lower + 1);
  const upper = label === label.toUpperCase() ? fromRoman(label.toLowerCase()) : undefined;
  if (upper !== undefined) return toRoman(upper + 1).toUpperCase();
  return undefined;
}

/**
 * The runs of a document's page labels (one per page, in page order), or undefined when they say
 * nothing the page number does not (every page labelled with its own number) or would not fit.
 */
export function pageLabelRuns(labels: readonly string[]): PageLabelRun[] | undefined {
  if (labels.every((label, index) => label === String(index + 1))) return undefined;
  const runs: PageLabelRun[] = [];
  let expected: string | undefined;
  for (const [index, raw] of labels.entries()) {
    const label = raw.slice(0, MAX_LABEL_LENGTH);
    if (label !== expected) runs.push([index + 1, label]);
    expected = nextPageLabel(label);
  }
  return runs.length <= MAX_PAGE_LABEL_RUNS ? runs : undefined;
}

/**
 * Each page's label (index 0 is page 1) up to `pages`, from a document's runs; undefined where a
 * page has none or it is the page's own number. `runs` is metadata, so anything not shaped as runs
 * is ignored.
 */
export function expandPageLabels(runs: unknown, pages: number): (string | undefined)[] {
  const labels: (string | undefined)[] = new Array(pages).fill(undefined);
  if (!Array.isArray(runs) || runs.length > MAX_PAGE_LABEL_RUNS) return labels;
  const valid = runs.every(
    (run): run is PageLabelRun =>
      Array.isArray(run) && Number.isInteger(run[0]) && run[0] >= 1 && typeof run[1] === 'string',
  );
  if (!valid) return labels;
  const starts = new Map(runs.map(([page, label]) => [page, label.slice(0, MAX_LABEL_LENGTH)]));
  let label: string | undefined;
  for (let page = 1; page <= pages; page++) {
    label = starts.get(page) ?? (label === undefined ? undefined : nextPageLabel(label));
    labels[page - 1] = label !== String(page) ? label : undefined;
  }
  return labels;
}

/** Chunks with the label of their page (`pageLabel`) from a document's runs (`metadata.page_labels`). */
export function withPageLabels<C extends { location: { page?: number; pageLabel?: string } }>(
  chunks: C[],
  runs: unknown,
): C[] {
  if (runs === undefined) return chunks;
  const pages = Math.max(0, ...chunks.map((c) => c.location.page ?? 0));
  const labels = expandPageLabels(runs, pages);
  return chunks.map((chunk) => {
    const label = chunk.location.page ? labels[chunk.location.page - 1] : undefined;
    return label === undefined ? chunk : { ...chunk, location: { ...chunk.location, pageLabel: label } };
  });
}
