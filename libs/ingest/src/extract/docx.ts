import mammoth from 'mammoth';
import { skipped, type Extraction } from './extraction';
import { htmlFragmentToText } from './html-text';
import { mib, type ExtractionLimits } from './limits';
import { zipPart, zipRefusal } from './zip-parts';

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A Word document: mammoth maps its heading styles to HTML headings, which become `#` headings, and
 * its tables to HTML tables, whose rows become lines of cells. The title is the document's Title
 * property, else its first heading. mammoth inflates whole parts into memory, so the parts' real
 * sizes are measured first.
 */
export async function extractDocx(bytes: Buffer, limits: ExtractionLimits): Promise<Extraction> {
  const refusal = zipRefusal(bytes, limits);
  if (refusal) return skipped(refusal);
  const { value } = await mammoth.convertToHtml({ buffer: bytes });
  if (value.length > limits.htmlBytes)
    return skipped(
      `Word document converts to ${mib(value.length)} of HTML, more than the limit of ${mib(limits.htmlBytes)}`,
    );
  const text = htmlFragmentToText(value);
  if (!text) return skipped('no text in the Word document');
  const title = titleProperty(bytes, limits) ?? /^#\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'docx', title, text };
}

/** `<dc:title>` of the document's core properties (docProps/core.xml), when it has one. */
function titleProperty(bytes: Buffer, limits: ExtractionLimits): string | undefined {
  const core = zipPart(bytes, 'docProps/core.xml', limits)?.toString('utf8');
  const raw = core && /<dc:title(?:\s[^>]*)?>([\s\S]*?)<\/dc:title>/.exec(core)?.[1];
  if (!raw) return undefined;
  const title = raw
    .replace(/&(amp|lt|gt|quot|apos);|&#(x[0-9a-f]+|\d+);/gi, (_m, name?: string, code?: string) => {
      if (name) return XML_ENTITIES[name.toLowerCase()];
      const point = /^x/i.test(code!) ? parseInt(code!.slice(1), 16) : Number(code);
      return point <= 0x10ffff ? String.fromCodePoint(point) : '';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return title || undefined;
}
