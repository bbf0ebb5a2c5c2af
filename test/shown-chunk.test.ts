import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extractContent } from '../libs/ingest/src/extract/extract-content';
import { EXTRACTION_LIMITS } from '../libs/ingest/src/extract/limits';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

/** Real man pages, rendered by mandoc as `quarry ingest` renders them (e5-small-v2 embeds them). */
const PAGES = [
  path.join(__dirname, 'fixtures', 'manpages', 'tar.1.gz'),
  path.join(__dirname, 'fixtures', 'fidelity', 'ls.1.gz'),
];

interface Hit {
  id: string;
  snippet: string;
  location?: { chunk?: number; heading?: string[] };
}

/**
 * Which chunk of a long document a hit is shown from, when both its words and its meaning point
 * into the document (issue 24, item 3): "how do I list the contents of an archive" matches tar's
 * `-a, --auto-compress` chunk best by its words (it says "archive" most), while the answer is
 * `-t, --list` in another chunk.
 */
describe('the shown chunk is the best evidence by words and meaning', () => {
  let server: RunningServer;
  const search = async (query: string, mode: string): Promise<Hit[]> => {
    const response = await call(server.url, 'POST', '/v1/search', { query, mode, collection: 'man' });
    expect(response.status).toBe(200);
    return response.body.hits as Hit[];
  };

  beforeAll(async () => {
    server = await startServer(testConfig());
    const documents = await Promise.all(
      PAGES.map(async (file) => {
        const extraction = await extractContent(readFileSync(file), path.basename(file), {
          ...EXTRACTION_LIMITS,
          maxChars: 1_000_000,
        });
        if (extraction.kind !== 'extracted') throw new Error(`${file} was not extracted`);
        return {
          id: path.basename(file, '.1.gz'),
          title: extraction.title,
          body: extraction.text,
          collection: 'man',
        };
      }),
    );
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', documents);
    expect(response.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
  });

  it.each([
    ['how do I list the contents of an archive', 'tar', '-t, --list'],
    ['sort the listing by file size, largest first', 'ls', 'sort by file size, largest first'],
  ])('"%s" shows %s from the chunk holding %s (every mode)', async (query, id, answer) => {
    // Lexical mode shows the chunk the query's subject matches best: with "how do I" in the
    // chunks' query, tar was shown from "--no-auto-compress  Do not use archive suffix".
    for (const mode of ['lexical', 'hybrid', 'semantic']) {
      const hit = (await search(query, mode)).find((h) => h.id === id);
      expect({ mode, snippet: hit?.snippet.replace(/<\/?em>/g, '') }).toEqual({
        mode,
        snippet: expect.stringContaining(answer),
      });
    }
  });

  it("shows a README's chunk with its links as their text and its badges gone", async () => {
    const readme = {
      id: 'retry-kit',
      title: 'retry-kit',
      collection: 'readme',
      body: [
        '# retry-kit [![npm](https://img.shields.io/npm/v/retry-kit.svg)](https://npm.im/retry-kit)',
        '',
        '[ [**Website**](https://retry-kit.dev/) | [**Docs**](https://retry-kit.dev/docs/) ]',
        '',
        'Retries failed calls with exponential backoff. Read the [code of',
        'conduct](https://retry-kit.dev/conduct) before contributing.',
      ].join('\n'),
    };
    expect((await call(server.url, 'POST', '/v1/documents?wait=true', [readme])).status).toBe(200);
    for (const [query, shown] of [
      ['read the code of conduct before contributing', /Read the code of\s+conduct before contributing/],
      ['website and docs', /\[ \*\*Website\*\* \| \*\*Docs\*\* \]/],
    ] as const)
      for (const mode of ['lexical', 'hybrid']) {
        const response = await call(server.url, 'POST', '/v1/search', { query, mode, collection: 'readme' });
        const snippet = (response.body.hits as Hit[])[0].snippet.replace(/<\/?em>/g, '');
        expect({ mode, snippet }).toEqual({ mode, snippet: expect.stringMatching(shown) });
        expect({ mode, snippet }).toEqual({ mode, snippet: expect.not.stringMatching(/\]\(|img\.shields/) });
      }
  });
});
