import { chunkSnippet, escapeHtml, plainText } from './snippet';

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

describe('chunkSnippet', () => {
  it('escapes a short chunk whole', () => {
    expect(chunkSnippet(`it's <short>`)).toBe('it&#39;s &lt;short&gt;');
  });

  it('shows a line escaped for the chunker as its file has it, not its backslash', () => {
    expect(chunkSnippet('Example:\n\\# apt-get install sqlite3\n\\  ```\nnot\\# a line start')).toBe(
      'Example:\n# apt-get install sqlite3\n  ```\nnot\\# a line start',
    );
  });

  it('cuts a long chunk at a word boundary with an ellipsis', () => {
    const snippet = chunkSnippet(`${'word '.repeat(100)}end`);
    expect(snippet.length).toBeLessThanOrEqual(241);
    expect(snippet).toMatch(/word…$/);
  });
});
