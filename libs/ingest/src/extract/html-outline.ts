import { tidy } from './extraction';
import {
  cellText,
  flat,
  headingLine,
  headingsOf,
  HEADING_SELECTOR,
  HEADINGS,
  holds,
  levelOf,
  textWithHeadings,
  type DomDocument,
  type DomElement,
  type DomNode,
} from './html-text';

/*
 * A page's own outline (its headings outside navigation, each with its section's text), against
 * which Readability's choice of the main content is checked (html.ts): a fragment of a document of
 * several sections is read again whole, and sections dropped before the first kept come back.
 */

/** A heading of the page and its section's text up to the next heading: how much, and how much of it is link text. */
export interface OutlineSection {
  heading: DomElement;
  title: string;
  words: number;
  linkWords: number;
}

/**
 * A section of a few words, fewer than half of them link text, is prose (not a list of links). A
 * manual page's NAME line can be short: `git-var - Show a Git logical variable`.
 */
const PROSE_SECTION_WORDS = 3;
const PROSE_SECTION_LINK_SHARE = 0.5;

/** The page's headings outside its furniture (`isFurniture`), each with its section's text. */
export function outlineOf(document: DomDocument, headings: DomElement[]): OutlineSection[] {
  const sections: OutlineSection[] = [];
  let current: OutlineSection | undefined;
  const visit = (node: DomNode, inLink: boolean) => {
    if (node.nodeType === 3) {
      if (!current) return;
      const words = (node.textContent ?? '').split(/\s+/).filter(Boolean).length;
      current.words += words;
      if (inLink) current.linkWords += words;
      return;
    }
    if (node.nodeType !== 1) return;
    if (HEADINGS.has(node.nodeName)) {
      const heading = node as DomElement;
      current = { heading, title: cellText(heading), words: 0, linkWords: 0 };
      sections.push(current);
      return;
    }
    for (const child of Array.from(node.childNodes)) visit(child, inLink || node.nodeName === 'A');
  };
  if (document.body) visit(document.body, false);
  const shown = new Set(headings.filter((h) => !isFurniture(h)));
  return sections.filter((s) => shown.has(s.heading) && s.title);
}

/** A section that heads prose: a sidebar's or a footer's widget heads a list of links, a document's section heads text. */
const isProse = (s: OutlineSection) =>
  s.words >= PROSE_SECTION_WORDS && s.linkWords / s.words < PROSE_SECTION_LINK_SHARE;

/**
 * Whether Readability's article is one part of a document of several: it holds fewer than half of
 * the page's prose sections by their headings. Readability picks the best-scoring block and joins
 * its siblings, which suits an article among page furniture; a manual page made of sibling
 * sections (AsciiDoc's, a git command's: NAME, SYNOPSIS, DESCRIPTION beside a long OPTIONS list)
 * came out as its OPTIONS alone, every other section and heading lost. A page with fewer than three
 * prose sections is an article as Readability sees it.
 */
export function isFragmentOf(text: string, outline: OutlineSection[]): boolean {
  const sections = outline.filter(isProse);
  if (sections.length < 3) return false;
  const kept = headingsOf(text);
  if (sections.filter((s) => kept.has(s.title)).length * 2 < sections.length) return true;
  // Or it holds most of them but lost a sibling of one it holds (the same level under the same
  // parent), text and all: git-status's CONFIGURATION and BACKGROUND REFRESH after its OUTPUT.
  const held = heldSections(text, kept, outline);
  const levels = new Map<DomElement | null, Set<string>>();
  for (const s of held) {
    const parent = parentOf(s.heading);
    levels.set(parent, (levels.get(parent) ?? new Set()).add(s.heading.nodeName));
  }
  return sections.some((s) => !held.has(s) && levels.get(parentOf(s.heading))?.has(s.heading.nodeName));
}

/**
 * The sections the article holds: by their heading, or by the start of their text (Readability
 * drops headings and keeps text), and every section enclosing one it holds (an OPTIONS heading
 * over the subsections it keeps).
 */
function heldSections(text: string, kept: Set<string>, outline: OutlineSection[]): Set<OutlineSection> {
  const article = flat(text);
  const held = new Set<OutlineSection>();
  const open: OutlineSection[] = [];
  for (const s of outline) {
    const level = levelOf(s.heading);
    while (open.length && levelOf(open[open.length - 1].heading) >= level) open.pop();
    open.push(s);
    const body = flat(sectionText(s.heading)).slice(0, 100);
    if (kept.has(s.title) || (body && article.includes(body)))
      for (const enclosing of open) held.add(enclosing);
  }
  return held;
}

/**
 * Where a section sits among its siblings: the parent of the element that wraps it (AsciiDoc's
 * `div.sect1`, an HTML `<section>`: an element the heading opens, holding no other heading of its
 * level or above), or of the heading itself when the sections are flat.
 */
function parentOf(heading: DomElement): DomElement | null {
  const parent = heading.parentElement;
  const level = levelOf(heading);
  const opens =
    parent?.firstElementChild === heading &&
    !Array.from(parent.querySelectorAll(HEADING_SELECTOR)).some(
      (other) => other !== heading && levelOf(other) <= level,
    );
  return opens ? parent.parentElement : parent;
}

/**
 * The page's prose sections before the first one the article holds, put back after its title:
 * Readability drops a block named like page furniture (`id="header"`) or too short to score,
 * which on a manual page is its NAME line (AsciiDoc's `git-stash - Stash the changes in a dirty
 * working directory away`), the one line that says what the page is.
 */
export function withLeadSections(text: string, outline: OutlineSection[]): string {
  const kept = headingsOf(text);
  // The title heading (the outline's first) is in the text already (`withTitleHeading`).
  const first = outline.findIndex((s, i) => i > 0 && kept.has(s.title));
  if (first < 0) return text;
  // What the article holds of a section (Readability may drop a heading and keep its text) is not repeated.
  const article = flat(text);
  const added = outline
    .slice(1, first)
    .filter((s) => isProse(s) && !kept.has(s.title))
    .map((s) => ({
      s,
      body: sectionText(s.heading)
        .split('\n\n')
        .filter((paragraph) => !article.includes(flat(paragraph)))
        .join('\n\n'),
    }))
    .filter(({ body }) => body)
    .map(({ s, body }) => `${headingLine(s.heading, s.title)}\n\n${body}`);
  if (added.length === 0) return text;
  const lines = text.split('\n');
  const title = lines.indexOf(headingLine(outline[0].heading, outline[0].title));
  lines.splice(title + 1, 0, '', ...added);
  return tidy(lines.join('\n'));
}

/** A section's text: what follows its heading up to the next element that is or holds a heading. */
function sectionText(heading: DomElement): string {
  const parts: string[] = [];
  for (let node = heading.nextSibling; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (HEADINGS.has(node.nodeName) || holds(node, HEADINGS))) break;
    parts.push(node.nodeType === 1 ? textWithHeadings(node) : (node.textContent ?? '').trim());
  }
  return parts.filter(Boolean).join('\n\n');
}

/** The innermost element holding all of `elements`. */
export function commonAncestor(elements: DomElement[]): DomElement | undefined {
  let ancestor: DomElement | null = elements[0]?.parentElement ?? null;
  while (ancestor && !elements.every((element) => ancestor!.contains(element)))
    ancestor = ancestor.parentElement;
  return ancestor ?? undefined;
}

/** A heading inside navigation, a footer, an aside, or a page header outside the article. */
export const isFurniture = (element: DomElement) =>
  Boolean(
    element.closest('nav, footer, aside') || (element.closest('header') && !element.closest('article, main')),
  );
