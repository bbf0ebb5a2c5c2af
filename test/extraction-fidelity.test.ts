import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { extractFile } from '../libs/ingest/src/extract/extract';
import { extractContent } from '../libs/ingest/src/extract/extract-content';
import type { Extraction, ExtractedText } from '../libs/ingest/src/extract/extraction';
import { EXTRACTION_LIMITS } from '../libs/ingest/src/extract/limits';
import { extractMan } from '../libs/ingest/src/extract/man';
import { chunkDocument } from '../libs/search/src/structured-chunker';
import { highlightPassages, queryTerms } from '../libs/search/src/highlighter';
import { pageLabelRuns, withPageLabels } from '../libs/search/src/page-labels';
import { describeLocation } from '../libs/search/src/hit-location';

/*
 * Issue 24: real files from Debian packages (test/fixtures/fidelity, see its README) read through
 * the extraction worker, with the text, headings and pages a reader of the file sees.
 */
const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', 'fidelity', name));

function expectExtracted(result: Extraction): asserts result is ExtractedText {
  expect(result).toMatchObject({ kind: 'extracted' });
}

async function extracted(name: string, bytes = fixture(name)): Promise<ExtractedText> {
  const result = await extractFile(bytes, name);
  expectExtracted(result);
  return result;
}

// A page's text follows a form feed on the same line.
const headingsOf = (text: string) => [...text.matchAll(/^\f?(#{1,6}) (.+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
/** The section path of the first chunk of `text` that holds `words`. */
const headingOf = (text: string, words: string) =>
  chunkDocument(text).find((c) => c.text.includes(words))?.location.heading;
const sectionHeadings = (text: string) =>
  new Set(chunkDocument(text).map((chunk) => (chunk.location.heading ?? []).join(' > ')));

describe('man pages are rendered by mandoc', () => {
  it('an mdoc page (ssh.1, openssh-client) keeps the words of its macros and leaks no macro names', async () => {
    const ssh = await extracted('ssh.1.gz');
    expect(ssh).toMatchObject({ format: 'man+gzip', title: 'ssh(1)' });
    const text = ssh.text.replace(/\s+/g, ' ');
    expect(text).toContain('ssh (SSH client) is a program for logging into a remote machine');
    expect(text).toMatch(
      /If the ForwardAgent variable is set to .yes. \(or see the description of the -A and -a options above\)/,
    );
    expect(text).toContain('-o option');
    expect(text).not.toMatch(/\b(Fl|Ar|Nm|Cm|Dq|Op) [-\w]/);
    expect(headingsOf(ssh.text)).toEqual(
      expect.arrayContaining([
        '# NAME',
        '# SYNOPSIS',
        '# DESCRIPTION',
        '# AUTHENTICATION',
        '# VERIFYING HOST KEYS',
        '# SEE ALSO',
      ]),
    );
  });

  it('a help2man page (ls.1, coreutils) shows its options, not its font escapes', async () => {
    const ls = await extracted('ls.1.gz');
    expect(ls).toMatchObject({ format: 'man+gzip', title: 'ls(1)' });
    expect(ls.text).toContain('ls [OPTION]... [FILE]...');
    expect(ls.text).toContain('--sort=WORD');
    expect(ls.text).not.toMatch(/\[,|,\w+\/|\\f/);
    expect(headingsOf(ls.text)).toEqual([
      '# NAME',
      '# SYNOPSIS',
      '# DESCRIPTION',
      '## Exit status:',
      '# AUTHOR',
      '# REPORTING BUGS',
      '# COPYRIGHT',
      '# SEE ALSO',
    ]);
    // The page's option list reads as one line per option and its description.
    expect(ls.text).toMatch(/^-a, --all\ndo not ignore entries starting with \.$/m);
  });

  it('a DocBook page (git-clean.1, git-man) tags each option as ls does, so its passage shows the option', async () => {
    const page = await extracted('git-clean.1.gz');
    // mandoc sets a DocBook page's option as a paragraph before an indented block: read as its own
    // paragraph, it was a passage apart from the text it names.
    expect(page.text).toMatch(
      /^-n, --dry-run\nDon’t actually remove anything, just show what would be done\.$/m,
    );
    const chunk = chunkDocument(page.text).find((c) => c.text.includes('--dry-run'))!;
    const { best } = highlightPassages(chunk.text, queryTerms('show what would be removed without removing'));
    expect(best?.replace(/<\/?em>/g, '')).toMatch(/^-n, --dry-run Don’t actually remove anything/);
  });

  it('without mandoc the built-in reader reads the page and the format says so', async () => {
    const result = await extractMan(fixtureInflated('ls.1.gz'), EXTRACTION_LIMITS, 'quarry-no-such-mandoc');
    expect(result).toMatchObject({
      kind: 'extracted',
      format: 'man (built-in roff reader: mandoc is not installed)',
    });
  });

  it('a page mandoc renders beyond the HTML limit is skipped, naming the limit', async () => {
    const result = await extractContent(fixture('ssh.1.gz'), 'ssh.1.gz', {
      ...EXTRACTION_LIMITS,
      htmlBytes: 10_000,
      maxChars: 1_000_000,
    });
    expect(result).toEqual({
      kind: 'skipped',
      reason: 'man page renders to more than the limit of 10 KiB of HTML',
    });
  });
});

function fixtureInflated(name: string): Buffer {
  return gunzipSync(fixture(name));
}

describe('PDF structure comes from the PDF', () => {
  it('the shared-mime-info spec: outline headings on their pages, a "#" line is text, title from metadata or first heading', async () => {
    const spec = await extracted('shared-mime-info-spec.pdf');
    expect(spec.pages).toBe(17);
    const headings = headingsOf(spec.text);
    expect(headings).not.toContainEqual(expect.stringContaining('DO NOT EDIT'));
    expect(headings).toEqual(
      expect.arrayContaining(['# 1. Introduction', '# 2. Unified system', '# 3. Contributors']),
    );
    expect(spec.text).toContain('update-mime-database command. DO NOT EDIT!');
    const sections = sectionHeadings(spec.text);
    expect([...sections].filter((h) => h.includes('DO NOT EDIT'))).toEqual([]);
    expect(sections).toContain('1. Introduction > 1.1. Version');
    expect(sections).toContain('2. Unified system > 2.4. The glob files');
    // The section heading sits on the page its outline entry points to.
    const pages = spec.text.split('\f');
    const introduction = pages.findIndex((page) => /^\f?# 1\. Introduction$/m.test(page));
    expect(introduction).toBeGreaterThanOrEqual(0);
    // No Title in its metadata: the title page's largest line.
    expect(spec.title).toBe('Shared MIME-info Database');
  });

  it('without an outline, larger type makes headings and a line starting with "#" stays text', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const body = [
      'The cache is rebuilt whenever a package installs a MIME type.',
      '# update-mime-database command. DO NOT EDIT!',
      'Applications read the generated files and never the sources.',
    ];
    for (const heading of ['Overview', 'Cache format']) {
      const page = pdf.addPage();
      page.drawText(heading, { x: 50, y: 760, size: 20, font });
      body.forEach((line, i) => page.drawText(line, { x: 50, y: 720 - i * 16, size: 11, font }));
    }
    const result = await extracted('generated.pdf', Buffer.from(await pdf.save()));
    expect(headingsOf(result.text)).toEqual(['# Overview', '# Cache format']);
    expect(result.title).toBe('Overview');
    expect(result.text).toContain('\\# update-mime-database command. DO NOT EDIT!');
    expect(result.text.split('\f')).toHaveLength(2);
    expect([...sectionHeadings(result.text)]).toEqual(['Overview', 'Cache format']);
  });

  it('a contents entry set in larger type is no heading', async () => {
    // dvips' manual sets its chapters' contents entries a little larger than the body: each read
    // as a heading, and, one under the other, as one heading of the whole table of contents.
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    const contents = pdf.addPage();
    ['1 Why use Dvips? . . . . . . . . 1', '2 Installation . . . . . . . . . 2'].forEach((line, i) =>
      contents.drawText(line, { x: 50, y: 760 - i * 18, size: 14, font }),
    );
    contents.drawText('2.1 config.ps installation . . . . . 3', { x: 50, y: 700, size: 11, font });
    const page = pdf.addPage();
    page.drawText('1 Why use Dvips?', { x: 50, y: 760, size: 20, font });
    ['The Dvips program has a number of features.', 'It sets it apart from other drivers.'].forEach(
      (line, i) => page.drawText(line, { x: 50, y: 720 - i * 16, size: 11, font }),
    );
    const result = await extracted('dvips.pdf', Buffer.from(await pdf.save()));
    expect(headingsOf(result.text)).toEqual(['# 1 Why use Dvips?']);
    expect(result.text).toContain('1 Why use Dvips? . . . . . . . . 1\n2 Installation . . . . . . . . . 2');
  });
});

describe('French set in a font without accented letters (font-change_FRENCH.pdf, pages 1-3)', () => {
  it('reads each accent drawn apart from its letter as the accented letter', async () => {
    const manual = await extracted('font-change-french-1-3.pdf');
    // Drawn "Ce travail a ´et´e publi´e", "Partage `a l'Identique": "été" was found by no search.
    expect(manual.text).toContain('Ce travail a été publié sous la licence Creative Commons');
    expect(manual.text).toContain('Vous êtes donc libres');
    expect(manual.text).toContain('et de Partage à l’Identique.');
    expect(manual.text).toContain('45 Variantes esthétiques');
    expect(manual.text).not.toMatch(/[\u00B4\u00A8\u02C6`]\p{L}/u);
  });
});

describe('a manual with a table of contents and an index (libtasn1.pdf)', () => {
  it('locates a function where it is documented: the contents and the index are text but no passage', async () => {
    const manual = await extracted('libtasn1.pdf');
    // Both stay in the document's text, so the document is found by every word in them.
    expect(manual.text).toContain('Function and Data Index');
    expect(manual.text).toMatch(/asn1_der_coding[ .]+\. \. \. \d+/);
    const chunks = chunkDocument(manual.text);
    // No chunk is a list of dot-leader entries (the contents on page 3, the index at the end).
    expect(chunks.filter((c) => /(?: \.){5,}/.test(c.text)).map((c) => c.location.page)).toEqual([]);
    expect(chunks.filter((c) => c.location.heading?.includes('Function and Data Index'))).toEqual([]);
    // Where asn1_der_coding is documented (its synopsis), not the index page that lists it.
    const documented = chunks.filter((c) => c.text.includes('int asn1_der_coding ('));
    expect(documented.map((c) => c.location.page)).toEqual([20]);
    expect(documented[0].location.heading).toEqual(['4 Function reference', '4.3 DER functions']);
  });

  it('reads the words TeX broke across lines whole, and leaves a name with a minus in it as it is', async () => {
    const manual = await extracted('libtasn1.pdf');
    // Typeset "manip-" / "ulation.": found by no search for "manipulation" (23 such words here).
    expect(manual.text).toContain('Distinguished Encoding Rules (DER) manipulation.');
    expect(manual.text).toContain('structures management,');
    expect(manual.text).not.toMatch(/(?<![\p{L}\p{N}])\p{Ll}+-\n\p{Ll}{2}/u);
    // A time format is no word: "YYMMDDhhmm-" / "hh'mm'" keeps its minus.
    expect(manual.text).toContain('"YYMMDDhhmm-\nhh’mm’"');
  });

  it("opens each section at its own heading line, numbered as the page numbers it, though the outline's entry leaves the number out", async () => {
    const manual = await extracted('libtasn1.pdf');
    // The outline says "DER functions" of the line "4.3 DER functions", set halfway down file
    // page 18 under the end of section 4.2: that end stays in 4.2.
    const chunks = chunkDocument(manual.text);
    const endOf42 = chunks.find((c) => c.text.includes('Returns the value a data node inside a asn1 node'))!;
    expect(endOf42.location).toMatchObject({ page: 18 });
    expect(endOf42.location.heading).toEqual(['4 Function reference', '4.2 ASN.1 field functions']);
    expect(headingsOf(manual.text)).toEqual(
      expect.arrayContaining([
        '## 2.1 ASN.1 syntax',
        '## 4.3 DER functions',
        '## A.1 GNU Free Documentation License',
      ]),
    );
    // Each once, in the manual's order.
    const sections = headingsOf(manual.text).filter((h) => /^#+ [\dA]/.test(h));
    expect(sections).toEqual([...new Set(sections)]);
    expect(sections.indexOf('## 4.2 ASN.1 field functions')).toBeLessThan(
      sections.indexOf('## 4.3 DER functions'),
    );
  });

  it("names a page by the number printed on it: file page 20 is the manual's page 17", async () => {
    const manual = await extracted('libtasn1.pdf');
    // Two title pages (T-1, T-2) and the contents (i) come before page 1.
    const runs = pageLabelRuns(manual.pageLabels!);
    expect(runs).toEqual([
      [1, 'T-1'],
      [3, 'i'],
      [4, '1'],
    ]);
    const chunks = withPageLabels(chunkDocument(manual.text), runs);
    const documented = chunks.find((c) => c.text.includes('int asn1_der_coding ('))!;
    expect(documented.location).toMatchObject({ page: 20, pageLabel: '17' });
    expect(describeLocation(documented.location)).toBe(
      'p. 17 (PDF page 20), 4 Function reference > 4.3 DER functions, lines ' +
        `${documented.location.lines[0]}-${documented.location.lines[1]}`,
    );
  });
});

describe("a GNU manual's title page and outline (asymptote-manual-1-9.pdf)", () => {
  it('takes the title from the title page and reads each of its lines once, as a line', async () => {
    const manual = await extracted('asymptote-manual-1-9.pdf');
    expect(manual.title).toBe('Asymptote: the Vector Graphics Language');
    // The version line and the logo below it had no line end between them, and the logo's letters
    // are drawn eleven times, half a point apart.
    expect(manual.text).toMatch(/^For version 2\.85$/m);
    expect(manual.text).not.toContain('symptotesymptote');
  });

  it('opens each subsection where its numbered line is, not at the top of its page', async () => {
    const manual = await extracted('asymptote-manual-1-9.pdf');
    expect(headingsOf(manual.text)).toEqual(
      expect.arrayContaining([
        '# 2 Installation',
        '## 2.1 UNIX binary distributions',
        '## 2.2 MacOS X binary distributions',
        '## 2.3 Microsoft Windows',
      ]),
    );
    expect(headingOf(manual.text, 'After following the instructions for your specific distribution')).toEqual(
      ['2 Installation'],
    );
    expect(headingOf(manual.text, 'We release both tgz and RPM binary distributions')).toEqual([
      '2 Installation',
      '2.1 UNIX binary distributions',
    ]);
    expect(headingOf(manual.text, 'MacOS X users can either compile the UNIX source code')).toEqual([
      '2 Installation',
      '2.2 MacOS X binary distributions',
    ]);
  });
});

describe('running heads and feet are page furniture, not text', () => {
  it('a man page printed to PDF by mandoc: no page starts or ends with its head or foot', async () => {
    const pdf = execFileSync('mandoc', ['-Tpdf'], { input: gunzipSync(fixture('ls.1.gz')) });
    const manual = await extracted('ls.pdf', pdf);
    const pages = manual.text.split('\f');
    expect(pages.length).toBeGreaterThan(3);
    expect(manual.text).not.toContain('LS(1) User Commands LS(1)');
    expect(manual.text).not.toMatch(/GNU coreutils [\d.]+ \w+ \d{4} LS\(1\)/);
    // The options on those pages are all there.
    expect(manual.text).toMatch(/^-S sort by file size, largest first$/m);
    expect(manual.text).toContain('--hide=PATTERN');
  });

  it('a manual whose running head carries the chapter and page number, and a specification headed by its title', async () => {
    const manual = await extracted('libtasn1.pdf');
    expect(manual.text).not.toMatch(/^Chapter \d+: .* \d+$/m);
    const spec = await extracted('shared-mime-info-spec.pdf');
    expect(spec.title).toBe('Shared MIME-info Database');
    expect(spec.text).not.toMatch(/^Shared MIME-info Database$/m);
    expect(spec.text).toContain('## 1.3. Language used in this specification');
  });

  it("a manual whose running head puts the page number first on odd pages and last on even ones (LuaTeX's)", async () => {
    // Drawn number first and title after with no space between, "13Introduction" and
    // "Introduction14" began its pages, each shape on two pages only, too few to be furniture.
    const manual = await extracted('luatex-17-20.pdf');
    expect(manual.text).not.toMatch(/^(#+ )?\d+ ?Introduction$/m);
    expect(manual.text).not.toMatch(/^Introduction ?\d+$/m);
    expect(headingsOf(manual.text)).toEqual(['# Introduction']);
    expect(manual.text).toContain('on so called whatsits but on real nodes with relevant properties');
  });
});

describe('HTML shows what its reader sees', () => {
  it('a libffi manual page: what the page hides is dropped', async () => {
    const page = await extracted('libffi-closure-example.html');
    for (const hidden of [
      'Keyboard shortcuts',
      'Press n for the next node',
      'Template search result',
      'Hidden attribute banner',
      'Decorative aria hidden',
      'Inline hidden cookie notice',
    ])
      expect(page.text).not.toContain(hidden);
    // The example is kept (the @media print rule that hides it applies to print only).
    expect(page.text).toContain('#include <stdio.h>');
  });

  it('a libffi manual page: the heading named like comments is kept', async () => {
    const page = await extracted('libffi-closure-example.html');
    expect(headingsOf(page.text)[0]).toBe('### 2.6 Closure Example');
    expect(page.text).toContain('A trivial example that creates a new puts by binding fputs with stdout.');
    expect(page.text).toContain('ffi_closure_free(closure);');
    expect([...sectionHeadings(page.text)][0]).toBe('2.6 Closure Example');
  });

  // Readability takes a page's best-scoring block and its siblings. An AsciiDoc manual page is
  // sibling sections under a header holding its NAME line: it came out as the OPTIONS list alone
  // (git-blame: 9.6 of 16.4 thousand characters, no heading), or without its NAME line (git-stash).
  const GIT_BLAME_SECTIONS = [
    '# git-blame(1) Manual Page',
    '## NAME',
    '## SYNOPSIS',
    '## DESCRIPTION',
    '## OPTIONS',
    '## THE DEFAULT FORMAT',
    '## THE PORCELAIN FORMAT',
    '## SPECIFYING RANGES',
    '## INCREMENTAL OUTPUT',
    '## MAPPING AUTHORS',
    '## CONFIGURATION',
    '## SEE ALSO',
    '## GIT',
  ];

  it('an AsciiDoc manual page (git-blame, git-doc) keeps every section, not only its longest', async () => {
    const page = await extracted('git-blame.html');
    expect(headingsOf(page.text)).toEqual(GIT_BLAME_SECTIONS);
    expect(page.text).toContain(
      '## NAME\n\ngit-blame - Show what revision and author last modified each line of a file\n',
    );
    expect(page.text).toContain('Annotates each line in the given file with information from the revision');
    expect(page.text).toContain('--root\nDo not treat root commits as boundaries.');
    // The page's footer (`<div id="footer">`) is not text.
    expect(page.text).not.toMatch(/Last updated/);
  });

  it('an AsciiDoc manual page whose sections Readability keeps (git-stash) keeps its NAME line, once, in its place', async () => {
    const page = await extracted('git-stash.html');
    const name = 'git-stash - Stash the changes in a dirty working directory away';
    expect(headingsOf(page.text).slice(0, 4)).toEqual([
      '# git-stash(1) Manual Page',
      '## NAME',
      '## SYNOPSIS',
      '## DESCRIPTION',
    ]);
    expect(page.text.startsWith(`# git-stash(1) Manual Page\n\n## NAME\n\n${name}\n\n## SYNOPSIS\n`)).toBe(
      true,
    );
    expect(page.text.split(name)).toHaveLength(2);
    const chunk = chunkDocument(page.text)[0];
    expect(chunk.location.heading).toEqual(['git-stash(1) Manual Page', 'NAME']);
    expect(chunk.text).toContain(name);
  });

  it('an AsciiDoc manual page Readability cuts short (git-status) keeps the sections after the ones it holds', async () => {
    const page = await extracted('git-status.html');
    const headings = headingsOf(page.text).filter((h) => h.startsWith('## '));
    expect(headings).toEqual([
      '## NAME',
      '## SYNOPSIS',
      '## DESCRIPTION',
      '## OPTIONS',
      '## OUTPUT',
      '## CONFIGURATION',
      '## BACKGROUND REFRESH',
      '## SEE ALSO',
      '## GIT',
    ]);
    expect(page.text).toContain('By default, git status will automatically refresh the index');
    expect(
      page.text.split('The output from this command is designed to be used as a commit template comment.'),
    ).toHaveLength(2);
  });

  it('a DocBook page (the Debian handbook) keeps each sentence whole around its <acronym> marks', async () => {
    // Readability took `<acronym>`, which it does not count as inline, for a block: "Integrated
    // Development Environments (", "IDE", ") optimized for…" were three lines, two paragraphs apart.
    const page = await extracted('debian-handbook-development.html');
    expect(page.text).toContain(
      'are Integrated Development Environments (IDE) optimized for creating GTK+ applications for GNOME.',
    );
    expect(page.text).not.toMatch(/^[A-Z]{2,}$/m);
  });

  it("a DocBook page (PostgreSQL's cube) without its table of contents and bars of links", async () => {
    const page = await extracted('postgresql-cube.html');
    expect(page.title).toBe('F.11. cube');
    // Its sections' titles were the first passage's text before its first paragraph.
    expect(page.text.startsWith('## F.11. cube\n\nThis module implements a data type cube')).toBe(true);
    expect(page.text).toMatch(/^### F\.11\.1\. Syntax$/m);
    expect(page.text.match(/F\.11\.1\. Syntax/g)).toHaveLength(1);
    expect(page.text).not.toMatch(/Prev \| Up|\| Home \|/);
  });

  it("a DocBook chapter page that is its table of contents (PostgreSQL's BRIN) keeps it, without its bars of links", async () => {
    const page = await extracted('postgresql-brin.html');
    expect(page.text).toBe(
      [
        '## Chapter 71. BRIN Indexes',
        '',
        'Table of Contents',
        '',
        '71.1. Introduction',
        '71.1.1. Index Maintenance',
        '71.2. Built-in Operator Classes',
        '71.2.1. Operator Class Parameters',
        '71.3. Extensibility',
      ].join('\n'),
    );
  });

  it("a Sphinx page (Python's glob) is titled without the documentation's name Sphinx adds to every title", async () => {
    const page = await extracted('python-glob.html');
    expect(page.title).toBe('glob — Unix style pathname pattern expansion');
    expect(headingsOf(page.text)[0]).toBe('# glob — Unix style pathname pattern expansion');
  });

  it("a Sphinx page (Python's urllib.error) keeps an API entry whose name reads like page furniture", async () => {
    // `id="urllib.error.HTTPError.headers"`: Readability deletes what its id calls a header.
    const page = await extracted('python-urllib-error.html');
    expect(page.text).toContain(
      'headers\nThe HTTP response headers for the HTTP request that caused the HTTPError.',
    );
  });

  it("a page's banner it marks as not for search (SQLite's nosearch) is not text", async () => {
    const page = await extracted('sqlite-quickstart.html');
    expect(page.title).toBe('SQLite In 5 Minutes Or Less');
    expect(page.text).not.toMatch(/Small\. Fast\. Reliable\.|Choose any three|^Download$/m);
    expect(page.text.startsWith('Here is what you do to start experimenting with SQLite')).toBe(true);
    expect(page.text).toMatch(/^## Create A New Database$/m);
  });

  it("a short Sphinx page (Python's urllib) reads as its content, not as its footer", async () => {
    // Readability took the copyright notice in Sphinx's `div.footer` for the article of this page.
    const page = await extracted('python-urllib.html');
    expect(page.text).toContain('urllib is a package that collects several modules for working with URLs:');
    expect(page.text).toContain('urllib.robotparser for parsing robots.txt files');
    expect(page.text).not.toMatch(/Copyright|Created using Sphinx/);
  });

  it("a Sphinx chapter page (Python's Cryptographic Services) reads as its introduction, without its tree of contents", async () => {
    const page = await extracted('python-crypto.html');
    expect(page.text).toBe(
      '# Cryptographic Services\n\nThe modules described in this chapter implement various algorithms of a ' +
        'cryptographic nature. They are available at the discretion of the installation. On Unix systems, ' +
        'the crypt module may also be available. Here’s an overview:',
    );
  });

  it('navigation inside the article (a contents box) and footers are not text', async () => {
    const paragraph = (n: string) =>
      `<p>${n} The database of MIME types is rebuilt by a trigger whenever a package installs a type.</p>`;
    const html = Buffer.from(
      '<!doctype html><html><head><title>Globs</title></head><body><div class="body" role="main">' +
        `<h1>The glob files</h1>${paragraph('One.')}${paragraph('Two.')}` +
        '<nav class="contents"><p>On this page: Globs, Magic, Aliases, Subclassing, Icons.</p></nav>' +
        `${paragraph('Three.')}${paragraph('Four.')}` +
        '<footer><p>Built with Sphinx using a theme provided by Read the Docs.</p></footer></div></body></html>',
    );
    const result = await extracted('globs.html', html);
    expect(result.text).toContain('Four. The database');
    expect(result.text).not.toContain('On this page');
    expect(result.text).not.toContain('Built with Sphinx');
  });

  it('a shell comment at the start of a preformatted line is text, not a section', async () => {
    const html = Buffer.from(
      '<!doctype html><html><head><title>Install</title></head><body><main><h1>Install</h1>' +
        '<p>Run these commands as root to install the package and rebuild the cache afterwards.</p>' +
        '<pre># apt-get install shared-mime-info\n# update-mime-database /usr/share/mime</pre></main></body></html>',
    );
    const result = await extracted('install.html', html);
    expect(headingsOf(result.text)).toEqual(['# Install']);
    expect(result.text).toContain('\\# apt-get install shared-mime-info');
  });
});

describe('plain text and reStructuredText', () => {
  it('a shell comment in a .txt or an rst literal block is text, not a section', async () => {
    const txt = await extracted(
      'mime.types.txt',
      Buffer.from(
        '# MIME type\t\tExtensions\napplication/pdf\t\tpdf\n# update-mime-database command. DO NOT EDIT!\n',
      ),
    );
    expect(headingsOf(txt.text)).toEqual([]);
    expect(txt.text).toContain('\\# update-mime-database command. DO NOT EDIT!');
    const rst = await extracted(
      'install.rst',
      Buffer.from('Install\n=======\n\nRun::\n\n# apt-get install shared-mime-info\n'),
    );
    expect(headingsOf(rst.text)).toEqual(['# Install']);
  });
});

describe('DOCX', () => {
  it('takes its title from the Title property and keeps table rows as lines of cells', async () => {
    const zip = new JSZip();
    const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
    zip.file(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
    );
    zip.file(
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
    );
    zip.file(
      'docProps/core.xml',
      '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Port &amp; protocol register</dc:title></cp:coreProperties>',
    );
    const cell = (text: string) => `<w:tc><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:tc>`;
    const row = (...cells: string[]) => `<w:tr>${cells.map(cell).join('')}</w:tr>`;
    zip.file(
      'word/document.xml',
      `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>` +
        '<w:p><w:r><w:t>Services and the ports they listen on.</w:t></w:r></w:p>' +
        `<w:tbl>${row('Service', 'Port', 'Protocol')}${row('ssh', '22', 'TCP')}${row('dns', '53', 'UDP')}</w:tbl>` +
        '</w:body></w:document>',
    );
    const result = await extracted('ports.docx', await zip.generateAsync({ type: 'nodebuffer' }));
    expect(result).toMatchObject({ format: 'docx', title: 'Port & protocol register' });
    expect(result.text).toContain('Service | Port | Protocol\nssh | 22 | TCP\ndns | 53 | UDP');
  });
});

describe("an outline garbled where its page is not (groff's pdfmark manual)", () => {
  it("names a section as its page sets it: '2.1. The pdfmark Operator', not the outline's 'F[C]pdfmarkF[]'", async () => {
    const manual = await extracted('groff-pdfmark-1-5.pdf');
    const headings = headingsOf(manual.text);
    expect(headings).toContain('## 2.1. The pdfmark Operator');
    expect(manual.text).not.toContain('F[C]');
    expect(
      headingOf(
        manual.text,
        'All PDF features are implemented by embedding instances of the pdfmark operator',
      ),
    ).toEqual(['2. Exploiting PDF Document Features', '2.1. The pdfmark Operator']);
  });
});

describe("an outline that misspells what its page sets, beside margin notes (nodetree's manual)", () => {
  it("names a section '3.1 \\NodetreeRegisterCallback' as its page does, not the outline's '`78odetree…', and sets the margin note apart", async () => {
    const manual = await extracted('nodetree-11-12.pdf');
    expect(manual.text).not.toContain('`78');
    expect(headingsOf(manual.text)).toContain('## 3.1 \\NodetreeRegisterCallback');
    // The page's line is the heading, not a line of text after an outline-only heading.
    expect(manual.text).not.toMatch(/^3\.1 \\NodetreeRegisterCallback$/m);
    // The macro's name in the margin, drawn after the line beside it, was glued to its last word.
    expect(manual.text).not.toContain('takes a\\NodetreeRegisterCallback');
    expect(manual.text).toContain(
      'The argument {〈callbacks〉} takes a\n\\NodetreeRegisterCallback\ncomma separated list',
    );
    expect(headingOf(manual.text, 'This macro resets a single')).toEqual([
      '3 Macros',
      '3.4 \\NodetreeResetOption',
    ]);
  });
});

describe("a page without <body> (groff's HTML manual of pic)", () => {
  it('reads what follows </head> as the body, titled by its first heading rather than its file name', async () => {
    // Was skipped as "no text in the HTML page": linkedom left the content beside an empty body.
    const page = await extracted('groff-pic-1.html');
    expect(page.title).toBe('1. Introduction to PIC');
    // The page opens with "[ next | top ]", links and separators alone: a navigation bar.
    expect(page.text).not.toContain('next | top');
    expect(page.text).toMatch(/^#+ 1\. Introduction to PIC$/m);
    expect(headingsOf(page.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^#+ 1\.1\. Why PIC\?$/),
        expect.stringMatching(/^#+ 1\.2\. PIC Versions$/),
      ]),
    );
    expect(headingOf(page.text, 'The original 1984 pre-ditroff(1) version of pic is long obsolete')).toEqual([
      '1. Introduction to PIC',
      '1.2. PIC Versions',
    ]);
  });
});

describe('GNU Info manuals (sed.info.gz, find.info.gz)', () => {
  it('reads nodes as sections under their chapters, cross references as text, without menus or indices', async () => {
    // Was read as plain text: no headings, the preamble, node header lines, every menu, the
    // index's entries and the tag table indexed as words; "*note How ‘sed’ works: Execution Cycle.".
    const sed = await extracted('sed.info.gz');
    expect(sed).toMatchObject({ format: 'info+gzip', title: 'GNU ‘sed’' });
    expect(headingsOf(sed.text)).toEqual(
      expect.arrayContaining([
        '# GNU ‘sed’',
        '# 2 Running sed',
        '## 2.2 Command-Line Options',
        '## 3.3 The ‘s’ Command',
      ]),
    );
    expect(headingOf(sed.text, 'This option specifies that files are to be edited in-place')).toEqual([
      '2 Running sed',
      '2.2 Command-Line Options',
    ]);
    // Chapter 3's node holds only its heading and a menu; its sections still sit under it.
    expect(headingOf(sed.text, 'Replaces the line(s) with TEXT')).toEqual([
      '3 ‘sed’ scripts',
      '3.5 Less Frequently-Used Commands',
    ]);
    expect(sed.text).toContain('cycle through the script (see How ‘sed’ works).');
    expect(sed.text.replace(/\s+/g, ' ')).toContain(
      'These can be used in both basic and extended regular expressions',
    );
    // eslint-disable-next-line no-control-regex -- the markers Info writes
    expect(sed.text).not.toMatch(/\*[Nn]ote\s|\* Menu:|^File: |Tag Table|INFO-DIR-SECTION|[\0\x08\x7f]/m);
    // The concept index is a menu of entries ("* --in-place: Command-Line Options. (line 52)").
    expect(sed.text).not.toMatch(/^\* --in-place/m);
  });

  it("skips a split manual's index file, naming the parts that hold its text", async () => {
    expect(await extractFile(fixture('find.info.gz'), 'find.info.gz')).toEqual({
      kind: 'skipped',
      reason: 'the index of a split Info manual; its parts hold the text (find.info-1, find.info-2)',
    });
  });
});

describe("AsciiDoc (git's manual source, git-stash.txt)", () => {
  it('reads sections as headings and the markup as text, through Asciidoctor', async () => {
    // Was plain text: no headings, no title, and "--include-untracked::", "[verse]", "+" as words.
    const stash = await extracted('git-stash.txt');
    expect(stash).toMatchObject({ format: 'asciidoc', title: 'git-stash(1)' });
    expect(headingsOf(stash.text)).toEqual(
      expect.arrayContaining([
        '# git-stash(1)',
        '## NAME',
        '## SYNOPSIS',
        '## OPTIONS',
        '## EXAMPLES',
        '## SEE ALSO',
      ]),
    );
    expect(headingOf(stash.text, 'When used with the push and save commands, all untracked files')).toEqual([
      'git-stash(1)',
      'OPTIONS',
    ]);
    expect(stash.text).toContain('-u\n--include-untracked\n--no-include-untracked\nWhen used with the push');
    expect(stash.text).not.toMatch(/::$|^\+$|\[verse\]|^-{4,}$|`/m);
  });
});

describe('EPUB (a book Sphinx wrote, lazr-restfulclient.epub)', () => {
  it('reads its chapters in reading order as sections, titled by its metadata', async () => {
    // Was skipped: "zip archive (only .docx is read)".
    const book = await extracted('lazr-restfulclient.epub');
    expect(book).toMatchObject({ format: 'epub', title: 'lazr.restfulclient' });
    expect(headingsOf(book.text)).toEqual([
      '# LAZR restfulclient',
      '## Importable',
      '# Retry requests on server error',
      '# Index',
    ]);
    expect(headingOf(book.text, 'the client will wait a few seconds and try the request again')).toEqual([
      'Retry requests on server error',
    ]);
    // Code keeps its lines; the stylesheet and the navigation document are not text.
    expect(book.text).toContain(
      '>>> BROKEN_RESPONSES = [502]\n>>> client = ServiceRoot(None, "http://api.launchpad.dev/")\nsleep(0) called',
    );
    expect(book.text).not.toMatch(/Table of Contents|margin:|font-family/);
  });
});

describe('PowerPoint (gzip-talk.pptx, written by python-pptx)', () => {
  it('reads each slide as a page under its title, with its tables and speaker notes', async () => {
    // Was skipped: "zip archive (only .docx is read)".
    const talk = await extracted('gzip-talk.pptx');
    expect(talk).toMatchObject({ format: 'pptx', title: 'GNU Gzip in Practice', pages: 4 });
    const slides = talk.text.split('\f');
    expect(slides.map((slide) => slide.split('\n')[0])).toEqual([
      '# GNU Gzip',
      '# Overview',
      '# Options',
      '# Slide 4',
    ]);
    expect(slides[1]).toContain('Mention that gunzip can decompress files created by compress and pack.');
    expect(slides[2]).toContain(
      "-k, --keep | Keep (don't delete) input files during compression or decompression",
    );
    expect(headingOf(talk.text, 'rsyncable')).toEqual(['Slide 4']);
  });

  it('reads decks PowerPoint wrote: its default Title gives way to the first slide, blank table rows are left out', async () => {
    // python-pptx's test decks, made with Microsoft PowerPoint for Mac 14.
    const inherited = await extracted('powerpoint-ph-inherit-props.pptx');
    // Its Title property is PowerPoint's "Presentation"; the notes are the slides' speaker notes.
    expect(inherited).toMatchObject({ title: 'Title Text', pages: 2 });
    expect(inherited.text).toBe(
      '# Title Text\n\nBody Text\n\nNotes in inherited position and size.\n\f# Slide 2\n\nNotes in modified position and size.',
    );
    const tables = await extracted('powerpoint-tbl-cell.pptx');
    expect(tables.text.split('\f')[0]).toBe(
      '# Slide 1\n\nhaving custom margins | vert anchor is inherited | vert anchor is top | vert anchor is bottom\nunladen swallows\n',
    );
    expect(tables.text).toContain('a | b | c\nd | e | f\ng | h | i');
  });
});

describe('OpenDocument text (setuptools-python2-sunset.odt, written by odfpy)', () => {
  it('reads headings at their level, lists, a table by rows, a footnote after its paragraph, spaces as ODF counts them', async () => {
    // Was skipped: "zip archive (only .docx is read)".
    const doc = await extracted('setuptools-python2-sunset.odt');
    expect(doc).toMatchObject({ format: 'odt', title: 'Python 2 Sunset (setuptools)' });
    expect(headingsOf(doc.text)).toEqual(['# Python 2 Sunset', '## Workarounds', '## Versions']);
    expect(doc.text).toContain(
      'no longer supported by the most current release. Setuptools as a project continues',
    );
    expect(doc.text).toContain('Setuptools 44.x.\n\nSee the discussion in pypa/setuptools issue 1458.');
    expect(doc.text).toContain("python -m pip install    'setuptools<45'\npython -m pip --version");
    expect(doc.text).toContain('Setuptools | Python\n44.x | 2.7 and 3.5+\n45 and later | 3.5+ only');
  });
});

describe('Excel (coreutils-commands.xlsx, written by openpyxl)', () => {
  it('reads each visible sheet as a page of rows, dates as dates, the hidden sheet left out', async () => {
    // Was skipped: "zip archive (only .docx is read)".
    const book = await extracted('coreutils-commands.xlsx');
    expect(book).toMatchObject({ format: 'xlsx', title: 'GNU coreutils commands', pages: 2 });
    const [commands, about] = book.text.split('\f');
    expect(commands).toMatch(/^# Commands\n\nCommand \| Node \| Summary \| Length of summary\n/);
    expect(commands).toContain('\nsort | sort invocation | Sort text files. | 16\n');
    expect(about).toBe(
      '# About\n\nSource | coreutils.info (GNU Coreutils 9.1)\nWritten | 2022-04-15\nCommands listed',
    );
    expect(book.text).not.toContain('internal note');
  });
});

describe("Jupyter notebooks (nbformat's test4.ipynb)", () => {
  it('reads Markdown cells as written and code as fenced blocks, without its images, HTML and scripts', async () => {
    // Was plain text: the notebook's JSON, its base64 image and its escaped strings as words.
    const nb = await extracted('nbformat-test4.ipynb');
    expect(nb).toMatchObject({ format: 'notebook', title: 'nbconvert latex test' });
    expect(headingsOf(nb.text)).toEqual(
      expect.arrayContaining(['# nbconvert latex test', '## Printed Using Python', '### Image']),
    );
    expect(nb.text).toContain('```\nprint("hello")\n```\n\n```\nhello\n```');
    expect(nb.text).not.toMatch(/"cell_type"|iVBORw0KGgo|image\/png|<IPython\.core/);
  });
});

describe('OpenDocument presentations and spreadsheets (written by odfpy)', () => {
  it('reads an Impress deck as PowerPoint is read: slides as pages, notes, no page numbers or footers', async () => {
    // Was skipped: "zip archive (only .docx, .pptx, .xlsx, .odt and .epub are read)".
    const talk = await extracted('gzip-talk.odp');
    expect(talk).toMatchObject({ format: 'odp', title: 'GNU Gzip in Practice', pages: 4 });
    const slides = talk.text.split('\f');
    expect(slides.map((slide) => slide.split('\n')[0])).toEqual([
      '# GNU Gzip',
      '# Overview',
      '# Options',
      '# Slide 4',
    ]);
    expect(slides[0]).not.toMatch(/confidential|^1$/im);
    expect(slides[1]).toContain('Mention that gunzip can decompress files created by compress and pack.');
    expect(slides[2]).toContain(
      "-k, --keep | Keep (don't delete) input files during compression or decompression",
    );
  });

  it('reads a Calc sheet as Excel is read, its million declared empty rows not expanded', async () => {
    const book = await extracted('coreutils-commands.ods');
    expect(book).toMatchObject({ format: 'ods', title: 'GNU coreutils commands', pages: 2 });
    const [commands, about] = book.text.split('\f');
    expect(commands).toContain('\nsort | sort invocation | Sort text files. | 16\n');
    expect(commands.trimEnd().split('\n')).toHaveLength(3 + 103);
    expect(about).toBe('# About\n\nSource | coreutils.info (GNU Coreutils 9.1)\nWritten | 2022-04-15');
    expect(book.text).not.toContain('internal note');
  });
});
