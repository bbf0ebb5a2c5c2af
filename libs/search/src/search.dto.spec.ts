import 'reflect-metadata';
import { InvalidError, jsonSchemaOf, validateInput, type Operation } from '@quarry/core';
import { searchOperations, type SearchOperationDeps } from './search.operations';
import { SearchInput } from './search.dto';

/**
 * The `search` tool as MCP clients list it: the tool registry publishes `jsonSchemaOf` the
 * operation's input class and the operation's declared output schema (deps are never called).
 */
function searchTool() {
  const operations = searchOperations({} as SearchOperationDeps) as Operation[];
  const search = operations.find((operation) => operation.name === 'search')!;
  return {
    inputSchema: jsonSchemaOf(search.input as new () => object),
    outputSchema: search.tool!.outputSchema,
  };
}

type Schema = Record<string, unknown> & { properties: Record<string, Schema> };

describe('search contract', () => {
  it('MCP input schema types `collection` (a name or a list of names) and `filters.metadata`', () => {
    const input = searchTool().inputSchema as Schema;
    expect(input.properties.collection).toMatchObject({
      oneOf: [
        { type: 'string', pattern: expect.any(String) },
        { type: 'array', items: { type: 'string' }, minItems: 1 },
      ],
      description: expect.any(String),
    });
    expect(input.properties.filters.properties.metadata).toMatchObject({
      type: 'object',
      additionalProperties: {
        oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array' }],
      },
    });
    for (const [name, property] of Object.entries(input.properties))
      expect([name, Object.keys(property).length]).not.toEqual([name, 0]);
    expect(Object.keys(input.properties).sort()).toEqual(
      [
        'collection',
        'explain',
        'filters',
        'from',
        'fusion',
        'highlight',
        'mode',
        'query',
        'semanticRatio',
        'size',
        'tags',
      ].sort(),
    );
    expect(input).toMatchObject({ required: ['query'], additionalProperties: false });
  });

  it('MCP output schema of `search` comes from the same result classes (hit fields, nullable title, explain)', () => {
    const output = searchTool().outputSchema as Schema;
    const hit = (output.properties.hits as unknown as { items: Schema }).items;
    expect(hit.required).toEqual([
      'id',
      'score',
      'title',
      'snippet',
      'highlights',
      'collection',
      'tags',
      'metadata',
    ]);
    expect(hit.properties.title).toEqual({ oneOf: [{ type: 'string' }, { type: 'null' }] });
    expect(hit.properties.explain.properties.lexical).toMatchObject({
      oneOf: [{ required: ['rank', 'score'] }, { type: 'null' }],
    });
    expect(output.properties.mode).toEqual({ type: 'string', enum: ['lexical', 'semantic', 'hybrid'] });
  });

  it('validation names the field it refuses', async () => {
    const fields = async (args: object) => {
      const error = await validateInput(SearchInput, args).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidError);
      return (error as InvalidError).problems!.map((p) => p.field);
    };
    expect(await fields({ query: 'x', collection: 'Not A Name' })).toEqual(['collection']);
    expect(await fields({ query: 'x', filters: { metadata: { team: { nested: 1 } } } })).toEqual([
      'filters.metadata',
    ]);
    expect(await fields({ query: 'x', size: 101 })).toContain('size');
    expect(await fields({ query: 'x', from: 9_995, size: 10 })).toEqual(['size', 'from']);
    expect(await fields({ query: 'x', mode: 'fuzzy' })).toEqual(['mode']);
    expect(await fields({ query: 'x', filters: { createdAfter: 'yesterday' } })).toEqual([
      'filters.createdAfter',
    ]);
    await expect(
      validateInput(SearchInput, {
        query: 'x',
        collection: ['a', 'b'],
        filters: { metadata: { team: ['x', 1] }, createdBefore: '2024-01-01' },
      }),
    ).resolves.toBeInstanceOf(SearchInput);
  });
});
