/**
 * Tables of contents and back-of-book indexes ("Function and Data Index", "Concept Index"): pages
 * that name every term of a manual next to a page number. Their words match almost any query and
 * their lines are short, so the words' best chunk of a manual was its index page (a function
 * documented on page 22 was located on the index, page 36), and their vectors, lists of names,
 * are noise for meaning. They are still the document's text (its full-text entry keeps them), but
 * never one of its passages: not shown, not embedded.
 */

/** `Introduction . . . . . 1`, `asn1_copy_node........11`: a dot leader ending in a page number. */
const LEADER_ENTRY = /(?:\s?\.){3,}\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*$/i;
/**
 * `3.3.2 Spécificités 16`, `A.1 Options 40`: a numbered section's title (a word in it, not a font
 * table's `48 x30 0`) and the page it starts on, as LaTeX sets a table of contents' chapters, and
 * some documents every entry, without leaders.
 */
const NUMBERED_ENTRY =
  /^(?:\d{1,2}|[A-Z])(?:\.\d{1,2})*\.?\s+(?=.*\p{L}\p{L})[^\d\s].*\s(?:\d{1,4}|[ivxlc]{1,6})$/u;
/** `parse_args, 12, 45` or `parse_args 12`: an index entry without leaders. */
const PAGE_REFERENCES = /\S[\s,]+\d{1,4}(?:\s*[,–-]\s*\d{1,4})*\s*$/;
/**
 * The heading of an index or a table of contents: "Index", "Concept Index", "Function and Data
 * Index", "Table of Contents" (a title's capitals: "Creating an index" is a section about indexes).
 */
const NAVIGATION_HEADING = /^(?:(?:\p{Lu}\p{L}*|and|of)\s+){0,4}(?:Index|Contents)$|^(?:INDEX|CONTENTS)$/u;
/** Entries needed before a section is read as navigation: a short list of page numbers is text. */
const MIN_ENTRIES = 4;

/**
 * True when most lines of a section are entries pointing at pages: dot-leader entries anywhere
 * (a table of contents, a Texinfo index), or plain page references under an index or contents
 * heading (a LaTeX index), where lines ending in numbers would otherwise be any table of figures.
 */
export function isNavigationSection(heading: readonly string[], lines: readonly string[]): boolean {
  const text = lines.map((line) => line.trim()).filter(Boolean);
  if (text.length < MIN_ENTRIES) return false;
  const leaders = text.filter((line) => LEADER_ENTRY.test(line)).length;
  if (leaders >= MIN_ENTRIES && leaders * 2 >= text.length) return true;
  const title = heading[heading.length - 1]?.trim() ?? '';
  if (!NAVIGATION_HEADING.test(title)) return false;
  const references = text.filter((line) => LEADER_ENTRY.test(line) || PAGE_REFERENCES.test(line)).length;
  return references >= MIN_ENTRIES && references * 2 >= text.length;
}

const isEntry = (line: string) => LEADER_ENTRY.test(line) || NUMBERED_ENTRY.test(line);

/**
 * Whether the run's entries without leaders go on as a table of contents does: section numbers and
 * pages never going back. Lines of output that happen to start and end with numbers ("8 days
 * later: Sunday, December 16, 2018" / "4 weeks later: ...") do not.
 */
function inContentsOrder(entries: readonly string[]): boolean {
  const numbered = entries.filter((line) => !LEADER_ENTRY.test(line));
  const order = (value: (line: string) => number) =>
    numbered.every((line, at) => at === 0 || value(line) >= value(numbered[at - 1]));
  const section = (line: string) => {
    const first = /^(\d+|[A-Z])/.exec(line)![1];
    return /\d/.test(first) ? Number(first) : 100 + first.charCodeAt(0);
  };
  const page = (line: string) => Number(/(\d+)$/.exec(line)?.[1] ?? 0);
  return order(section) && order(page);
}

/**
 * The lines of a passage that are a run of contents entries (four or more dot-leader or numbered
 * entries with their pages, in a table of contents' order, a line between two of them being an
 * entry that wrapped), by index: a title page's table of contents under its abstract, in one
 * section with it (luainputenc's, iftex's), or a French manual's, whose heading is no heading of
 * the page. The rest of the passage stays one.
 */
export function contentsRuns(lines: readonly string[]): Set<number> {
  const trimmed = lines.map((line) => line.trim());
  const entry = trimmed.map(isEntry);
  const inRuns = new Set<number>();
  let run: number[] = [];
  const close = () => {
    while (run.length && !entry[run[run.length - 1]]) run.pop();
    const entries = run.filter((at) => entry[at]).map((at) => trimmed[at]);
    if (entries.length >= MIN_ENTRIES && inContentsOrder(entries)) run.forEach((at) => inRuns.add(at));
    run = [];
  };
  entry.forEach((isOne, at) => {
    if (isOne || (run.length && entry[run[run.length - 1]])) run.push(at);
    else close();
  });
  close();
  return inRuns;
}
