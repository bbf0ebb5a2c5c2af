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

  it('never makes a chunk of a heading alone: it opens the chunk of the text under it', () => {
    // A PDF page's section is one paragraph of its lines: 515 of 7,497 chunks of 186 PDFs were a
    // heading alone ("1 Why use Dvips?"), shown as a hit's passage and embedded as one.
    const long = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const options = { targetWords: 50, maxWords: 80, overlapWords: 0 };
    const chunks = chunkDocument(`# Top\n\n## Why use it\n\n${long}`, options);
    expect(chunks.some((c) => /^(Top|Why use it)$/.test(c.text))).toBe(false);
    expect(chunks[0].text).toMatch(/^Why use it\n\nSentence number 0 is here\./);
    expect(chunks[0].location).toEqual({ heading: ['Top', 'Why use it'], lines: [3, 5] });
    expect(chunks[1].location.lines).toEqual([5, 5]);
    // A paragraph that would take the heading's chunk past the maximum joins it all the same.
    const medium = Array.from({ length: 13 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const two = chunkDocument(`# Overview\n\n${medium}`, { ...options, maxWords: 65 });
    expect(two.map((c) => c.text)).toEqual([`Overview\n\n${medium}`]);
  });

  it('keeps a body without structure as one chunk per size', () => {
    expect(chunkDocument('just a line')).toEqual([{ text: 'just a line', location: { lines: [1, 1] } }]);
    expect(chunkDocument('')).toEqual([]);
  });
});
