import type { CommandScope } from './command.context';
import { runIngestCommand } from './ingest.command';
import type { FileItem } from './ingest-files';

// A folder of thousands of documents was read whole, every extracted text held in memory, before
// the first batch was indexed: now each batch is indexed as soon as it is read.
describe('runIngestCommand', () => {
  it('indexes each batch as it is read, not after reading every file', async () => {
    let read = 0;
    const readWhenIndexed: number[] = [];
    async function* files(): AsyncGenerator<FileItem> {
      for (let n = 1; n <= 5; n++) {
        read++;
        yield {
          origin: `note-${n}.md`,
          document: { id: `note-${n}`, body: `Note ${n}.` },
          format: 'markdown',
        };
      }
      read++;
      yield { origin: 'photo.png', skipped: 'PNG image (no text to index)' };
    }
    let work: Promise<void> = Promise.resolve();
    const handle = {
      signal: new AbortController().signal,
      count: () => undefined,
      advance: () => undefined,
      fail: () => undefined,
    };
    const quarry = {
      ingestion: {
        jobs: {
          start: (_meta: unknown, run: (job: typeof handle) => Promise<void>) => {
            work = run(handle);
            return Promise.resolve({ id: 'job-1' });
          },
          wait: async () => {
            await work;
            return { id: 'job-1', status: 'succeeded' };
          },
        },
      },
      manager: {
        handle: ({ args }: { args: { documents: { id: string }[] } }) => {
          readWhenIndexed.push(read);
          return Promise.resolve({
            items: args.documents.map((document, index) => ({ index, status: 'created', id: document.id })),
          });
        },
      },
    } as unknown as CommandScope;
    const output: string[] = [];

    const code = await runIngestCommand(
      quarry,
      ['notes'],
      { batch: 2, wait: false },
      (text) => output.push(text),
      () => files(),
    );

    expect(readWhenIndexed).toEqual([2, 4, 6]);
    expect(output.join('')).toContain('created 5, updated 0, unchanged 0, skipped 1, failed 0\n');
    expect(output.join('')).toContain('1 of 6 not indexed');
    expect(code).toBe(1);
  });
});
