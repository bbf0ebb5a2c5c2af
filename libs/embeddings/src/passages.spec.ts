import { chunkPassage, documentPassage, documentPassages } from './passages';

describe('documentPassages', () => {
  const document = { title: 'tar', body: 'GNU tar saves files. -t, --list List the contents.' };
  const chunks = [
    { text: 'GNU tar saves files.', location: { heading: ['DESCRIPTION'] } },
    { text: '-t, --list List the contents.', location: { heading: ['OPTIONS'] } },
  ];

  it('gives a later chunk of a document the model reads whole the whole document', () => {
    expect(documentPassages(document, chunks, { readsWhole: () => true })).toEqual([
      'tar > DESCRIPTION. GNU tar saves files.',
      'tar\nGNU tar saves files. -t, --list List the contents.',
    ]);
  });

  it('keeps each chunk its own passage when the document is longer than the model reads', () => {
    expect(documentPassages(document, chunks, { readsWhole: () => false })).toEqual([
      'tar > DESCRIPTION. GNU tar saves files.',
      'tar > OPTIONS. -t, --list List the contents.',
    ]);
  });

  it('keeps them too when the embedder cannot tell, and for a document of one chunk', () => {
    expect(documentPassages(document, chunks, {})).toEqual(chunks.map((chunk) => chunkPassage('tar', chunk)));
    expect(documentPassages(document, chunks.slice(0, 1), { readsWhole: () => true })).toEqual([
      'tar > DESCRIPTION. GNU tar saves files.',
    ]);
  });

  it('builds a passage without a title from the text alone', () => {
    expect(chunkPassage(undefined, { text: 'body' })).toBe('body');
    expect(documentPassage({ body: 'body' })).toBe('body');
  });
});
