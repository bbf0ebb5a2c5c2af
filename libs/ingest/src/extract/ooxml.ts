import * as path from 'node:path';
import { parseXmlDocument, type XmlDocument } from './html-text';
import { decodeText } from './text';
import { zipPart, type ZipLimits } from './zip-parts';

/** An Office document's Title property (`<dc:title>` of docProps/core.xml), when it has one. */
export function coreTitle(bytes: Buffer, limits: ZipLimits): string | undefined {
  const core = zipPart(bytes, 'docProps/core.xml', limits);
  const title = core && parseXmlDocument(decodeText(core)).getElementsByTagName('dc:title')[0]?.textContent;
  return title?.replace(/\s+/g, ' ').trim() || undefined;
}

/** A part's relationships (`_rels/*.rels`): id → the part it names, resolved against `base`, and its type. */
export function relationships(
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
