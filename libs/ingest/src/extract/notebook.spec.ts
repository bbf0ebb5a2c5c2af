import { extractNotebook } from './notebook';

const notebook = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('extractNotebook', () => {
  it('reads an nbformat 4 notebook as Markdown: its cells, code fenced in its language, printed text after it', () => {
    const result = extractNotebook(
      notebook({
        nbformat: 4,
        metadata: { kernelspec: { language: 'python' } },
        cells: [
          { cell_type: 'markdown', source: ['# Herons\n', 'Wading *birds*.'] },
          {
            cell_type: 'code',
            source: 'x = "```"\nprint(count)\n',
            outputs: [
              { output_type: 'stream', name: 'stdout', text: ['12\n'] },
              {
                output_type: 'execute_result',
                data: { 'text/plain': '<IPython.core.display.HTML at 0x11>' },
              },
              {
                output_type: 'display_data',
                data: { 'image/png': 'iVBORw0KGgo=', 'text/plain': ['<Figure size 640x480 with 1 Axes>'] },
              },
              { output_type: 'error', ename: 'ValueError', traceback: ['\u001b[0;31mValueError\u001b[0m'] },
            ],
          },
          { cell_type: 'code', source: [], outputs: [] },
        ],
      }),
    );
    expect(result).toEqual({
      kind: 'extracted',
      format: 'notebook',
      title: 'Herons',
      text: '# Herons\nWading *birds*.\n\n````python\nx = "```"\nprint(count)\n````\n\n```\n12\n```',
    });
  });

  it('reads an nbformat 3 notebook: worksheets, heading cells, code input', () => {
    expect(
      extractNotebook(
        notebook({
          nbformat: 3,
          metadata: { name: 'old' },
          worksheets: [
            {
              cells: [
                { cell_type: 'heading', level: 2, source: 'Egrets' },
                { cell_type: 'code', input: '1 + 1', outputs: [{ output_type: 'pyout', text: '2' }] },
              ],
            },
          ],
        }),
      ),
    ).toMatchObject({ title: 'Egrets', text: '## Egrets\n\n```\n1 + 1\n```\n\n```\n2\n```' });
  });

  it('skips a file that is not a notebook, with the reason', () => {
    expect(extractNotebook(Buffer.from('{"cells": '))).toMatchObject({
      kind: 'skipped',
      reason: expect.stringMatching(/^unreadable notebook: /),
    });
    expect(extractNotebook(notebook({ name: 'x' }))).toEqual({
      kind: 'skipped',
      reason: 'not a Jupyter notebook (no cells)',
    });
  });
});
