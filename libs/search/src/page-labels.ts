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

/**
 * The label `steps` pages after one labelled `label`, when the label counts (decimal or roman):
 * computed, not counted page by page, so a label far into a long document costs no more.
 */
function countOn(label: string, steps: number): string | undefined {
  if (steps === 0) return label;
  const decimal = /^(.*?)(\d+)$/.exec(label);
  if (decimal) return `${decimal[1]}${Number(decimal[2]) + steps}`;
  const lower = fromRoman(label);
  if (lower !== undefined) return toRoman(lower + steps);
  const upper = label === label.toUpperCase() ? fromRoman(label.toLowerCase()) : undefined;
  if (upper !== undefined) return toRoman(upper + steps).toUpperCase();
  return undefined;
}

/** The label of the page after one labelled `label`, when the label counts (decimal or roman). */
export function nextPageLabel(label: string): string | undefined {
  return countOn(label, 1);
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

/** A document's runs (`metadata.page_labels`, so anything not shaped as runs is none), by first page. */
function runsOf(metadata: unknown): PageLabelRun[] {
  if (!Array.isArray(metadata) || metadata.length > MAX_PAGE_LABEL_RUNS) return [];
  const valid = metadata.every(
    (run): run is PageLabelRun =>
      Array.isArray(run) && Number.isInteger(run[0]) && run[0] >= 1 && typeof run[1] === 'string',
  );
  return valid ? [...metadata].sort((a, b) => a[0] - b[0]) : [];
}

/** The label of `page` from runs sorted by first page; undefined when none, or the page's own number. */
function labelOn(runs: readonly PageLabelRun[], page: number): string | undefined {
  let run: PageLabelRun | undefined;
  for (const next of runs) {
    if (next[0] > page) break;
    run = next;
  }
  const label = run && countOn(run[1].slice(0, MAX_LABEL_LENGTH), page - run[0]);
  return label !== String(page) ? label : undefined;
}

/** The label of `page` from a document's runs (`metadata.page_labels`). */
export function pageLabelOf(metadata: unknown, page: number): string | undefined {
  return labelOn(runsOf(metadata), page);
}

/** Chunks with the label of their page (`pageLabel`) from a document's runs (`metadata.page_labels`). */
export function withPageLabels<C extends { location: { page?: number; pageLabel?: string } }>(
  chunks: C[],
  metadata: unknown,
): C[] {
  if (metadata === undefined) return chunks;
  const runs = runsOf(metadata);
  return chunks.map((chunk) => {
    const label = chunk.location.page ? labelOn(runs, chunk.location.page) : undefined;
    return label === undefined ? chunk : { ...chunk, location: { ...chunk.location, pageLabel: label } };
  });
}
