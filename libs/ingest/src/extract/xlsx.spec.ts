import JSZip from 'jszip';
import { EXTRACTION_LIMITS } from './limits';
import { extractXlsx } from './xlsx';

const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

async function xlsxOf(parts: Record<string, string>, date1904 = false): Promise<Buffer> {
  const zip = new JSZip();
  zip.file(
    'xl/workbook.xml',
    `<workbook ${MAIN} ${R}><workbookPr${date1904 ? ' date1904="1"' : ''}/><sheets><sheet name="Birds" sheetId="1" r:id="rId1"/><sheet name="Secret" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>`,
  );
  zip.file(
    'xl/_rels/workbook.xml.rels',
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="t" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="t" Target="/xl/worksheets/sheet2.xml"/></Relationships>',
  );
  zip.file(
    'xl/styles.xml',
    `<styleSheet ${MAIN}><numFmts><numFmt numFmtId="164" formatCode="&quot;day&quot;\\ 0.00"/><numFmt numFmtId="165" formatCode="d mmm yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/></cellXfs></styleSheet>`,
  );
  for (const [name, xml] of Object.entries(parts)) zip.file(name, xml);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const sheet = (rows: string) => `<worksheet ${MAIN}><sheetData>${rows}</sheetData></worksheet>`;

describe('extractXlsx', () => {
  it('reads visible sheets by rows: shared, rich and inline strings, numbers, booleans and dates', async () => {
    const book = await xlsxOf({
      'xl/sharedStrings.xml': `<sst ${MAIN}><si><t>Heron</t></si><si><r><t>Violet </t></r><r><t>heron</t></r><rPh><t>ヘロン</t></rPh></si></sst>`,
      'xl/worksheets/sheet1.xml': sheet(
        [
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Seen</t></is></c></row>',
          '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>44666</v></c><c r="C2" s="2"><v>3.5</v></c><c r="D2" t="b"><v>1</v></c></row>',
          '<row r="3"><c r="A3" s="3"><v>1</v></c><c r="B3" s="4"><v>44666.5625</v></c><c r="C3"><f>SUM(C2)</f><v></v></c></row>',
        ].join(''),
      ),
      'xl/worksheets/sheet2.xml': sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>hidden</t></is></c></row>',
      ),
    });
    expect(extractXlsx(book, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'xlsx',
      title: undefined,
      pages: 1,
      text: '# Birds\n\nHeron | Seen\nViolet heron | 2022-04-15 | 3.5 | TRUE\n1900-01-01 | 2022-04-15 13:30',
    });
  });

  it('counts dates from 1904 when the workbook says so', async () => {
    const book = await xlsxOf(
      { 'xl/worksheets/sheet1.xml': sheet('<row r="1"><c r="A1" s="1"><v>43204</v></c></row>') },
      true,
    );
    expect(extractXlsx(book, EXTRACTION_LIMITS)).toMatchObject({ text: '# Birds\n\n2022-04-15' });
  });

  it('stops a sheet that inflates past the limit before reading it (a ZIP bomb)', async () => {
    const book = await xlsxOf({
      'xl/worksheets/sheet1.xml': sheet(`<row r="1">${'<c/>'.repeat(300_000)}</row>`),
    });
    expect(book.length).toBeLessThan(50_000);
    expect(extractXlsx(book, { ...EXTRACTION_LIMITS, zipPartBytes: 1_000_000 })).toEqual({
      kind: 'skipped',
      reason: 'xl/worksheets/sheet1.xml expands to more than the limit of 977 KiB per part',
    });
  });
});
