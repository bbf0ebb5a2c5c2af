import { documentLimitErrors, parseQuery } from './graphql.limits';

const messages = (query: string) => documentLimitErrors(parseQuery(query)).map((e) => e.message);

/** `levels` fragments, each spreading the next `width` times. */
function bomb(levels: number, width = 2): string {
  const spreads = (i: number) => Array.from({ length: width }, () => `...F${i + 1}`).join(' ');
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${spreads(i)} }`);
  return [`{ ...F0 }`, ...fragments, `fragment F${levels} on Query { __typename }`].join('\n');
}

describe('documentLimitErrors', () => {
  it('accepts what fits, counting each fragment use in full', () => {
    // 2^8 = 256 fields, 1 + 2 + ... + 256 = 511 spreads.
    expect(messages(bomb(8))).toEqual([]);
    expect(
      messages(`{ a: __typename ...F ...F } fragment F on Query { b: __typename c: __typename }`),
    ).toEqual([]);
  });

  it('counts fields and spreads exactly below the ceiling', () => {
    const fields = Array.from({ length: 60 }, (_, i) => `f${i}: __typename`).join(' ');
    const spreads = Array.from({ length: 20 }, () => '...F').join(' ');
    expect(messages(`query { ${spreads} } fragment F on Query { ${fields} }`)).toEqual([
      'query selects 1200 fields, more than the limit of 1000',
    ]);
    expect(messages(bomb(10))).toEqual([
      'query selects 1024 fields, more than the limit of 1000',
      'query expands 2047 fragments (named and inline), more than the limit of 1000',
    ]);
  });

  it('measures a 2^1000 bomb without expanding it, and says "over" past the ceiling', () => {
    const query = bomb(1000);
    expect(query.length).toBeLessThan(50_000);
    expect(messages(query)).toEqual([
      'query selects over 1000000 fields, more than the limit of 1000',
      'query expands over 1000000 fragments (named and inline), more than the limit of 1000',
    ]);
  });

  it('follows depth through fragments and inline fragments', () => {
    const nested = (levels: number) => `${'a { '.repeat(levels - 1)}b${' }'.repeat(levels - 1)}`;
    expect(messages(`{ ...F } fragment F on Query { ${nested(10)} }`)).toEqual([]);
    expect(messages(`{ x { ...F } } fragment F on X { ... on X { ${nested(10)} } }`)).toEqual([
      'query depth 11 exceeds the limit of 10',
    ]);
    // Deeper than the ceiling reads as "over", and is not followed further. (300 levels: deep
    // enough to pass the ceiling, shallow enough for graphql's recursive parser on any stack; a
    // deeper document is refused by parseQuery as nesting too deeply to parse.)
    const deep = `{ ${nested(300)} }`;
    expect(messages(deep)).toEqual(['query depth over 100 exceeds the limit of 10']);
  });

  it('measures a chain of 1,800 fragments without deep recursion', () => {
    const chain = Array.from({ length: 1800 }, (_, i) => `fragment F${i} on Query { a { ...F${i + 1} } }`);
    const query = [`{ ...F0 }`, ...chain, `fragment F1800 on Query { b }`].join('\n');
    expect(messages(query)).toEqual([
      'query depth over 100 exceeds the limit of 10',
      'query selects 1801 fields, more than the limit of 1000',
      'query expands 1801 fragments (named and inline), more than the limit of 1000',
    ]);
  });

  it('reports fragment cycles with their path, also among unused fragments', () => {
    expect(messages(`{ ...F0 } fragment F0 on Query { ...F1 } fragment F1 on Query { a ...F0 }`)).toEqual([
      'fragment cycle: F0 → F1 → F0',
    ]);
    expect(messages(`{ a } fragment G on Query { ...G }`)).toEqual(['fragment cycle: G → G']);
  });

  it('reports a nesting too deep for the parser as a syntax error, not a RangeError', () => {
    const deep = `{ ${'a { '.repeat(6000)}b${' }'.repeat(6000)} }`;
    expect(() => parseQuery(deep)).toThrow('Syntax Error: the document nests too deeply to parse');
  });

  it('leaves unknown fragments to graphql', () => {
    expect(messages(`{ ...Missing }`)).toEqual([]);
  });
});
