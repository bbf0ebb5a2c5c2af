import mammoth from 'mammoth';
import { skipped, type Extraction } from './extraction';
import { htmlFragmentToText } from './html';

/** A Word document: mammoth maps its heading styles to HTML headings, which become `#` headings. */
export async function extractDocx(bytes: Buffer): Promise<Extraction> {
  const { value } = await mammoth.convertToHtml({ buffer: bytes });
  const text = htmlFragmentToText(value);
  if (!text) return skipped('no text in the Word document');
  return { kind: 'extracted', format: 'docx', title: /^#\s+(.+)$/m.exec(text)?.[1], text };
}
