import { gzipSync } from 'node:zlib';
import { buildDocx, buildPdf } from '../testing/fixtures';
import { extractFile } from './extract';
import type { ExtractedText } from './extraction';

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
});
