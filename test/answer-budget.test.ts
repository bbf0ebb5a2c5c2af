import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

/** A handbook of ~300 KB whose one line answers the question, among paragraphs that do not. */
function handbook(): string {
  const filler = (n: number) =>
    `## Section ${n}\n\n` +
    Array.from(
      { length: 12 },
      (_, i) =>
        `Paragraph ${n}.${i} describes the routine upkeep of office ${n} and its corridors in detail.`,
    ).join(' ') +
    '\n';
  const sections = Array.from({ length: 280 }, (_, n) => filler(n));
  sections.splice(140, 0, '## Gates\n\nThe badger gate code is 4711, changed every spring.\n');
  return sections.join('\n');
}

// Issue 24: answer_with_citations embedded whole documents (371,783 characters for a question a
// 169-character note answers); it now hands the model the passage each hit is shown from, within
// a token budget.
describe('answer_with_citations stays within its token budget', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_ANSWER_TOKENS: '3000' }));
    const body = handbook();
    expect(body.length).toBeGreaterThan(250_000);
    const seeded = await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'handbook', collection: 'facilities', title: 'Facilities handbook', body },
      {
        id: 'parking',
        collection: 'facilities',
        title: 'Parking',
        body: 'Visitors park behind the badger gate.',
      },
    ]);
    expect(seeded.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('cites the answering passage with its location in under 30 KB', async () => {
    const rendered = await call(server.url, 'POST', '/v1/prompts/answer_with_citations/render', {
      question: 'what is the badger gate code',
    });
    expect(rendered.status).toBe(200);
    const text = JSON.stringify(rendered.body);
    expect(text.length).toBeLessThan(30_000);
    expect(text).toContain('The badger gate code is 4711');
    expect(text).toContain('quarry://documents/handbook');
    expect(text).toMatch(/Gates, lines \d+-\d+/);
  });
});
