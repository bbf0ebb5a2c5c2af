import { InvalidError } from '@quarry/core';
import type { IngestService } from './ingest.service';
import { buildPdf } from './testing/fixtures';
import { UPLOAD_LIMITS, uploadCost, uploadFilesOperation } from './upload.operation';

const received: { documents: unknown[]; options: Record<string, unknown> }[] = [];
const ingest = {
  ingest: async (documents: { id: string }[], options: Record<string, unknown>) => {
    received.push({ documents, options });
    return {
      items: documents.map((d, index) => ({ index, id: d.id, status: 'created', chunks: 2 })),
      indexed: documents.length,
      failed: 0,
      tookMs: 1,
    };
  },
} as unknown as IngestService;
const operation = uploadFilesOperation(ingest);
const context = {
  principal: { id: 'p', role: 'writer' as const, collections: ['notes'] },
  signal: new AbortController().signal,
  onProgress: () => undefined,
  transport: 'graphql' as const,
  requestId: 'r',
};
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

describe('upload_files', () => {
  beforeEach(() => (received.length = 0));

  it('extracts each file as `quarry ingest` does and reports skipped files with their reason', async () => {
    const pdf = await buildPdf(['First page.', 'Second page.'], 'Two pages');
    const result = await operation.run(
      {
        collection: 'notes',
        tags: ['field'],
        files: [
          { name: 'two.pdf', contentBase64: pdf.toString('base64') },
          { name: 'dir/readme.md', contentBase64: b64('# Readme\n\nHello.\n') },
          { name: 'blob.bin', contentBase64: b64(Buffer.from([0, 1, 2, 255, 0])) },
        ],
      },
      context,
    );
    expect(result.items.map((i) => [i.name, i.status, i.id, i.format])).toEqual([
      ['two.pdf', 'created', 'notes:two.pdf', 'pdf'],
      ['readme.md', 'created', 'notes:readme.md', expect.any(String)],
      ['blob.bin', 'skipped', undefined, undefined],
    ]);
    expect(result.items[2].reason).toBeTruthy();
    expect(result).toMatchObject({ indexed: 2, failed: 0, skipped: 1 });
    const [call] = received;
    expect(call.options.allowedCollections).toEqual(['notes']);
    expect(call.documents[0]).toMatchObject({
      collection: 'notes',
      tags: ['field'],
      source: 'upload:two.pdf',
      body: expect.stringContaining('Second page.'),
      metadata: { format: 'pdf', pages: 2 },
    });
  });

  it('refuses content that is not base64 or too large, naming the file field', async () => {
    const run = (contentBase64: string) =>
      operation.run({ collection: 'notes', files: [{ name: 'a.txt', contentBase64 }] }, context);
    await expect(run('not base64!')).rejects.toMatchObject({
      problems: [{ field: 'files[0].contentBase64' }],
    });
    const large = 'A'.repeat(Math.ceil((UPLOAD_LIMITS.bytesPerFile + 3) / 3) * 4);
    await expect(run(large)).rejects.toBeInstanceOf(InvalidError);
    expect(received).toEqual([]);
  });

  it('costs a unit per file and per decoded megabyte', () => {
    expect(uploadCost({ files: [{ contentBase64: 'eA==' }] })).toBe(2);
    expect(uploadCost({ files: [{ contentBase64: 'A'.repeat(4 * 1024 * 1024) }] })).toBe(4);
    expect(operation.role).toBe('writer');
  });
});
