import JSZip from 'jszip';
import { EXTRACTION_LIMITS } from './limits';
import { extractOdt } from './odt';

const NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"';

async function odtOf(text: string): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/vnd.oasis.opendocument.text', { compression: 'STORE' });
  zip.file(
    'content.xml',
    `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${NS}><office:body><office:text>${text}</office:text></office:body></office:document-content>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

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
