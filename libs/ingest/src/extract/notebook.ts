import { skipped, tidy, type Extraction } from './extraction';
import { decodeText } from './text';

/** What a printed output may add to a code cell: a table or a value, not a log of thousands of lines. */
const MAX_OUTPUT_CHARS = 2000;
/** An object's default repr (`<IPython.core.display.HTML at 0x1112757d0>`) says nothing. */
const REPR = /^<[\w.]+ (object )?at 0x[0-9a-f]+>$/;

interface Cell {
  cell_type?: string;
  source?: string | string[];
  input?: string | string[];
  level?: number;
  outputs?: Output[];
}
interface Output {
  output_type?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | undefined>;
}
interface Notebook {
  cells?: Cell[];
  worksheets?: { cells?: Cell[] }[];
  metadata?: { title?: unknown; kernelspec?: { language?: unknown }; language_info?: { name?: unknown } };
}

const joined = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join('') : (text ?? ''));

/**
 * A Jupyter notebook (nbformat 3 and 4) as the Markdown it shows: its Markdown cells as written, its
 * code cells as fenced blocks in the kernel's language, each followed by what it printed as text
 * (stream output and plain-text results, at most 2,000 characters each; images and their labels,
 * HTML, scripts and tracebacks left out). The title is the notebook's metadata title, else its first heading.
 */
export function extractNotebook(bytes: Buffer): Extraction {
  let notebook: Notebook;
  try {
    notebook = JSON.parse(decodeText(bytes)) as Notebook;
  } catch (error) {
    return skipped(`unreadable notebook: ${(error as Error).message}`);
  }
  const cells = notebook.cells ?? notebook.worksheets?.flatMap((sheet) => sheet.cells ?? []);
  if (!Array.isArray(cells)) return skipped('not a Jupyter notebook (no cells)');
  const meta = notebook.metadata ?? {};
  const language = String(meta.kernelspec?.language ?? meta.language_info?.name ?? '').replace(
    /[^\w+-]/g,
    '',
  );
  const blocks: string[] = [];
  for (const cell of cells) {
    if (cell.cell_type === 'markdown') blocks.push(joined(cell.source));
    else if (cell.cell_type === 'heading')
      blocks.push(`${'#'.repeat(Math.min(Math.max(cell.level ?? 1, 1), 6))} ${joined(cell.source).trim()}`);
    else if (cell.cell_type === 'code') {
      const code = joined(cell.source ?? cell.input).replace(/\n+$/, '');
      if (code.trim()) blocks.push(fenced(code, language));
      for (const output of cell.outputs ?? []) {
        const printed = outputText(output);
        if (printed) blocks.push(fenced(printed, ''));
      }
    } else if (cell.cell_type === 'raw') blocks.push(joined(cell.source));
  }
  const text = tidy(blocks.join('\n\n'));
  if (!text) return skipped('no text in the notebook');
  const title =
    typeof meta.title === 'string' && meta.title.trim()
      ? meta.title.trim()
      : /^#{1,6}\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'notebook', title, text };
}

/** The text an output shows: printed text or a plain-text result, never an image or a script. */
function outputText(output: Output): string {
  let text = '';
  if (output.output_type === 'stream') text = joined(output.text);
  else if (['execute_result', 'display_data', 'pyout'].includes(output.output_type ?? '')) {
    // Beside an image, the plain text is only its label (`<Figure size 640x480 with 1 Axes>`); beside
    // HTML it is the same table as text (a data frame), and stays.
    if (Object.keys(output.data ?? {}).some((type) => type.startsWith('image/'))) return '';
    text = joined(output.data?.['text/plain'] ?? output.text);
  }
  text = text.replace(/\n+$/, '');
  if (!text.trim() || REPR.test(text.trim())) return '';
  return text.length > MAX_OUTPUT_CHARS ? `${text.slice(0, MAX_OUTPUT_CHARS)}…` : text;
}

/** A fenced code block whose fence is longer than any run of backticks in the code. */
function fenced(code: string, language: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${code}\n${fence}`;
}
