import * as path from 'node:path';
import { flat, parseXmlDocument, type XmlDocument } from './html-text';
import { decodeText } from './text';
import { zipDirectory, zipPart, zipRefusal, type ZipLimits } from './zip-parts';

/** A ZIP package's parts (Office documents, EPUB books), each inflated within the limits. */
export interface ZipPackage {
  /** A part as text (UTF-8, else Latin-1), or undefined when there is no such part. */
  text(name: string): string | undefined;
  /** A part parsed as XML. */
  xml(name: string): XmlDocument | undefined;
}

/**
 * A ZIP package (DOCX, PPTX, XLSX, ODT, EPUB) to read part by part, or why it must not be opened:
 * `zipRefusal` measures every part's real size first, so no part read later outgrows the limits.
 */
export function openZipPackage(bytes: Buffer, limits: ZipLimits): ZipPackage | { refusal: string } {
  const refusal = zipRefusal(bytes, limits);
  if (refusal) return { refusal };
  const directory = zipDirectory(bytes);
  const text = (name: string) => {
    const data = zipPart(bytes, directory.get(name), limits);
    return data && decodeText(data);
  };
  const xml = (name: string) => {
    const part = text(name);
    return part === undefined ? undefined : parseXmlDocument(part);
  };
  return { text, xml };
}

/** Titles Office fills in by itself (PowerPoint's "PowerPoint Presentation"): not the document's. */
const DEFAULT_TITLE = /^((microsoft )?(powerpoint )?presentation|document|book|workbook|slide)\s*\d*$/i;

/**
 * An Office document's Title property (`<dc:title>` of docProps/core.xml), when it has one that
 * its author gave: PowerPoint titles every new deck "PowerPoint Presentation".
 */
export function coreTitle(parts: ZipPackage): string | undefined {
  const title = dcTitle(parts.xml('docProps/core.xml'));
  return title && !DEFAULT_TITLE.test(title) ? title : undefined;
}

/** The `<dc:title>` of a metadata part (Office's core properties, ODF's meta.xml, an EPUB's package) on one line. */
export function dcTitle(metadata: XmlDocument | undefined): string | undefined {
  const title = metadata?.getElementsByTagName('dc:title')[0]?.textContent;
  return (title && flat(title)) || undefined;
}

/** A part's relationships (`_rels/*.rels`): id → the part it names, resolved against `base`, and its type. */
function relationships(
  rels: XmlDocument | undefined,
  base: string,
): Map<string, { path: string; type: string }> {
  const map = new Map<string, { path: string; type: string }>();
  for (const rel of Array.from(rels?.getElementsByTagName('Relationship') ?? [])) {
    const target = rel.getAttribute('Target');
    if (!target || rel.getAttribute('TargetMode') === 'External') continue;
    map.set(rel.getAttribute('Id') ?? '', {
      path: target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(base, target)),
      type: rel.getAttribute('Type') ?? '',
    });
  }
  return map;
}

/** A part's relationships file: `ppt/slides/slide1.xml` → `ppt/slides/_rels/slide1.xml.rels`. */
const relsOf = (name: string) =>
  path.posix.join(path.posix.dirname(name), '_rels', `${path.posix.basename(name)}.rels`);

/** An Office part parsed, with the parts its relationships name (resolved against its folder). */
export function partWithRelationships(
  parts: ZipPackage,
  name: string,
): { document: XmlDocument; related: Map<string, { path: string; type: string }> } | undefined {
  const document = parts.xml(name);
  return document && { document, related: relationships(parts.xml(relsOf(name)), path.posix.dirname(name)) };
}
