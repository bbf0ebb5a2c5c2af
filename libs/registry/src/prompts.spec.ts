import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot } from '@quarry/config';
import { loadPromptFiles } from './prompts';

describe('prompt files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-prompts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (file: string, text: string, args: { name: string }[]) =>
    fs.writeFileSync(
      path.join(dir, file),
      JSON.stringify({ name: 'from_file', arguments: args, messages: [{ role: 'user', text }] }),
    );

  it('refuses a template that is not valid at load, naming the file, line and reason', async () => {
    // The nunjucks expression the shipped summarize_document prompt used to have.
    write('bad.json', 'fine\n{{ audience or "someone" }}', [{ name: 'audience' }]);
    await expect(loadPromptFiles(dir)).rejects.toMatchObject({
      message: expect.stringContaining(`prompt file ${path.join(dir, 'bad.json')}: prompt from_file`),
      problems: [
        {
          field: 'template',
          reason: 'messages[0].text line 2, column 1: "audience or "someone"" is not a declared argument',
        },
      ],
    });
  });

  it('loads a valid one', async () => {
    write('good.json', '{{#audience}}for {{audience}}{{/audience}}', [{ name: 'audience' }]);
    expect((await loadPromptFiles(dir)).map((p) => p.name)).toEqual(['from_file']);
  });

  it('accepts every shipped prompt', async () => {
    const shipped = await loadPromptFiles(path.join(findRepoRoot(), 'prompts'));
    expect(shipped.map((p) => p.name).sort()).toEqual(['find_related', 'summarize_document']);
  });
});
