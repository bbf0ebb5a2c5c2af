import { isNavigationSection } from './navigation-section';
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
