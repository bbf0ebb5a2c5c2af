import * as path from 'node:path';
import { extractAsciidoc, looksLikeAsciidoc } from './asciidoc';
import { extractDocx } from './docx';
import { extractEpub } from './epub';
import { skipped, type Extraction } from './extraction';
import { gunzipWithin, isGzip } from './gzip';
import { zipDirectory } from './zip-parts';
import { extractHtml } from './html';
import { extractInfo, isInfo } from './info';
import { mib, type ExtractionLimits } from './limits';
import { extractNotebook } from './notebook';
import { extractOdp, extractOds, extractOdt } from './opendocument';
import { extractPdf } from './pdf';
import { extractPptx } from './pptx';
import { extractXlsx } from './xlsx';
import { extractMan } from './man';
import { extractRst } from './rst';
import { decodeText, extractMarkdown, extractPlainText, looksLikeText } from './text';

const startsWith = (bytes: Buffer, ...signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** Names without their compression suffix: `README.Debian.gz` is read as `README.Debian`. */
const innerName = (name: string) => name.replace(/\.gz$/i, '');

/**
 * Reads a file by its content (magic bytes, markup) and, for text formats that look alike, by its
 * name: PDF, Office documents (DOCX, PPTX, XLSX, ODT, ODP, ODS), EPUB, HTML, Markdown, Jupyter notebooks,
 * reStructuredText, AsciiDoc, man pages (roff), GNU Info manuals, plain text (extension-less
 * READMEs included), any of them gzip-compressed. Anything else, and anything over a limit, is
 * skipped with the reason. This is the work the extraction worker does (extract.worker.js); callers
 * use extractFile, which runs it there.
 */
export async function extractContent(
  bytes: Buffer,
  name: string,
  limits: ExtractionLimits,
): Promise<Extraction> {
  const result = await extractByFormat(bytes, name, limits);
  if (result.kind === 'extracted' && result.text.length > limits.maxChars)
    return skipped(
      `${result.text.length} characters of text, more than the ${limits.maxChars} a document may hold`,
    );
  return result;
}

async function extractByFormat(bytes: Buffer, name: string, limits: ExtractionLimits): Promise<Extraction> {
  if (bytes.length === 0) return skipped('empty file');
  if (isGzip(bytes)) {
    const inner = gunzipWithin(bytes, limits.gzipBytes);
    if (typeof inner === 'string') return skipped(inner);
    const result = await extractByFormat(inner, innerName(name), limits);
    return result.kind === 'extracted' ? { ...result, format: `${result.format}+gzip` } : result;
  }
  // A character takes at most 4 bytes: a longer text cannot fit a document, whatever its encoding.
  const tooLong = () =>
    skipped(`text of ${mib(bytes.length)}, more than the ${limits.maxChars} characters a document may hold`);
  // Before the test for text: an Info manual marks its images and index entries with NUL bytes.
  if (isInfo(bytes)) return bytes.length > 4 * limits.maxChars ? tooLong() : extractInfo(bytes);
  const head = bytes.subarray(0, 1024).toString('latin1');
  if (head.includes('%PDF-')) return extractPdf(bytes, limits);
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) return extractPackage(bytes, name, limits);
  if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0))
    return skipped('legacy Office format (.doc/.xls/.ppt): save it as .docx');
  const image = imageKind(bytes);
  if (image) return skipped(`${image} image (no text to index)`);
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');

  const extension = path.extname(name).toLowerCase();
  const text = decodeText(bytes.subarray(0, 4096)).trimStart();
  if (
    ['.html', '.htm', '.xhtml'].includes(extension) ||
    /^(<\?xml[^>]*>\s*)?<!doctype html|^<html[\s>]/i.test(text)
  )
    return extractHtml(bytes, limits.htmlBytes);
  if (bytes.length > 4 * limits.maxChars) return tooLong();
  if (extension === '.ipynb') return extractNotebook(bytes);
  if (['.md', '.markdown', '.mdx', '.mkd'].includes(extension)) return extractMarkdown(bytes);
  if (['.rst', '.rest'].includes(extension)) return extractRst(bytes);
  if (['.adoc', '.asciidoc'].includes(extension) || (extension === '.txt' && looksLikeAsciidoc(text)))
    return extractAsciidoc(bytes);
  if (/^\.[1-9][a-z]*$/.test(extension) || extension === '.man' || /^(\.\\"|\.TH\s|\.Dd\s|'\\")/.test(text))
    return extractMan(bytes, limits);
  if (!extension || /^readme/i.test(path.basename(name))) {
    // Extension-less files (README, README.Debian, NEWS): Markdown when they have Markdown headings,
    // reStructuredText when they have underlined titles.
    if (/^#{1,6}\s+\S/m.test(text)) return extractMarkdown(bytes);
    if (/^\S[^\n]*\n(={3,}|-{3,}|~{3,})\s*$/m.test(text)) return extractRst(bytes);
  }
  return extractPlainText(bytes);
}

function imageKind(bytes: Buffer): string | undefined {
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47)) return 'PNG';
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) return 'JPEG';
  if (bytes.subarray(0, 6).toString('latin1').startsWith('GIF8')) return 'GIF';
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'WebP';
  return undefined;
}

/**
 * A ZIP package by the parts its directory names (a deck that embeds a Word file stored
 * uncompressed is still a deck), or by its `mimetype` part (ODF, EPUB), else by its extension.
 */
async function extractPackage(bytes: Buffer, name: string, limits: ExtractionLimits): Promise<Extraction> {
  const parts = zipDirectory(bytes);
  const mimetype = parts.has('mimetype') ? bytes.subarray(0, 100).toString('latin1') : '';
  const is = (part: string, extension: RegExp) => parts.has(part) || (!parts.size && extension.test(name));
  if (is('word/document.xml', /\.docx$/i)) {
    try {
      return await extractDocx(bytes, limits);
    } catch (error) {
      return skipped(`unreadable Word document: ${(error as Error).message}`);
    }
  }
  if (is('ppt/presentation.xml', /\.pptx$/i)) return extractPptx(bytes, limits);
  if (is('xl/workbook.xml', /\.xlsx$/i)) return extractXlsx(bytes, limits);
  if (mimetype.includes('application/epub+zip') || /\.epub$/i.test(name)) return extractEpub(bytes, limits);
  if (mimetype.includes('opendocument.text') || /\.odt$/i.test(name)) return extractOdt(bytes, limits);
  if (mimetype.includes('opendocument.presentation') || /\.odp$/i.test(name))
    return extractOdp(bytes, limits);
  if (mimetype.includes('opendocument.spreadsheet') || /\.ods$/i.test(name)) return extractOds(bytes, limits);
  return skipped('zip archive (only .docx, .pptx, .xlsx, .odt, .odp, .ods and .epub are read)');
}
