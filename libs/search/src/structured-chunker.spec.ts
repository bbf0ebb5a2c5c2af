import { chunkDocument } from './structured-chunker';

describe('chunkDocument', () => {
  it('follows headings and records the heading path and lines', () => {
    const body = [
      '# Guide',
      '',
      'Intro text.',
      '',
      '## Install',
      '',
      'Run the installer.',
      'Then reboot.',
      '',
      '## Use',
      '',
      'Open it.',
    ].join('\n');
    const chunks = chunkDocument(body);
    expect(chunks).toEqual([
      { text: 'Guide\n\nIntro text.', location: { heading: ['Guide'], lines: [1, 3] } },
      {
        text: 'Install\n\nRun the installer.\nThen reboot.',
        location: { heading: ['Guide', 'Install'], lines: [5, 8] },
      },
      { text: 'Use\n\nOpen it.', location: { heading: ['Guide', 'Use'], lines: [10, 12] } },
    ]);
  });

  it('reads a heading path as text: no badge, link or code markup (a README)', () => {
    const body = [
      '# @codemirror/language [![NPM version](https://img.shields.io/npm/v/@codemirror/language.svg)](https://www.npmjs.org/package/@codemirror/language)',
      '',
      '## `indentService` and [folding](#folding)',
      '',
      'Registers a service that computes indentation for a given position.',
    ].join('\n');
    const [chunk] = chunkDocument(body);
    expect(chunk.location.heading).toEqual(['@codemirror/language', 'indentService and folding']);
    // The chunk's text stays the body's own lines.
    expect(chunk.text).toContain('`indentService` and [folding](#folding)');
  });

  it('never spans pages and numbers them from the form feeds', () => {
    const chunks = chunkDocument('first page\n\fsecond page\n\fthird page');
    expect(chunks.map((c) => [c.text, c.location.page])).toEqual([
      ['first page', 1],
      ['second page', 2],
      ['third page', 3],
    ]);
  });

  it('treats # lines in fenced code as text and keeps long paragraphs within the maximum', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = chunkDocument(`# Top\n\n\`\`\`\n# not a heading\n\`\`\`\n\n${long}`, {
      targetWords: 50,
      maxWords: 80,
      overlapWords: 0,
    });
    expect(chunks.every((c) => c.location.heading?.join('/') === 'Top')).toBe(true);
    expect(chunks.every((c) => c.text.split(/\s+/).length <= 80)).toBe(true);
    expect(chunks.map((c) => c.text).join(' ')).toContain('Sentence number 59');
  });

  it('keeps a body without structure as one chunk per size', () => {
    expect(chunkDocument('just a line')).toEqual([{ text: 'just a line', location: { lines: [1, 1] } }]);
    expect(chunkDocument('')).toEqual([]);
  });
});
