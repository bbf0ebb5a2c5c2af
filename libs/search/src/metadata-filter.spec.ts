import 'reflect-metadata';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { JsonSchemaType } from '@modelcontextprotocol/sdk/validation/types.js';
import { jsonSchemaOf, validateInput } from '@quarry/core';
import { SearchInput } from './search.dto';

/**
 * The metadata-filter rule is declared once (METADATA_FILTER): what class-validator accepts on
 * every edge and what the published JSON Schema (MCP tool input, OpenAPI) promises must agree.
 */
const schema = jsonSchemaOf(SearchInput) as JsonSchemaType;
const bySchema = new AjvJsonSchemaValidator().getValidator(schema);
const byValidation = async (metadata: unknown) =>
  validateInput(SearchInput, { query: 'q', filters: { metadata } }).then(
    () => true,
    () => false,
  );

const cases: [string, unknown, boolean][] = [
  ['a string', { team: 'sre' }, true],
  ['a nested field, a number and a boolean', { 'owner.team': 'sre', level: 2, open: true }, true],
  ['any of a list', { team: ['sre', 'platform'] }, true],
  ['a list of 100', { n: Array.from({ length: 100 }, (_, i) => i) }, true],
  ['an empty list', { team: [] }, false],
  ['a list of 101', { n: Array.from({ length: 101 }, (_, i) => i) }, false],
  ['an object value', { team: { name: 'sre' } }, false],
  ['null', { team: null }, false],
  ['a list holding an object', { team: ['sre', {}] }, false],
  ['a field name with a space', { 'bad field': 'x' }, false],
  ['a field name of 129 characters', { ['f'.repeat(129)]: 'x' }, false],
  ['a field name of 128 characters', { ['f'.repeat(128)]: 'x' }, true],
];

describe('metadata filters: validation and JSON Schema from one rule', () => {
  it.each(cases)('%s', async (_what, metadata, allowed) => {
    expect(await byValidation(metadata)).toBe(allowed);
    expect(bySchema({ query: 'q', filters: { metadata } }).valid).toBe(allowed);
  });
});
