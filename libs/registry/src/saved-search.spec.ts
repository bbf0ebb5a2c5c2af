import { InvalidError, validateInput } from '@quarry/core';
import { checkSavedSearch, SavedSearchDefinition, savedSearchTool } from './saved-search';

const BUILT_IN = new Set(['search', 'get_document', 'index_documents']);
const builtIn = (name: string) => BUILT_IN.has(name);

const RUNBOOKS: SavedSearchDefinition = Object.assign(new SavedSearchDefinition(), {
  name: 'search_runbooks',
  description: 'Search the operations runbooks',
  collection: ['runbooks'],
  mode: 'lexical',
  tags: ['ops'],
  filters: { metadata: { status: 'published' } },
  size: 5,
  parameters: [
    { name: 'team', type: 'string', target: 'metadata.team', required: true, description: 'Owning team' },
    { name: 'severity', type: 'number', target: 'metadata.severity' },
    { name: 'label', type: 'string', target: 'tags' },
  ],
});

function fieldsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(InvalidError);
  return ((error as InvalidError).details.problems as { field: string }[]).map((p) => p.field);
}

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('saved-search definitions', () => {
  it('accepts a well-formed definition', async () => {
    const definition = await validateInput(SavedSearchDefinition, JSON.parse(JSON.stringify(RUNBOOKS)));
    expect(() => checkSavedSearch(definition, builtIn)).not.toThrow();
  });

  it('names each malformed field: tool name, parameter name and target', async () => {
    const error = await validateInput(SavedSearchDefinition, {
      name: 'Search-Runbooks',
      description: 'x',
      parameters: [{ name: '1team', type: 'date', target: 'body' }],
    }).catch((e: unknown) => e);
    expect(fieldsOf(error).sort()).toEqual([
      'name',
      'parameters[0].name',
      'parameters[0].target',
      'parameters[0].type',
    ]);
  });

  it('refuses to shadow a built-in tool, reserved or repeated parameters, and a non-string tags parameter', () => {
    const error = thrown(() =>
      checkSavedSearch(
        Object.assign(new SavedSearchDefinition(), {
          name: 'search',
          description: 'shadows the built-in',
          parameters: [
            { name: 'size', type: 'number', target: 'metadata.size' },
            { name: 'team', type: 'string', target: 'metadata.team' },
            { name: 'team', type: 'string', target: 'metadata.owner' },
            { name: 'level', type: 'number', target: 'tags' },
          ],
        }),
        builtIn,
      ),
    );
    expect(fieldsOf(error)).toEqual([
      'name',
      'parameters[0].name',
      'parameters[2].name',
      'parameters[3].type',
    ]);
  });
});

describe('savedSearchTool', () => {
  const tool = savedSearchTool(RUNBOOKS);

  it('offers query, size and the parameters, requiring the required ones', () => {
    expect(tool).toMatchObject({
      name: 'search_runbooks',
      description: 'Search the operations runbooks',
      role: 'reader',
      annotations: { readOnlyHint: true },
    });
    const schema = tool.inputSchema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'fusion',
      'label',
      'query',
      'semanticRatio',
      'severity',
      'size',
      'team',
    ]);
    expect(schema.properties.team).toEqual({ type: 'string', description: 'Owning team' });
    expect(schema.required).toEqual(['query', 'team']);
    expect(tool.inputSchema.additionalProperties).toBe(false);
  });

  it('turns a call into a search with the fixed scope and the parameters as filters', () => {
    expect(tool.toEnvelope({ query: 'disk full', team: 'sre', severity: 2, label: 'linux' })).toEqual({
      op: 'search',
      args: {
        query: 'disk full',
        mode: 'lexical',
        collection: ['runbooks'],
        size: 5,
        tags: ['ops', 'linux'],
        filters: { metadata: { status: 'published', team: 'sre', severity: 2 } },
      },
    });
    expect((tool.toEnvelope({ query: 'x', team: 'sre', size: 20 }).args as { size: number }).size).toBe(20);
  });

  it('takes semanticRatio and fusion like search: from the call, else from the definition', () => {
    const schema = tool.inputSchema as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.semanticRatio).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(schema.properties.fusion).toMatchObject({ type: 'string', enum: ['rrf', 'relative'] });
    const call = tool.toEnvelope({ query: 'disk full', team: 'sre', semanticRatio: 0.3, fusion: 'rrf' });
    expect(call.args).toMatchObject({ semanticRatio: 0.3, fusion: 'rrf' });
    expect(call.args).toMatchObject({ collection: ['runbooks'], mode: 'lexical' });

    const tuned = savedSearchTool(
      Object.assign(new SavedSearchDefinition(), {
        name: 'tuned_notes',
        description: 'notes, mostly by meaning',
        collection: 'notes',
        semanticRatio: 0.8,
        fusion: 'rrf',
      }),
    );
    expect(tuned.toEnvelope({ query: 'backup' }).args).toMatchObject({ semanticRatio: 0.8, fusion: 'rrf' });
    expect(tuned.toEnvelope({ query: 'backup', semanticRatio: 0 }).args).toMatchObject({ semanticRatio: 0 });
  });

  it('a definition refuses a weighting out of range and reserves the names semanticRatio and fusion', async () => {
    const error = await validateInput(SavedSearchDefinition, {
      name: 'bad_weights',
      description: 'x',
      semanticRatio: 1.5,
      fusion: 'sum',
    }).catch((e: unknown) => e);
    expect(fieldsOf(error).sort()).toEqual(['fusion', 'semanticRatio']);
    const reserved = thrown(() =>
      checkSavedSearch(
        Object.assign(new SavedSearchDefinition(), {
          name: 'weights',
          description: 'x',
          parameters: [{ name: 'fusion', type: 'string', target: 'metadata.fusion' }],
        }),
        builtIn,
      ),
    );
    expect(fieldsOf(reserved)).toEqual(['parameters[0].name']);
  });

  it('does not let a caller widen the scope or override the fixed filters', () => {
    for (const escape of [
      { collection: 'hr' },
      { filters: { metadata: {} } },
      { mode: 'semantic' },
      { tags: [] },
    ]) {
      const error = thrown(() => tool.toEnvelope({ query: 'x', team: 'sre', ...escape }));
      expect(fieldsOf(error)).toEqual(Object.keys(escape));
    }
  });

  it('names a missing required parameter and a wrongly typed one', () => {
    const error = thrown(() => tool.toEnvelope({ query: 'x', severity: 'high' }));
    expect(fieldsOf(error)).toEqual(['team', 'severity']);
    expect((error as Error).message).toBe('invalid arguments: team: is required; severity: must be a number');
  });

  it('runs a definition without parameters or fixed filters as a plain scoped search', () => {
    const plain = savedSearchTool(
      Object.assign(new SavedSearchDefinition(), {
        name: 'all_notes',
        description: 'notes',
        collection: 'notes',
      }),
    );
    expect(plain.toEnvelope({ query: 'backup' })).toEqual({
      op: 'search',
      args: { query: 'backup', collection: 'notes', filters: { metadata: {} } },
    });
  });
});
