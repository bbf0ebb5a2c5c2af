import { parseQuery } from './query-parser';

describe('parseQuery', () => {
  it('takes @collection words out of the text', () => {
    expect(parseQuery('@runbooks disk full')).toEqual({ text: 'disk full', collections: ['runbooks'] });
    expect(parseQuery('disk @runbooks full @ops @runbooks')).toEqual({
      text: 'disk full',
      collections: ['runbooks', 'ops'],
    });
  });

  it('leaves e-mail addresses, bare @ and invalid names in the text', () => {
    expect(parseQuery('mail ops@example.com @ now @Bad')).toEqual({
      text: 'mail ops@example.com @ now @Bad',
      collections: [],
    });
  });

  it('may leave no text when the query only scopes', () => {
    expect(parseQuery('@runbooks')).toEqual({ text: '', collections: ['runbooks'] });
  });
});

describe('parseQuery with the collections that exist', () => {
  const exists = (name: string) => name === 'runbooks';

  it('keeps @words that name no collection as query words', () => {
    expect(parseQuery('python @decorator syntax', exists)).toEqual({
      text: 'python @decorator syntax',
      collections: [],
    });
  });

  it('still scopes by the @words that do', () => {
    expect(parseQuery('@runbooks @decorator disk', exists)).toEqual({
      text: '@decorator disk',
      collections: ['runbooks'],
    });
  });
});
