import { contentsRuns, isNavigationSection } from './navigation-section';
import { chunkDocument } from './structured-chunker';

// As Quarry extracts libtasn1's manual (Debian's libtasn1-doc): its table of contents and its index.
const CONTENTS = [
  'Table of Contents',
  '1 Introduction . . . . . . . . . . . . . . . . . . . . . . . . 1',
  '2 ASN.1 structure handling . . . . . . . . . . . . . . . . . . 2',
  '2.1 ASN.1 syntax. . . . . . . . . . . . . . . . . . . . . . . . 2',
  '2.2 Naming . . . . . . . . . . . . . . . . . . . . . . . . . . 3',
  '2.3 Simple parsing. . . . . . . . . . . . . . . . . . . . . . . 4',
];
const INDEX = [
  'asn1_copy_node . . . . . . . . . . . . . . . . . . . . . . . 11',
  'asn1_create_element. . . . . . . . . . . . . . . . . . . . . 10',
  'asn1_decode_simple_ber . . . . . . . . . . . . . . . . . . . 21',
  'asn1_der_coding . . . . . . . . . . . . . . . . . . . . . . . 9',
  'asn1_der_decoding . . . . . . . . . . . . . . . . . . . . . . 10',
];
const BODY = [
  'asn1_der_coding',
  'int asn1_der_coding (asn1_node element, const char * name, void * ider, int * len, char * ErrorDescription)',
  'Creates the DER encoding for the NAME structure (inside *POINTER structure).',
  'Returns: ASN1_SUCCESS if DER encoding OK.',
];

describe('isNavigationSection', () => {
  it('reads a table of contents and a dot-leader index as navigation', () => {
    expect(isNavigationSection([], CONTENTS)).toBe(true);
    expect(isNavigationSection(['Function and Data Index'], INDEX)).toBe(true);
  });

  it('reads page references without leaders as an index only under an index heading', () => {
    const latex = [
      'parse_args, 12, 45',
      'ArgumentParser, 3',
      'add_argument, 4–6',
      'Namespace, 9',
      'exit, 17',
    ];
    expect(isNavigationSection(['Index'], latex)).toBe(true);
    expect(isNavigationSection(['General Index'], latex)).toBe(true);
    // Lines that end in numbers are any table of settings or figures elsewhere.
    expect(isNavigationSection(['Limits'], latex)).toBe(false);
    expect(
      isNavigationSection(['Creating an index'], ['port 9200', 'shards 3', 'replicas 1', 'timeout 30']),
    ).toBe(false);
  });

  it('keeps prose, short lists of references and a body that mentions pages', () => {
    expect(isNavigationSection(['asn1_der_coding'], BODY)).toBe(false);
    expect(isNavigationSection(['Index'], INDEX.slice(0, 3))).toBe(false);
    expect(isNavigationSection([], ['See the figure . . . 3', ...BODY, ...BODY])).toBe(false);
  });
});

describe('chunkDocument and navigation pages', () => {
  const manual = [
    CONTENTS.join('\n'),
    `# 4 Functions\n\n${BODY.join('\n')}`,
    `# Function and Data Index\n\n${INDEX.join('\n')}`,
  ].join('\n\f');

  it('makes no passage of a table of contents or an index, so a function is located where it is documented', () => {
    const chunks = chunkDocument(manual);
    expect(chunks.map((c) => c.location.page)).toEqual([2]);
    expect(chunks[0].location.heading).toEqual(['4 Functions']);
    expect(chunks.some((c) => c.text.includes('. . . .'))).toBe(false);
  });

  it('keeps a document that is nothing but a table of contents', () => {
    expect(chunkDocument(CONTENTS.join('\n'))).toHaveLength(1);
  });
});

describe('contentsRuns', () => {
  // As Quarry extracts luainputenc's manual: its title page, abstract and contents in one section.
  const TITLE_PAGE = [
    'The luainputenc package',
    'Manuel Pégourié-Gonnard mpg@elzevir.fr',
    'Abstract',
    'Input encoding management for LuaTEX, needed only for compatibility with old',
    'documents. For new documents, using UTF-8 encoding and Unicode fonts is strongly recommended.',
    'Contents',
    '1 Overview: When (not) to use this package 1',
    '2 Documentation 2',
    '2.1 Introduction . . . . . . . . . . . . . . . . . . . . . . . . 2',
    '2.2 Overview of 8-bit mode . . . . . . . . . . . . . . . . . . . 3',
    '2.3 Overview of UTF-8 mode . . . . . . . . . . . . . . . . . . . 3',
    '3 Implementation 5',
  ];

  it('finds a table of contents without leaders, numbered entries in order, and leaves the rest', () => {
    expect([...contentsRuns(TITLE_PAGE)]).toEqual([6, 7, 8, 9, 10, 11]);
    // A French manual's contents, whose title was no heading of the page: LaTeX sets no leaders
    // for chapters, and this one none at all.
    const french = [
      '1 Introduction 2',
      '2 Première utilisation 4',
      '2.1 Fonction principale 4',
      '3 Les options 9',
    ];
    expect(contentsRuns(french).size).toBe(4);
  });

  it('leaves lines that merely start and end with numbers: example output, a font table', () => {
    const output = [
      '8 days later: Sunday (Sun), December (Dec) 16, 2018',
      '4 weeks later: Sunday (Sun), January (Jan) 13, 2019',
      '4 months later: Monday (Mon), May (May) 13, 2019',
      '14 days earlier: Monday (Mon), April (Apr) 29, 2019',
    ];
    expect(contentsRuns(output).size).toBe(0);
    expect(contentsRuns(['48 x30 0', '49 x31 1', '50 x32 2', '51 x33 3']).size).toBe(0);
  });

  it('makes a passage of the title page and abstract, none of the contents under them', () => {
    const chunks = chunkDocument(
      `${TITLE_PAGE.join('\n')}\n\f# 1 Overview\n\nUse it for old documents only.`,
    );
    expect(chunks[0].text).toContain('Input encoding management for LuaTEX');
    expect(chunks[0].text).not.toContain('Overview of 8-bit mode');
    expect(chunks[0].location.lines).toEqual([1, 6]);
    expect(chunks.map((c) => c.location.page)).toEqual([1, 2]);
  });
});
