import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

/**
 * Words search reads what a question asks about, not the words it is phrased in (`subjectOf`):
 * on Valgrind's and groff's HTML manuals, "what does still reachable mean" ranked groff's mom
 * manual ("what does it mean ... which means or") above Memcheck's manual, which says "still
 * reachable" and never "what" or "does".
 */
describe('question words: words search reads what a question asks about', () => {
  let server: RunningServer;
  const docs = [
    {
      id: 'mom-conventions',
      title: 'Mom: conventions of this manual',
      body:
        'What does a macro do? What do its arguments mean? How do you read the argument lists? ' +
        'If you have a choice between several arguments, each is separated by the pipe character, which means or. ' +
        'What does an optional argument look like? It is shown in brackets. What do I do when I am unsure? Read on.',
    },
    {
      id: 'memcheck-leaks',
      title: 'Memcheck: memory leak detection',
      body:
        'Still reachable: a pointer to the start of the block is found at exit. The block is still reachable, ' +
        'so the program could have freed it; such blocks are listed with --show-leak-kinds=reachable.',
    },
    {
      id: 'memcheck-kinds',
      title: 'Memcheck: kinds of leaks',
      body: 'A block that is still reachable at exit could have been freed. Definitely lost blocks are leaks.',
    },
    {
      id: 'helgrind',
      title: 'Helgrind: a thread error detector',
      body:
        'Helgrind reports a lock still held at exit and memory reachable from a thread stack, ' +
        'and memory reachable from globals is still scanned.',
    },
    {
      id: 'massif',
      title: 'Massif: a heap profiler',
      body: 'Massif measures how much heap memory a program uses over its run, with snapshots at each peak.',
    },
  ];

  beforeAll(async () => {
    server = await startServer(testConfig());
    const response = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      docs.map((d) => ({ ...d, collection: 'manuals' })),
    );
    expect(response.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
  });

  it("ranks the page that answers above the page that shares the question's phrasing (lexical)", async () => {
    const response = await call(server.url, 'POST', '/v1/search', {
      query: 'what does still reachable mean',
      mode: 'lexical',
      collection: 'manuals',
    });
    expect(response.status).toBe(200);
    const hits = response.body.hits as { id: string; snippet: string }[];
    expect(hits[0].id).toBe('memcheck-leaks');
    // Only what the question asks about is marked.
    expect(hits.map((h) => h.snippet).join(' ')).not.toMatch(/<em>(what|does)<\/em>/i);
  });

  it('ranks the page that says the words together above one that says them apart', async () => {
    const response = await call(server.url, 'POST', '/v1/search', {
      query: 'still reachable',
      mode: 'lexical',
      collection: 'manuals',
    });
    // Helgrind's page says "still" and "reachable" twice each, never together; this one, once together.
    const ids = (response.body.hits as { id: string }[]).map((h) => h.id);
    expect(ids.indexOf('memcheck-kinds')).toBeLessThan(ids.indexOf('helgrind'));
  });
});
