import 'reflect-metadata';
import { InvalidError, jsonSchemaOf, validateInput } from '@quarry/core';
import { SourceInput } from './source.dto';

type Schema = { properties: Record<string, Record<string, unknown>>; required: string[] };

describe('source contract', () => {
  it('the add_source input schema carries the descriptions, bounds and defaults OpenAPI shows', () => {
    const schema = jsonSchemaOf(SourceInput) as unknown as Schema;
    expect(schema.required).toEqual(['name', 'type', 'collection']);
    expect(schema.properties.type).toMatchObject({ enum: ['directory', 'http-json', 'web'] });
    expect(schema.properties.maxDepth).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 20,
      default: 3,
    });
    expect(schema.properties.path.description).toMatch(/absolute/);
    expect(schema.properties.mapping).toMatchObject({ type: 'object', required: ['id', 'body'] });
  });

  it('names each field it refuses', async () => {
    const error = await validateInput(SourceInput, {
      name: 'A!',
      type: 'ftp',
      collection: 'docs',
      url: 'nope',
      every: '5x',
      maxDepth: 30,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).problems!.map((p) => p.field)).toEqual([
      'name',
      'type',
      'url',
      'every',
      'maxDepth',
    ]);
  });
});
