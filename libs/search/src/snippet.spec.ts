import { escapeHtml, plainText } from './snippet';

describe('plainText', () => {
  it("decodes what Elasticsearch's html encoder produces and drops the <em> marks", () => {
    expect(plainText('don&#x27;t <em>rm</em> -rf &#x2F;tmp &amp;&amp; &lt;b&gt; &quot;x&quot;')).toBe(
      `don't rm -rf /tmp && <b> "x"`,
    );
  });

  it('can mark matches for a terminal', () => {
    expect(plainText('a <em>disk</em> full', (m) => `*${m}*`)).toBe('a *disk* full');
  });

  it('inverts escapeHtml', () => {
    const text = `it's <tag> & "quotes" / slashes`;
    expect(plainText(escapeHtml(text))).toBe(text);
  });

  it('decodes once: an escaped entity in the text stays an entity', () => {
    expect(plainText('&amp;lt;')).toBe('&lt;');
  });
});
