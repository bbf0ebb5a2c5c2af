import { getDocumentProxy } from 'unpdf';
import { skipped, tidy, type Extraction } from './extraction';
import type { ExtractionLimits } from './limits';

type PdfLimits = Pick<ExtractionLimits, 'pdfPages' | 'maxChars'>;

interface TextItem {
  str?: string;
  hasEOL?: boolean;
}

/**
 * A PDF: the text of every page, pages separated by form feeds; the title from its metadata. Runs in
 * the extraction worker (PDF.js is an ES module that unpdf imports dynamically, which plain Node
 * does). The page count is checked before any page is read, pages are read one at a time (unpdf's
 * extractText reads them all at once), and reading stops as soon as the text outgrows a document.
 */
export async function extractPdf(bytes: Buffer, limits: PdfLimits): Promise<Extraction> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes));
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    return skipped(
      /password/i.test(message) ? 'encrypted PDF (needs a password)' : `unreadable PDF: ${message}`,
    );
  }
  try {
    if (pdf.numPages > limits.pdfPages)
      return skipped(`PDF has ${pdf.numPages} pages, more than the limit of ${limits.pdfPages}`);
    const texts: string[] = [];
    let characters = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      page.cleanup();
      const text = tidy(
        (content.items as TextItem[])
          .filter((item) => item.str != null)
          .map((item) => item.str + (item.hasEOL ? '\n' : ''))
          .join(''),
      );
      characters += text.length + (number > 1 ? 2 : 0);
      if (characters > limits.maxChars)
        return skipped(
          `PDF has more than ${limits.maxChars} characters of text (by page ${number}), more than a document may hold`,
        );
      texts.push(text);
    }
    if (!texts.some(Boolean))
      return skipped(`PDF of ${pdf.numPages} pages without a text layer (scanned images need OCR)`);
    let title: string | undefined;
    try {
      const info = (await pdf.getMetadata()).info as { Title?: unknown } | undefined;
      if (typeof info?.Title === 'string') title = info.Title.trim() || undefined;
    } catch {
      // A PDF without readable metadata still has its text.
    }
    return { kind: 'extracted', format: 'pdf', title, text: texts.join('\n\f'), pages: pdf.numPages };
  } catch (error) {
    return skipped(`unreadable PDF: ${String((error as Error)?.message ?? error)}`);
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
}
