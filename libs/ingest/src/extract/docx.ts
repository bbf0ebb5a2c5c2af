import mammoth from 'mammoth';
import { skipped, type Extraction } from './extraction';
import { htmlFragmentToText } from './html-text';
import { mib, type ExtractionLimits } from './limits';
import { coreTitle, openZipPackage } from './zip-package';

/**
 * A Word document: mammoth maps its heading styles to HTML headings, which become `#` headings, and
 * its tables to HTML tables, whose rows become lines of cells. The title is the document's Title
 * property, else its first heading. mammoth inflates whole parts into memory, so the parts' real
 * sizes are measured first.
 */
export async function extractDocx(bytes: Buffer, limits: ExtractionLimits): Promise<Extraction> {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return skipped(parts.refusal);
  const { value } = await mammoth.convertToHtml({ buffer: bytes });
  if (value.length > limits.htmlBytes)
    return skipped(
      `Word document converts to ${mib(value.length)} of HTML, more than the limit of ${mib(limits.htmlBytes)}`,
    );
  const text = htmlFragmentToText(value);
  if (!text) return skipped('no text in the Word document');
  const title = coreTitle(parts) ?? /^#\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'docx', title, text };
}
