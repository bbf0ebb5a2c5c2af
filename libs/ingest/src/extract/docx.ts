import mammoth from 'mammoth';
import { skipped, type Extraction } from './extraction';
import { htmlFragmentToText } from './html';
import { mib, type ExtractionLimits } from './limits';
import { zipRefusal } from './zip-parts';

/**
 * A Word document: mammoth maps its heading styles to HTML headings, which become `#` headings.
 * mammoth inflates whole parts into memory, so the parts' real sizes are measured first.
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
  return { kind: 'extracted', format: 'docx', title: /^#\s+(.+)$/m.exec(text)?.[1], text };
}
