import { pagedExtraction, skipped, tableLines, type Extraction, type HeadedPage } from './extraction';
import { flat, type XmlDocument, type XmlElement } from './html-text';
import { coreTitle, openZipPackage, partWithRelationships } from './zip-package';
import type { ZipLimits } from './zip-parts';

/** Excel's built-in number formats that show a date or time (ECMA-376, 18.8.30). */
const DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);
const DAY_MS = 86_400_000;

/**
 * An Excel workbook: each visible sheet a page (form feeds between them) under its name as a
 * heading, a row per line with its cells parted by ` | `: shared and inline strings, numbers,
 * booleans, and dates as ISO dates where the cell's format shows a date. A formula shows its last
 * computed value. Hidden sheets are left out. The title is the Title property, else the file's
 * name. Every part is inflated within the ZIP limits.
 */
export function extractXlsx(bytes: Buffer, limits: ZipLimits): Extraction {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return skipped(parts.refusal);
  const { xml } = parts;
  const book = partWithRelationships(parts, 'xl/workbook.xml');
  if (!book) return skipped('Excel file without xl/workbook.xml');
  const { document: workbook, related: targets } = book;
  const strings = Array.from(xml('xl/sharedStrings.xml')?.getElementsByTagName('si') ?? []).map(runText);
  const dates = dateStyles(xml('xl/styles.xml'));
  const epoch = workbook.getElementsByTagName('workbookPr')[0]?.getAttribute('date1904') === '1' ? 1462 : 0;
  const pages: HeadedPage[] = [];
  for (const sheet of Array.from(workbook.getElementsByTagName('sheet'))) {
    if (/hidden/i.test(sheet.getAttribute('state') ?? '')) continue;
    const target = targets.get(sheet.getAttribute('r:id') ?? '');
    const data = target && xml(target.path);
    if (!data) continue;
    // The cells a row stores, in order: a sparse row's gaps are not kept.
    const rows = tableLines(
      Array.from(data.getElementsByTagName('row')).map((row) =>
        Array.from(row.getElementsByTagName('c'))
          .map((cell) => cellText(cell, strings, dates, epoch))
          .filter(Boolean),
      ),
    );
    if (rows) pages.push({ title: sheet.getAttribute('name') ?? 'Sheet', blocks: [rows] });
  }
  return pagedExtraction('xlsx', coreTitle(parts), pages, 'no text in the workbook');
}

/** A cell as it shows: its string, number, boolean or date. */
function cellText(cell: XmlElement, strings: string[], dates: Set<number>, epoch: number): string {
  const type = cell.getAttribute('t') ?? 'n';
  if (type === 'inlineStr') return flat(runText(cell.getElementsByTagName('is')[0]));
  const value = cell.getElementsByTagName('v')[0]?.textContent?.trim() ?? '';
  if (!value) return '';
  if (type === 's') return flat(strings[Number(value)] ?? '');
  if (type === 'b') return value === '1' ? 'TRUE' : 'FALSE';
  if (type === 'n' && dates.has(Number(cell.getAttribute('s') ?? 0))) return isoDate(Number(value), epoch);
  return value.replace(/\s+/g, ' ');
}

/** The text of a rich or plain string (`<t>` runs), without its phonetic guides. */
function runText(si: XmlElement | undefined): string {
  if (!si) return '';
  return Array.from(si.getElementsByTagName('t'))
    .filter((t) => !closestPhonetic(t, si))
    .map((t) => t.textContent ?? '')
    .join('');
}

const closestPhonetic = (t: XmlElement, root: XmlElement) => {
  for (let node: XmlElement | null = t.parentElement; node && node !== root; node = node.parentElement)
    if (node.nodeName === 'rPh') return true;
  return false;
};

/** The cell styles (indexes into cellXfs) whose number format shows a date. */
function dateStyles(styles: XmlDocument | undefined): Set<number> {
  const custom = new Map(
    Array.from(styles?.getElementsByTagName('numFmt') ?? []).map((f) => [
      Number(f.getAttribute('numFmtId')),
      f.getAttribute('formatCode') ?? '',
    ]),
  );
  const isDate = (id: number) => {
    if (DATE_FORMATS.has(id)) return true;
    // A date format names days, months or years outside quoted text and [colour] brackets.
    const code = (custom.get(id) ?? '').replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
    return /[dy]/i.test(code) || /m.*[ds]|[hs].*m/i.test(code);
  };
  const xfs = styles?.getElementsByTagName('cellXfs')[0];
  const set = new Set<number>();
  Array.from(xfs?.children ?? []).forEach((xf, index) => {
    if (isDate(Number(xf.getAttribute('numFmtId')))) set.add(index);
  });
  return set;
}

/** An Excel serial date as ISO 8601: `2022-04-15`, or `2022-04-15 13:30` when it has a time. */
function isoDate(serial: number, epoch: number): string {
  // Day 60 of the 1900 system is 29 February 1900, a day that never was (Lotus 1-2-3's error).
  const days = serial + epoch - (serial < 60 && !epoch ? -1 : 0);
  const iso = new Date(Date.UTC(1899, 11, 30) + Math.round(days * DAY_MS)).toISOString();
  return serial % 1 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}
