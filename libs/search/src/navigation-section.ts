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
