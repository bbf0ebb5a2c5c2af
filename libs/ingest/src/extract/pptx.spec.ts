import JSZip from 'jszip';
import { EXTRACTION_LIMITS } from './limits';
import { extractFile } from './extract';
import { extractPptx } from './pptx';

const NS =
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const shape = (type: string | undefined, ...paragraphs: string[]) =>
  `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${type ? `<p:ph type="${type}"/>` : ''}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>${paragraphs
    .map((p) => `<a:p><a:r><a:t>${p}</a:t></a:r></a:p>`)
    .join('')}</p:txBody></p:sp>`;
const slide = (...shapes: string[]) =>
  `<p:sld ${NS}><p:cSld><p:spTree>${shapes.join('')}</p:spTree></p:cSld></p:sld>`;

/** A presentation whose slides are listed in `order` (names of ppt/slides/*.xml). */
async function pptxOf(slides: Record<string, string>, order: string[], title?: string): Promise<Buffer> {
  const zip = new JSZip();
  if (title)
    zip.file(
      'docProps/core.xml',
      `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${title}</dc:title></cp:coreProperties>`,
    );
  zip.file(
    'ppt/presentation.xml',
    `<p:presentation ${NS}><p:sldIdLst>${order.map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`).join('')}</p:sldIdLst></p:presentation>`,
  );
  zip.file(
    'ppt/_rels/presentation.xml.rels',
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${order
      .map((name, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/slide" Target="slides/${name}"/>`)
      .join('')}</Relationships>`,
  );
  for (const [name, xml] of Object.entries(slides)) zip.file(`ppt/slides/${name}`, xml);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

describe('extractPptx', () => {
  it("reads slides in the presentation's order, not their file names, without numbers and footers", async () => {
    const deck = await pptxOf(
      {
        'slide1.xml': slide(shape('title', 'Second'), shape(undefined, 'Later text')),
        'slide2.xml': slide(
          shape('ctrTitle', 'Herons'),
          shape('subTitle', 'Wading birds'),
          shape('sldNum', '7'),
          shape('ftr', 'Company confidential'),
        ),
        'slide3.xml': slide(shape(undefined, '# not a heading', 'second line')),
      },
      ['slide2.xml', 'slide1.xml', 'slide3.xml'],
    );
    expect(extractPptx(deck, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'pptx',
      title: 'Herons',
      pages: 3,
      text: '# Herons\n\nWading birds\n\f# Second\n\nLater text\n\f# Slide 3\n\n\\# not a heading\nsecond line',
    });
  });

  it("takes the first slide's title over the Title PowerPoint gives every deck, and leaves out a table's blank rows", async () => {
    const table = `<p:graphicFrame><a:graphic><a:graphicData><a:tbl>${[
      ['Option', 'Meaning', ''],
      ['-k', 'keep', ''],
      ['', '', ''],
    ]
      .map(
        (row) =>
          `<a:tr>${row.map((cell) => `<a:tc><a:txBody><a:p><a:r><a:t>${cell}</a:t></a:r></a:p></a:txBody></a:tc>`).join('')}</a:tr>`,
      )
      .join('')}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`;
    const deck = await pptxOf(
      { 'slide1.xml': slide(shape('ctrTitle', 'Gzip options'), table) },
      ['slide1.xml'],
      'PowerPoint Presentation',
    );
    expect(extractPptx(deck, EXTRACTION_LIMITS)).toMatchObject({
      title: 'Gzip options',
      text: '# Gzip options\n\nOption | Meaning\n-k | keep',
    });
  });

  it('stops a slide that inflates past the limit before reading it (a ZIP bomb)', async () => {
    const deck = await pptxOf({ 'slide1.xml': slide(shape(undefined, 'a'.repeat(3_000_000))) }, [
      'slide1.xml',
    ]);
    expect(deck.length).toBeLessThan(50_000);
    expect(extractPptx(deck, { ...EXTRACTION_LIMITS, zipPartBytes: 1_000_000 })).toEqual({
      kind: 'skipped',
      reason: 'ppt/slides/slide1.xml expands to more than the limit of 977 KiB per part',
    });
  });
});

describe('a deck that embeds a Word document', () => {
  it("is read as a deck, its one slide's title its text: the format comes from the parts its directory names, not from bytes inside a part", async () => {
    // An embedded file stored uncompressed holds its own directory, "word/document.xml" in plain bytes.
    const word = new JSZip();
    word.file('word/document.xml', '<w:document/>');
    const embedded = await word.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
    const deck = await JSZip.loadAsync(
      await pptxOf({ 'slide1.xml': slide(shape('title', 'Herons')) }, ['slide1.xml']),
    );
    deck.file('ppt/embeddings/notes.docx', embedded, { compression: 'STORE' });
    const bytes = await deck.generateAsync({ type: 'nodebuffer' });
    expect(bytes.includes('word/document.xml')).toBe(true);
    expect(await extractFile(bytes, 'deck.pptx')).toMatchObject({
      kind: 'extracted',
      format: 'pptx',
      title: 'Herons',
    });
  });
});
