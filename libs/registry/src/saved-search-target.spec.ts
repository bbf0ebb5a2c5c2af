import 'reflect-metadata';
import { validateInput } from '@quarry/core';
import { SearchInput } from '@quarry/search';
import { SavedSearchParameter } from './saved-search';

const accepts = (cls: new () => object, args: object) =>
  validateInput(cls, args).then(
    () => true,
    () => false,
  );

describe('a saved-search parameter targets the metadata fields a search filter may name', () => {
  it.each([
    ['team', true],
    ['owner.team', true],
    ['f'.repeat(128), true],
    ['f'.repeat(129), false],
    ['bad field', false],
    ['', false],
  ])('metadata.%s', async (field, allowed) => {
    const parameter = { name: 'p', type: 'string', target: `metadata.${field}` };
    expect(await accepts(SavedSearchParameter, parameter)).toBe(allowed);
    const filter = { query: 'q', filters: { metadata: { [field]: 'x' } } };
    expect(await accepts(SearchInput, filter)).toBe(allowed);
  });

  it('takes the types a filter value may have', async () => {
    for (const type of ['string', 'number', 'boolean'])
      expect(await accepts(SavedSearchParameter, { name: 'p', type, target: 'tags' })).toBe(true);
    expect(await accepts(SavedSearchParameter, { name: 'p', type: 'date', target: 'tags' })).toBe(false);
  });
});
