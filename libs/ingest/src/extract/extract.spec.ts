import { gzipSync } from 'node:zlib';
import { buildDocx, buildPdf } from '../testing/fixtures';
import { EXTRACTION_LIMITS, extractFile } from './extract';
import { unescapedLines } from '@quarry/search';
import { escapeMarkdownLines, type ExtractedText } from './extraction';
import { linksOf } from './html';
import { htmlFragmentToText } from './html-text';

const text = (s: string) => Buffer.from(s, 'utf8');

async function extracted(bytes: Buffer, name: string): Promise<ExtractedText> {
  const result = await extractFile(bytes, name);
  if (result.kind !== 'extracted') throw new Error(`skipped: ${result.reason}`);
  return result;
}

describe('extractFile', () => {
  it('reads a PDF page by page, pages separated by form feeds', async () => {
    const pdf = await buildPdf(
      ['Apples grow on trees.', 'Pears are sweet.', 'The violet heron nests here.'],
      'Fruit',
    );
    const result = await extracted(pdf, 'fruit.pdf');
    expect(result).toMatchObject({ format: 'pdf', title: 'Fruit', pages: 3 });
    const pages = result.text.split('\f');
    expect(pages).toHaveLength(3);
    expect(pages[2]).toContain('violet heron');
  });

  it('joins the words a typeset PDF broke across lines, keeping the hyphens the document writes', async () => {
    // BibTeX's manual: "Suggestions for improve-" / "ments are wanted", found by no search for it.
    const pdf = await buildPdf([
      [
        'Suggestions for improve-',
        'ments are wanted; write a self-',
        'contained example (self-contained means no input files)',
        'and send it by e-',
        'mail to the PDF-',
        'based list. The refer-',
      ].join('\n'),
      'ence list follows.',
    ]);
    const [first, second] = (await extracted(pdf, 'bibtex.pdf')).text.split('\f');
    expect(first).toContain('Suggestions for improvements\nare wanted; write a self-contained\nexample');
    expect(first).toContain('by e-\nmail to the PDF-\nbased list. The reference\n');
    expect(second.trim()).toBe('list follows.');
  });

  it('reads accents a font without accented letters drew apart as accented letters, before or after them', async () => {
    // Computer Modern draws "´et´e" (accent first); Czech fonts "Mu¨ller"-like, the accent after.
    const before = await buildPdf(['Ce travail a \u00B4et\u00B4e publi\u00B4e, Mises `a jour, L\u00A8uck.']);
    expect((await extracted(before, 'fr.pdf')).text).toBe('Ce travail a été publié, Mises à jour, Lück.');
    const after = await buildPdf(['Mu\u00A8ller und Bru\u00A8cke, a\u00A8hnlich']);
    expect((await extracted(after, 'de.pdf')).text).toBe('Müller und Brücke, ähnlich');
    // A backtick is an accent only where the document draws its other accents so; a tilde over
    // no letter Unicode composes with stays.
    const code = await buildPdf(['Run `ale` and `ls` to see ~/x and \u02DC']);
    expect((await extracted(code, 'code.pdf')).text).toBe('Run `ale` and `ls` to see ~/x and \u02DC');
  });

  it('reads a PDF by content even without its extension', async () => {
    const pdf = await buildPdf(['Only page']);
    expect((await extracted(pdf, 'download')).format).toBe('pdf');
  });

  it('keeps the main content of an HTML page with its title and headings, without scripts and navigation', async () => {
    const html = `<!doctype html><html><head><title>Disk runbook</title><script>var tracking = 1;</script></head>
      <body><nav><a href="/">Home</a> <a href="/about">About us menu</a></nav>
      <main><h1>Disk full</h1><p>${'When the disk fills up, rotate the logs and remove old snapshots. '.repeat(6)}</p>
      <h2>Prevention</h2><p>${'Alert at eighty percent so there is time to act before writes fail. '.repeat(5)}</p></main>
      <footer>Copyright footer text</footer></body></html>`;
    const result = await extracted(text(html), 'disk.html');
    expect(result.title).toBe('Disk runbook');
    expect(result.text).toMatch(/^## Prevention$/m);
    expect(result.text).toContain('rotate the logs');
    expect(result.text).not.toContain('tracking');
    expect(result.text).not.toContain('About us menu');
    expect(result.text).not.toContain('Copyright footer');
  });

  it('reads a page of content alone, without <html>, as its body', async () => {
    // TeX Live's readme.ja.html: linkedom made its <h1> the document, with an empty body inside.
    const html = `<h1>Welcome to TeX Live</h1>\n<p>${'The distribution provides a complete TeX system. '.repeat(5)}</p>\n<h2>Getting started</h2>\n<p>Read the guide first.</p>`;
    const result = await extracted(text(html), 'readme.html');
    expect(result.title).toBe('Welcome to TeX Live');
    expect(result.text).toMatch(/^#+ Getting started$/m);
    expect(result.text).toContain('Read the guide first.');
  });

  it('drops the permalink marks documentation generators set beside headings and entries', async () => {
    const entry = 'Serialize obj as a JSON formatted stream to fp, a file-like object that supports write. ';
    const html = `<!doctype html><html><head><title>json</title></head><body><div class="body" role="main">
      <section id="module-path"><h2><span class="section-number">3.6. </span>Module Path<a class="headerlink" href="#module-path" title="Permalink to this heading">¶</a></h2>
      <p>${'Public modules must be installed in the system modules directory. '.repeat(5)}</p>
      <dl><dt id="json.dump"><code>json.dump(obj, fp)</code><a class="headerlink" href="#json.dump" title="Link to this definition">¶</a></dt><dd><p>${entry.repeat(3)}</p></dd></dl>
      <h2 id="traits">Traits<a href="#traits" class="anchor">§</a></h2><p>${'A trait is a collection of methods defined for an unknown type. '.repeat(4)} See <a href="#module-path">Module Path</a>, note <a href="#fn1">1</a>.</p>
      <h2 id="icons">Icons<a class="hash-link" href="#icons" aria-label="Direct link">&#8203;</a></h2><p>${'Every icon of the set is drawn on a grid of twenty-four pixels. '.repeat(4)}</p>
      </section></div></body></html>`;
    const result = await extracted(text(html), 'json.html');
    expect(result.text).toMatch(/^## 3\.6\. Module Path$/m);
    expect(result.text).toMatch(/^## Traits$/m);
    expect(result.text).toMatch(/^## Icons$/m);
    expect(result.text).toContain('json.dump(obj, fp)\n');
    expect(result.text).not.toMatch(/[¶§\u200b]/);
    // Links to a place on the page that say something are text.
    expect(result.text).toContain('See Module Path, note 1.');
  });

  it('drops the source links generators set in headings and entries ([src], [source])', async () => {
    // Node.js's API pages (`<a class="srclink">[src]</a>` in a module's heading) and Sphinx's
    // viewcode (`[source]` at the end of each entry's signature); a bracketed note in prose stays.
    const prose = 'A stream is an abstract interface for working with streaming data in Node.js. ';
    const html = `<!doctype html><html><head><title>Stream</title></head><body><div id="apicontent">
      <h2>Stream<a class="srclink" href="https://github.com/nodejs/node/blob/main/lib/stream.js#L55">[src]</a><span><a class="mark" href="#stream" id="stream">#</a></span></h2>
      <p>${prose.repeat(4)} Streams can be readable [see below].</p>
      <dl><dt id="bib-rfc2119"><a href="https://www.rfc-editor.org/rfc/rfc2119">[RFC2119]</a></dt><dd><p>${prose.repeat(2)}</p></dd></dl>
      <dl class="py function"><dt class="sig sig-object py" id="json.dump"><span class="sig-name">json.dump</span>(obj, fp)<a class="reference internal" href="../_modules/json.html#dump"><span class="viewcode-link"><span class="pre">[source]</span></span></a></dt><dd><p>${prose.repeat(3)}</p></dd></dl>
      </div></body></html>`;
    const result = await extracted(text(html), 'stream.html');
    expect(result.text).toMatch(/^## Stream$/m);
    expect(result.text).toContain('json.dump(obj, fp)\n');
    expect(result.text).not.toMatch(/\[src\]|\[source\]/);
    expect(result.text).toContain('Streams can be readable [see below].');
    // A citation's label is the entry's name.
    expect(result.text).toContain('[RFC2119]');
  });

  it('keeps the parts of a code block whose class names a comment (Readability drops them elsewhere)', async () => {
    // TeX Live's tracklang manual marks a TeX comment `<span class="comment">` inside <pre>; the
    // reader of the main content deletes elements named like comments outside <code> only.
    const prose = 'The tracklang package tracks which languages the user has requested through babel. ';
    const html = `<!doctype html><html><head><title>tracklang</title></head><body><article>
      <h2>Generic TeX</h2><p>${prose.repeat(5)}</p>
      <pre>\\input tracklang.tex <span class="comment">% v1.3</span>
\\TrackPredefinedDialect{british} <span class="comment">% load packages that use tracklang</span></pre>
      <p>${prose.repeat(4)}</p></article></body></html>`;
    const result = await extracted(text(html), 'tracklang.html');
    expect(result.text).toContain('\\input tracklang.tex % v1.3\n');
    expect(result.text).toContain('% load packages that use tracklang');
  });

  it("keeps a sentence whole around older HTML's inline elements (<acronym>, <tt>, <u>, <s>)", async () => {
    // The Debian handbook's DocBook (`<div class="para"><acronym>APT</acronym> is a vast project`):
    // the reader of the main content took these elements for blocks and broke the sentence there.
    const html = `<!doctype html><html><head><title>apt</title></head><body><div class="section">
      <h2>6.2. apt-get</h2>
      <div class="para"><acronym class="acronym">APT</acronym> is a vast project, whose original plans included a graphical interface.</div>
      <div class="para">Use the <tt>apt</tt> command to install packages, <u>never</u> <a href="dpkg.html"><tt>dpkg -i</tt></a> by hand, or the <s>old</s> <big>big</big> <strike>struck</strike> ways.</div>
      <div class="para">${'Both tools are built on top of the same library and are thus very close. '.repeat(4)}</div>
      </div></body></html>`;
    const result = await extracted(text(html), 'apt.html');
    expect(result.text).toContain('APT is a vast project, whose original plans');
    expect(result.text).toContain(
      'Use the apt command to install packages, never dpkg -i by hand, or the old big struck ways.',
    );
  });

  it("titles a page by its name, without the site's name its generator adds to every <title>", async () => {
    const prose = 'The tarfile module makes it possible to read and write tar archives. '.repeat(5);
    const page = (title: string, body: string) =>
      text(
        `<!doctype html><html><head><title>${title}</title></head><body>${body}<p>${prose}</p></body></html>`,
      );
    const sphinx = await extracted(
      page(
        'tarfile — Read and write tar archive files — Python 3.11.2 documentation',
        '<div role="main"><h1>tarfile — Read and write tar archive files<a class="headerlink" href="#t">¶</a></h1>',
      ),
      'tarfile.html',
    );
    expect(sphinx.title).toBe('tarfile — Read and write tar archive files');
    const mkdocs = await extracted(page('Site - Install', '<h1>Install</h1>'), 'install.html');
    expect(mkdocs.title).toBe('Install');
    // Node.js's pages: the <h1> is the site's banner, and the rest of the title is the page's heading.
    const banner = await extracted(
      page(
        'File system | Node.js v20.20.2 Documentation',
        '<h1>Node.js v20.20.2 documentation</h1><h2>File system</h2>',
      ),
      'fs.html',
    );
    expect(banner.title).toBe('File system');
    const unrelated = await extracted(
      page('Release notes - 2024', '<h1>Release notes</h1><h2>2023</h2>'),
      'notes.html',
    );
    expect(unrelated.title).toBe('Release notes');
    const other = await extracted(
      page('Errata: chapter 2', '<h1>Chapter 2</h1><h2>Errata</h2>'),
      'errata.html',
    );
    expect(other.title).toBe('Errata: chapter 2');
  });

  it('drops a table of contents from a page that says more, never a heading named like one', async () => {
    const prose = 'The TOC macro collects the headings of the document into a table of contents. '.repeat(4);
    const html = `<!doctype html><html><head><title>toc</title></head><body><div class="chapter">
      <h2>9. Contents</h2><div class="toc"><p>Table of Contents</p><dl><dt><a href="#a">9.1. Collecting headings</a></dt></dl></div>
      <h3 id="toc">The TOC macro</h3><p>${prose}</p><h3 id="a">9.1. Collecting headings</h3><p>${prose}</p></div></body></html>`;
    const result = await extracted(text(html), 'toc.html');
    expect(result.text).not.toContain('Table of Contents');
    expect(result.text.match(/9\.1\. Collecting headings/g)).toHaveLength(1);
    expect(result.text).toMatch(/^### The TOC macro$/m);
  });

  it('reads a DOCX with its headings', async () => {
    const docx = await buildDocx(['# Onboarding', 'New staff get a laptop on their first day.']);
    const result = await extracted(docx, 'onboarding.docx');
    expect(result).toMatchObject({ format: 'docx', title: 'Onboarding' });
    expect(result.text).toMatch(/^# Onboarding$/m);
    expect(result.text).toContain('laptop on their first day');
  });

  it('reads gzip-compressed text under its inner name', async () => {
    const result = await extracted(
      gzipSync(text('This package was debianized in 2001.\n')),
      'changelog.Debian.gz',
    );
    expect(result.format).toBe('text+gzip');
    expect(result.text).toContain('debianized');
  });

  it('reads a man page, headings from .SH, macros stripped', async () => {
    const roff = [
      '.\\" comment line',
      '.TH LS 1 "March 2024"',
      '.SH NAME',
      'ls \\- list directory contents',
      '.SH DESCRIPTION',
      'List information about the',
      '.B FILEs',
      '(the current directory by default).',
      '.TP',
      '.BR \\-a ", " \\-\\-all',
      'do not ignore entries starting with .',
    ].join('\n');
    const result = await extracted(gzipSync(text(roff)), 'ls.1.gz');
    expect(result).toMatchObject({ format: 'man+gzip', title: 'ls(1)' });
    expect(result.text).toMatch(/^# DESCRIPTION$/m);
    expect(result.text).toContain('ls - list directory contents');
    expect(result.text).toContain('List information about the FILEs (the current directory by default).');
    expect(result.text).toContain('-a, --all');
    expect(result.text).not.toMatch(/\\f|\.TP|comment line/);
  });

  it('turns reStructuredText titles into headings', async () => {
    const rst =
      'Guide\n=====\n\nIntro with :ref:`a link <target>` and ``code``.\n\nSetup\n-----\n\n.. note::\n   hidden\n\nRun it.\n';
    const result = await extracted(text(rst), 'guide.rst');
    expect(result.title).toBe('Guide');
    expect(result.text).toMatch(/^# Guide$/m);
    expect(result.text).toMatch(/^## Setup$/m);
    expect(result.text).toContain('Intro with a link and code.');
    expect(result.text).not.toContain('hidden');
  });

  it('reads extension-less READMEs as Markdown or text', async () => {
    expect((await extracted(text('# Tool\n\nDoes things.\n'), 'README')).format).toBe('markdown');
    expect((await extracted(text('Notes for Debian users.\n'), 'README.Debian')).format).toBe('text');
  });

  it('skips binary and empty files with the reason', async () => {
    await expect(extractFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), 'logo.png')).resolves.toEqual({
      kind: 'skipped',
      reason: 'PNG image (no text to index)',
    });
    await expect(extractFile(Buffer.from([1, 2, 0, 4, 5]), 'blob.bin')).resolves.toMatchObject({
      kind: 'skipped',
      reason: expect.stringContaining('binary'),
    });
    await expect(extractFile(Buffer.alloc(0), 'empty.txt')).resolves.toMatchObject({ reason: 'empty file' });
    await expect(extractFile(Buffer.from('%PDF-1.7 garbage'), 'broken.pdf')).resolves.toMatchObject({
      kind: 'skipped',
      reason: expect.stringContaining('PDF'),
    });
  });

  describe('limits (issue 20: ingestion bombs)', () => {
    it('refuses HTML over its size limit before parsing it', async () => {
      const html = `<!doctype html><html><body>${'<p>Paragraph of text.</p>'.repeat(2_000)}</body></html>`;
      await expect(extractFile(text(html), 'page.html', { limits: { htmlBytes: 10_000 } })).resolves.toEqual({
        kind: 'skipped',
        reason: expect.stringMatching(/^HTML page of \d+ KiB, more than the limit of 10 KiB$/),
      });
    });

    it('finds no links in a page over the HTML limit, which the crawler would not parse either', () => {
      const page = (padding: number) =>
        `<html><body><a href="/next">next</a><p>${'x'.repeat(padding)}</p></body></html>`;
      expect(linksOf(page(10), 'https://docs.example/')).toEqual(['https://docs.example/next']);
      expect(linksOf(page(EXTRACTION_LIMITS.htmlBytes), 'https://docs.example/')).toEqual([]);
    });

    it('refuses a PDF of more pages than the limit before reading any', async () => {
      const pdf = await buildPdf(['One.', 'Two.', 'Three.']);
      await expect(extractFile(pdf, 'three.pdf', { limits: { pdfPages: 2 } })).resolves.toEqual({
        kind: 'skipped',
        reason: 'PDF has 3 pages, more than the limit of 2',
      });
    });

    it('stops reading a PDF once its text outgrows a document', async () => {
      const pdf = await buildPdf(['A first page of text.', 'A second page of text.', 'A third.']);
      await expect(extractFile(pdf, 'long.pdf', { limits: { maxChars: 30 } })).resolves.toEqual({
        kind: 'skipped',
        reason: 'PDF has more than 30 characters of text (by page 2), more than a document may hold',
      });
    });

    it('stops inflating gzip at its limit', async () => {
      const bomb = gzipSync(Buffer.alloc(2_000_000, 'a'));
      await expect(
        extractFile(bomb, 'notes.txt.gz', { limits: { gzipBytes: 1024 * 1024 } }),
      ).resolves.toEqual({
        kind: 'skipped',
        reason: 'gzip content expands to more than the limit of 1 MiB',
      });
    });

    it('refuses text that cannot fit a document, and text that does not after extraction', async () => {
      await expect(
        extractFile(text('word '.repeat(100)), 'notes.txt', { limits: { maxChars: 100 } }),
      ).resolves.toMatchObject({
        kind: 'skipped',
        reason: expect.stringContaining('100 characters a document may hold'),
      });
      await expect(
        extractFile(text('word '.repeat(30)), 'notes.md', { limits: { maxChars: 100 } }),
      ).resolves.toEqual({
        kind: 'skipped',
        reason: '149 characters of text, more than the 100 a document may hold',
      });
    });

    it('refuses a DOCX whose document part inflates past the limit, before mammoth reads it', async () => {
      const docx = await buildDocx(['Bomb', 'x'.repeat(300_000)]);
      await expect(extractFile(docx, 'bomb.docx', { limits: { zipPartBytes: 100_000 } })).resolves.toEqual({
        kind: 'skipped',
        reason: 'word/document.xml expands to more than the limit of 98 KiB per part',
      });
    });

    it('kills an extraction that outgrows its heap limit, and says so', async () => {
      const html = `<!doctype html><html><body>${'<div><p>Nested <b>text</b> <a href="/x">link</a></p></div>'.repeat(60_000)}</body></html>`;
      await expect(extractFile(text(html), 'big.html', { limits: { memoryMb: 48 } })).resolves.toEqual({
        kind: 'skipped',
        reason: 'extraction needed more than the memory limit of 48 MB',
      });
      // The same limit is enough for an ordinary file: the input was what outgrew it.
      await expect(
        extractFile(text('An ordinary note.'), 'note.txt', { limits: { memoryMb: 48 } }),
      ).resolves.toMatchObject({ kind: 'extracted' });
    });

    it('kills an extraction that outlives its time budget, and the next file is read by a fresh worker', async () => {
      await extracted(text('Warm the worker up.'), 'warm.txt');
      const html = `<!doctype html><html><body>${'<div><p>Nested <b>text</b> <a href="/x">link</a></p></div>'.repeat(60_000)}</body></html>`;
      const started = performance.now();
      await expect(extractFile(text(html), 'slow.html', { limits: { timeMs: 200 } })).resolves.toEqual({
        kind: 'skipped',
        reason: 'extraction took longer than the limit of 0.2 s',
      });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect((await extracted(text('Still working.'), 'after.txt')).text).toBe('Still working.');
    });
  });
});

describe('escapeMarkdownLines', () => {
  it('escapes lines that read as Markdown so that unescapedLines (snippets) gives each line back', () => {
    const lines = [
      '# comment',
      '###### deep',
      '#',
      '```sh',
      '  ~~~',
      'a # b',
      '#hashtag',
      '\\# TeX',
      '\\\\```',
    ];
    const escaped = escapeMarkdownLines(lines.join('\n')).split('\n');
    expect(escaped.filter((line, i) => line !== lines[i])).toHaveLength(7);
    expect(escaped.some((line) => /^#{1,6}(\s|$)|^\s*```/.test(line))).toBe(false);
    expect(unescapedLines(escaped.join('\n'))).toBe(lines.join('\n'));
  });
});

describe('htmlFragmentToText', () => {
  // Old sites lay the whole page out in a table (libxslt's news page: a menu cell beside the
  // content cell, 85 version headings): its rows were joined into lines, every heading lost.
  it('reads a row whose cells hold headings or tables as blocks, headings kept', () => {
    const text = htmlFragmentToText(
      '<table><tr><td><table><tr><td><a href="/">Home</a></td></tr></table></td>' +
        '<td><h2>News</h2><h3>v1.1.35: Feb 16 2022</h3><p>Fixed a crash on a self-import.</p>' +
        '<h3>v1.1.34: Oct 30 2019</h3><p>Documented the security preferences.</p></td></tr></table>',
    );
    expect(text).toBe(
      'Home\n\n## News\n\n### v1.1.35: Feb 16 2022\n\nFixed a crash on a self-import.\n\n' +
        '### v1.1.34: Oct 30 2019\n\nDocumented the security preferences.',
    );
  });

  it('keeps a data row as one line of cells', () => {
    expect(
      htmlFragmentToText(
        '<table><tr><th>Option</th><th>Meaning</th></tr><tr><td><p>-S</p></td><td>sort by size</td></tr></table>',
      ),
    ).toBe('Option | Meaning\n-S | sort by size');
  });

  // Node.js's API pages give each example twice in one <pre>, as an ES module and as CommonJS, a
  // checkbox showing one: read as one block, the two ran together ("...'node:fs';const fs = ...").
  it('reads each <code> of a <pre> that holds several as a block of its own', () => {
    expect(
      htmlFragmentToText(
        '<pre><input class="js-flavor-toggle" type="checkbox" checked><code class="language-js mjs">' +
          "import * as fs from 'node:fs';</code><code class=\"language-js cjs\">const fs = require('node:fs');\n</code></pre>" +
          '<pre><code>one\ntwo\n</code></pre>' +
          '<pre><code>ar</code>   AR\n<code>gcc</code>  CC\n</pre>',
      ),
    ).toBe(
      "import * as fs from 'node:fs';\n\nconst fs = require('node:fs');\n\none\ntwo\n\nar   AR\ngcc  CC",
    );
  });
});
