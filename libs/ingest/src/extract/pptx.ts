import {
  escapeMarkdownLines,
  pagedExtraction,
  skipped,
  tableLines,
  type Extraction,
  type HeadedPage,
} from './extraction';
import type { XmlDocument, XmlElement } from './html-text';
import { coreTitle, openZipPackage, partWithRelationships } from './zip-package';
import type { ZipLimits } from './zip-parts';

/** Placeholders that hold the slide's title. */
const TITLES = new Set(['title', 'ctrTitle']);
/** Placeholders a slide repeats from its master: number, date, footer. */
const FURNITURE = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);

/**
 * A PowerPoint presentation: each slide a page (form feeds between them, so a hit says which slide),
 * in the presentation's order, opening with its title as a heading ("Slide N" when it has none),
 * then its text boxes and tables (a row per line, cells parted by ` | `) in the order the slide
 * stacks them, then its speaker notes. Slide numbers, dates and footers are left out. The title is
 * the Title property, else the first slide's title. Every part is inflated within the ZIP limits.
 */
export function extractPptx(bytes: Buffer, limits: ZipLimits): Extraction {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return skipped(parts.refusal);
  const presentation = partWithRelationships(parts, 'ppt/presentation.xml');
  if (!presentation) return skipped('PowerPoint file without ppt/presentation.xml');
  const slides = Array.from(presentation.document.getElementsByTagName('p:sldId')).flatMap((id) => {
    const target = presentation.related.get(id.getAttribute('r:id') ?? '');
    return target ? [target.path] : [];
  });
  const pages: HeadedPage[] = [];
  let firstTitle: string | undefined;
  for (const name of slides) {
    const slide = partWithRelationships(parts, name);
    if (!slide) continue;
    const { title, blocks } = slideText(slide.document);
    firstTitle ??= title;
    const notes = [...slide.related.values()].find((r) => r.type.endsWith('/notesSlide'));
    const notesSlide = notes && parts.xml(notes.path);
    const noted = notesSlide ? slideText(notesSlide).blocks : [];
    pages.push({ title, blocks: [...blocks, ...noted] });
  }

  return pagedExtraction('pptx', coreTitle(parts) ?? firstTitle, pages, 'no text in the presentation');
}

/** A slide's (or notes page's) title and its other text, shape by shape in the order they stack. */
function slideText(slide: XmlDocument): { title?: string; blocks: string[] } {
  let title: string | undefined;
  const blocks: string[] = [];
  const visit = (shape: XmlElement) => {
    if (shape.nodeName === 'p:grpSp') return Array.from(shape.children).forEach(visit);
    if (shape.nodeName === 'p:graphicFrame') {
      const table = tableLines(
        Array.from(shape.getElementsByTagName('a:tr')).map((row) =>
          Array.from(row.getElementsByTagName('a:tc')).map((cell) => paragraphs(cell).join(' ')),
        ),
      );
      if (table) blocks.push(table);
      return;
    }
    if (shape.nodeName !== 'p:sp') return;
    const placeholder = shape.getElementsByTagName('p:ph')[0]?.getAttribute('type') ?? '';
    if (FURNITURE.has(placeholder)) return;
    const text = paragraphs(shape).join('\n');
    if (!text) return;
    if (TITLES.has(placeholder) && title === undefined) title = text.replace(/\s+/g, ' ');
    else blocks.push(escapeMarkdownLines(text));
  };
  const tree = slide.getElementsByTagName('p:spTree')[0];
  if (tree) Array.from(tree.children).forEach(visit);
  return { title, blocks };
}

/** The text of each `a:p` paragraph under an element: its runs, line breaks and fields. */
function paragraphs(element: XmlElement): string[] {
  return Array.from(element.getElementsByTagName('a:p'))
    .map((p) => {
      let text = '';
      const read = (node: XmlElement) => {
        if (node.nodeName === 'a:t') text += node.textContent ?? '';
        else if (node.nodeName === 'a:br') text += '\n';
        else if (node.nodeName === 'a:tab') text += '\t';
        else Array.from(node.children).forEach(read);
      };
      read(p);
      return text.trim();
    })
    .filter(Boolean);
}
