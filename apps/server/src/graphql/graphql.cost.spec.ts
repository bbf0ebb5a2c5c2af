import { buildSchema, parse } from 'graphql';
import { COST_LIMIT_CODE, costLimitError } from './graphql.cost';

const schema = buildSchema(`type Query { search(query: String!): Int, name: String }`);

describe('costLimitError', () => {
  it('refuses an operation over the budget', () => {
    const searches = Array.from({ length: 101 }, (_, i) => `s${i}: search(query: "x")`).join(' ');
    expect(costLimitError(schema, parse(`{ ${searches} }`), {})?.extensions.code).toBe(COST_LIMIT_CODE);
  });

  it('refuses an operation too large to estimate instead of letting it through unpriced', () => {
    // graphql-query-complexity stops counting past its node budget with a GraphQLError, which the
    // check used to read as bad variables: 150 searches hid behind 21,000 inline fragments.
    const searches = Array.from({ length: 150 }, (_, i) => `s${i}: search(query: "x")`).join(' ');
    const pad = `fragment Pad on Query { ${'... on Query { '.repeat(20)}name${' }'.repeat(20)} }`;
    const document = parse(
      `{ ${searches} ${Array.from({ length: 1050 }, () => '...Pad').join(' ')} } ${pad}`,
    );
    const error = costLimitError(schema, document, {});
    expect(error?.extensions.code).toBe(COST_LIMIT_CODE);
    expect(error?.message).toMatch(/too large to estimate its cost/);
  });

  it('leaves bad variables to graphql-js', () => {
    const document = parse(`query($q: String!) { search(query: $q) }`);
    expect(costLimitError(schema, document, { q: 12 })).toBeUndefined();
  });
});
