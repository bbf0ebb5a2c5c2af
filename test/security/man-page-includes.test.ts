import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { extractFile } from '../../libs/ingest/src/extract/extract';

/*
 * Attack: a man page is rendered by mandoc, which reads the file a `.so` request names, relative to
 * its working directory (it refuses absolute paths and `..` only). An uploaded page that asks for
 * `.so package.json`, `.so .env` or `.so .quarry/...` must not bring the server's files into the
 * index: mandoc runs in an empty directory of its own.
 */
describe('a man page cannot include the server’s files', () => {
  const secret = `quarry-secret-${process.pid}`;
  let directory: string;
  beforeAll(() => {
    // The extraction worker runs in the server's working directory, which the test process shares.
    directory = mkdtempSync(path.join(process.cwd(), '.man-include-'));
    writeFileSync(path.join(directory, 'secret.txt'), `${secret}\n`);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const extractedText = async (include: string) => {
    const page = Buffer.from(`.TH EVIL 1\n.SH NAME\nevil \\- reads files\n.SH DESCRIPTION\n.so ${include}\n`);
    const result = await extractFile(page, 'evil.1');
    expect(result).toMatchObject({ kind: 'extracted', format: 'man' });
    const text = (result as { text: string }).text;
    expect(text).toContain('evil');
    return text;
  };

  it('`.so package.json` renders as a reference, not the server’s package.json', async () => {
    const text = await extractedText('package.json');
    expect(text).not.toContain('"name": "quarry"');
    expect(text).toContain('See the file package.json');
  });

  it('`.so` naming a file below the working directory does not read it', async () => {
    expect(await extractedText(`${path.basename(directory)}/secret.txt`)).not.toContain(secret);
  });
});
