import JSZip from 'jszip';
import { EXTRACTION_LIMITS } from './limits';
import { extractEpub } from './epub';

/** An EPUB 3 book: its container, package and the given parts (name → XHTML or text). */
async function epubOf(opf: string, parts: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file(
    'META-INF/container.xml',
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
  );
  zip.file('OEBPS/content.opf', opf);
  for (const [name, text] of Object.entries(parts)) zip.file(`OEBPS/${name}`, text);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const page = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>x</title></head><body>${body}</body></html>`;

const OPF = `<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>The  Heron
  Book</dc:title></metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="c2" href="text/ch%202.xhtml" media-type="application/xhtml+xml"/>
    <item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="notes" href="notes.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="bad" href="100%.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="nav"/><itemref idref="c1"/><itemref idref="c2"/><itemref idref="css"/><itemref idref="bad"/><itemref idref="notes" linear="no"/></spine>
</package>`;

describe('extractEpub', () => {
  it('reads the chapters in spine order (a name that is not valid percent-encoding as it is), without navigation, non-linear parts or hidden text', async () => {
    const book = await epubOf(OPF, {
      'nav.xhtml': page('<nav epub:type="toc"><ol><li><a href="text/ch1.xhtml">Herons</a></li></ol></nav>'),
      'text/ch1.xhtml': page(
        '<h1>Herons</h1><p>The violet heron nests in reeds.</p><nav epub:type="landmarks"><a href="#">Start</a></nav><p hidden="">Hidden note.</p>',
      ),
      'text/ch 2.xhtml': page('<section><h2>Egrets</h2><ul><li>White</li><li>Tall</li></ul></section>'),
      'notes.xhtml': page('<p>Publisher notes.</p>'),
      'style.css': 'p { color: black }',
      '100%.xhtml': page('<p>Full marks.</p>'),
    });
    expect(extractEpub(book, EXTRACTION_LIMITS)).toEqual({
      kind: 'extracted',
      format: 'epub',
      title: 'The Heron Book',
      text: '# Herons\n\nThe violet heron nests in reeds.\n\n## Egrets\n\nWhite\nTall\n\nFull marks.',
    });
  });

  it('stops a chapter that inflates past the limit before reading it (a ZIP bomb)', async () => {
    const book = await epubOf(OPF, { 'text/ch1.xhtml': page(`<p>${'a'.repeat(3_000_000)}</p>`) });
    expect(book.length).toBeLessThan(50_000);
    expect(extractEpub(book, { ...EXTRACTION_LIMITS, zipPartBytes: 1_000_000 })).toEqual({
      kind: 'skipped',
      reason: 'OEBPS/text/ch1.xhtml expands to more than the limit of 977 KiB per part',
    });
  });

  it('skips a ZIP that names no package document', async () => {
    const zip = new JSZip();
    zip.file('mimetype', 'application/epub+zip');
    const bytes = await zip.generateAsync({ type: 'nodebuffer' });
    expect(extractEpub(bytes, EXTRACTION_LIMITS)).toEqual({
      kind: 'skipped',
      reason: 'EPUB without a package document (META-INF/container.xml)',
    });
  });
});
