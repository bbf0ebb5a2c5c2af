import { parseXmlDocument } from './html-text';
import { decodeText } from './text';
import { zipPart, type ZipLimits } from './zip-parts';

/** An Office document's Title property (`<dc:title>` of docProps/core.xml), when it has one. */
export function coreTitle(bytes: Buffer, limits: ZipLimits): string | undefined {
  const core = zipPart(bytes, 'docProps/core.xml', limits);
  const title = core && parseXmlDocument(decodeText(core)).getElementsByTagName('dc:title')[0]?.textContent;
  return title?.replace(/\s+/g, ' ').trim() || undefined;
}
