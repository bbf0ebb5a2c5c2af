import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { extractAsciidoc, looksLikeAsciidoc } from './asciidoc';

const adoc = (text: string) => Buffer.from(text, 'utf8');

describe('looksLikeAsciidoc', () => {
  it('takes a text that opens with a document title, after comments and attribute entries', () => {
    expect(looksLikeAsciidoc('= Git User Manual\n\n== Introduction\n')).toBe(true);
    expect(looksLikeAsciidoc('// a comment\n:toc:\n\ngit-stash(1)\n============\n\nNAME\n----\n')).toBe(true);
  });

  it('leaves other text alone: no title, or a rule that is not its underline', () => {
    expect(looksLikeAsciidoc('Release notes\n\n* fixed a crash\n')).toBe(false);
    expect(looksLikeAsciidoc('Hi\n==========================\n')).toBe(false);
    expect(looksLikeAsciidoc('== Only a section\n')).toBe(false);
  });
});

describe('extractAsciidoc', () => {
  it('reads the title, sections, lists, a listing block and a paragraph that is mostly a link', async () => {
    const result = await extractAsciidoc(
      adoc(
        [
          '= Jetty Notes',
          '',
          'The link:https://jetty.org/[Eclipse Jetty] Project provides a:',
          '',
          '* Java HTTP Server',
          '* Servlet Container',
          '',
          '== Quick Setup',
          '',
          'Run *this* command:',
          '',
          '----',
          '# start the server',
          '$ java -jar start.jar',
          '----',
        ].join('\n'),
      ),
    );
    expect(result).toEqual({
      kind: 'extracted',
      format: 'asciidoc',
      title: 'Jetty Notes',
      text: [
        '# Jetty Notes',
        '',
        'The Eclipse Jetty Project provides a:',
        '',
        'Java HTTP Server',
        '',
        'Servlet Container',
        '',
        '## Quick Setup',
        '',
        'Run this command:',
        '',
        '\\# start the server',
        '$ java -jar start.jar',
      ].join('\n'),
    });
  });

  it('titles a document without a header by its first heading', async () => {
    expect(await extractAsciidoc(adoc('=== ECLIPSE JETTY\n\nJetty is a server.\n'))).toMatchObject({
      title: 'ECLIPSE JETTY',
      text: '### ECLIPSE JETTY\n\nJetty is a server.',
    });
  });

  it('reads no file a document names: includes are dropped, images not embedded', async () => {
    // The attack: a document uploaded to Quarry that names a file on the server.
    const dir = mkdtempSync(path.join(tmpdir(), 'quarry-adoc-'));
    const secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-VALUE\n');
    const result = await extractAsciidoc(
      adoc(
        [
          '= Notes',
          `:docdir: ${dir}`,
          ':data-uri:',
          '',
          'Before.',
          '',
          `include::${secret}[]`,
          'include::secret.txt[]',
          '',
          `image::${secret}[]`,
          '',
          'After.',
        ].join('\n'),
      ),
    );
    expect(result).toMatchObject({ kind: 'extracted' });
    const text = (result as { text: string }).text;
    expect(text).toContain('Before.');
    expect(text).toContain('After.');
    expect(text).not.toContain('TOP-SECRET-VALUE');
    expect(text).not.toContain('secret.txt');
  });
});
