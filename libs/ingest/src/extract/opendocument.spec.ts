import JSZip from 'jszip';
import { EXTRACTION_LIMITS } from './limits';
import { extractOdp, extractOds, extractOdt } from './opendocument';

const NS = [
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"',
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
  'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"',
  'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"',
  'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"',
].join(' ');

async function packageOf(
  kind: 'text' | 'presentation' | 'spreadsheet',
  body: string,
  styles = '',
): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', `application/vnd.oasis.opendocument.${kind}`, { compression: 'STORE' });
  zip.file(
    'content.xml',
    `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${NS}><office:automatic-styles>${styles}</office:automatic-styles><office:body><office:${kind}>${body}</office:${kind}></office:body></office:document-content>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const odtOf = (text: string) => packageOf('text', text);

describe('extractOdt', () => {
  it('leaves out the table of contents, comments and tracked deletions, and reads white space as ODF defines it', async () => {
    const doc = await odtOf(
      [
        '<text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted words.</text:p></text:deletion></text:changed-region></text:tracked-changes>',
        '<text:table-of-content><text:index-body><text:p>Herons ..... 1</text:p></text:index-body></text:table-of-content>',
        '<text:h text:outline-level="9">Herons</text:h>',
        '<text:p>The   violet\n heron<office:annotation><text:p>Check this.</text:p></office:annotation> nests<text:tab/>here.</text:p>',
        '<text:p># not a heading<text:line-break/>a<text:s text:c="3"/>b</text:p>',
      ].join(''),
    );
    expect(extractOdt(doc, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'odt',
      title: 'Herons',
      text: '###### Herons\n\nThe violet heron nests\there.\n\n\\# not a heading\na   b',
    });
  });

  it('stops content that inflates past the limit before reading it (a ZIP bomb)', async () => {
    const doc = await odtOf(`<text:p>${'a'.repeat(3_000_000)}</text:p>`);
    expect(doc.length).toBeLessThan(50_000);
    expect(extractOdt(doc, { ...EXTRACTION_LIMITS, zipPartBytes: 1_000_000 })).toEqual({
      kind: 'skipped',
      reason: 'content.xml expands to more than the limit of 977 KiB per part',
    });
  });
});

const frame = (kind: string, ...paragraphs: string[]) =>
  `<draw:frame${kind ? ` presentation:class="${kind}"` : ''}><draw:text-box>${paragraphs.map((p) => `<text:p>${p}</text:p>`).join('')}</draw:text-box></draw:frame>`;

describe('extractOdp', () => {
  it('reads slides as pages under their titles, with shapes and notes, without numbers and footers', async () => {
    const deck = await packageOf(
      'presentation',
      [
        `<draw:page>${frame('title', 'Herons')}${frame('page-number', '1')}${frame('footer', 'Confidential')}<draw:custom-shape><text:p>A shape's words</text:p></draw:custom-shape><presentation:notes>${frame('notes', 'Say hello.')}</presentation:notes></draw:page>`,
        `<draw:page>${frame('', 'No title here')}</draw:page>`,
      ].join(''),
    );
    expect(extractOdp(deck, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'odp',
      title: 'Herons',
      pages: 2,
      text: "# Herons\n\nA shape's words\n\nSay hello.\n\f# Slide 2\n\nNo title here",
    });
  });
});

describe('extractOds', () => {
  it('reads a million repeated rows and a thousand repeated cells once, never expanded (a declared-size bomb)', async () => {
    // The attack: a few bytes that declare 10^6 rows of 10^4 cells each, all holding text.
    const bomb = await packageOf(
      'spreadsheet',
      '<table:table table:name="Big"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="10000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>',
    );
    expect(extractOds(bomb, EXTRACTION_LIMITS)).toMatchObject({ text: '# Big\n\nx' });
  });

  it('reads visible sheets by rows, dates as ISO dates and merged cells as empty ones', async () => {
    const book = await packageOf(
      'spreadsheet',
      [
        '<table:table table:name="Birds"><table:table-row><table:table-cell office:value-type="string"><text:p>Heron</text:p></table:table-cell>',
        '<table:table-cell office:value-type="date" office:date-value="2022-04-15"><text:p>15/04/22</text:p></table:table-cell>',
        '<table:table-cell office:value-type="date" office:date-value="2022-04-15T13:30:00"><text:p>13:30</text:p></table:table-cell></table:table-row>',
        '<table:table-row><table:covered-table-cell/><table:table-cell office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table>',
        '<table:table table:name="Secret" table:style-name="ta2"><table:table-row><table:table-cell><text:p>hidden</text:p></table:table-cell></table:table-row></table:table>',
      ].join(''),
      '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>',
    );
    expect(extractOds(book, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'ods',
      title: undefined,
      pages: 1,
      text: '# Birds\n\nHeron | 2022-04-15 | 2022-04-15 13:30\n | 50%',
    });
  });
});
