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
