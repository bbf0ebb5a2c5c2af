import { skipped, tidy, type Extraction } from './extraction';
import { decodeText, looksLikeText } from './text';

const NAMED_CHARACTERS: Record<string, string> = {
  em: '—',
  en: '–',
  aq: "'",
  dq: '"',
  lq: '“',
  rq: '”',
  oq: '‘',
  cq: '’',
  bu: '•',
  co: '©',
  rg: '®',
  tm: '™',
  hy: '-',
  mi: '-',
  pl: '+',
  '>=': '≥',
  '<=': '≤',
  ti: '~',
  ha: '^',
  rs: '\\',
};

/** Inline roff escapes: fonts and sizes vanish, special characters become their Unicode forms. */
function inline(text: string): string {
  return text
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\s[+-]?\d/g, '')
    .replace(/\\\((..)/g, (_m, name: string) => NAMED_CHARACTERS[name] ?? '')
    .replace(/\\\[([^\]]*)\]/g, (_m, name: string) => NAMED_CHARACTERS[name] ?? '')
    .replace(/\\\*(\(..|\[[^\]]*\]|.)/g, '')
    .replace(/\\[-e]/g, (m) => (m === '\\-' ? '-' : '\\'))
    .replace(/\\[&|^%:)]/g, '')
    .replace(/\\ /g, ' ')
    .replace(/\\"(.*)$/, '')
    .replace(/\\(.)/g, '$1');
}

/** Arguments of a request line, honouring double quotes. */
function argumentsOf(rest: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"]|"")*)"|(\S+)/g;
  for (let m = pattern.exec(rest); m; m = pattern.exec(rest)) args.push(m[1] ?? m[2]);
  return args;
}

const FONT_MACROS = new Set(['B', 'I', 'SM', 'SB']);
const ALTERNATING = new Set(['BR', 'RB', 'BI', 'IB', 'IR', 'RI']);
const BREAKS = new Set(['PP', 'LP', 'P', 'sp', 'br', 'TP', 'IP', 'HP', 'Pp', 'Lp', 'Bl', 'El', 'It', 'Sp']);

/**
 * A man page (man or mdoc macros) as text: `.SH`/`.Sh` sections and `.SS`/`.Ss` subsections
 * become headings, font macros keep their words, paragraph macros break paragraphs, and every
 * other request (layout, comments, registers) is dropped.
 */
export function extractRoff(bytes: Buffer): Extraction {
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');
  const out: string[] = [];
  let title: string | undefined;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(paragraph.join(' '), '');
    paragraph = [];
  };
  for (const line of decodeText(bytes).replace(/\r\n?/g, '\n').split('\n')) {
    const request = /^[.'][ \t]*([A-Za-z][A-Za-z0-9]*|\\")(.*)$/.exec(line);
    if (!request) {
      if (line.startsWith('.') || line.startsWith("'")) continue;
      const text = inline(line).trim();
      if (text) paragraph.push(text);
      else flush();
      continue;
    }
    const [, name, rest] = request;
    const args = argumentsOf(rest).map(inline);
    if (name === 'TH' || name === 'Dt') {
      title = args[0] ? `${args[0].toLowerCase()}${args[1] ? `(${args[1]})` : ''}` : undefined;
    } else if (name === 'SH' || name === 'Sh') {
      flush();
      out.push(`# ${args.join(' ')}`, '');
    } else if (name === 'SS' || name === 'Ss') {
      flush();
      out.push(`## ${args.join(' ')}`, '');
    } else if (FONT_MACROS.has(name) || name === 'Nm' || name === 'Nd' || name === 'Ar' || name === 'Fl') {
      const prefix = name === 'Fl' ? '-' : name === 'Nd' ? '— ' : '';
      if (args.length) paragraph.push(prefix + args.join(' '));
    } else if (ALTERNATING.has(name)) {
      paragraph.push(args.join(''));
    } else if (BREAKS.has(name)) {
      flush();
      if ((name === 'IP' || name === 'It') && args[0]) paragraph.push(args.join(' '));
    }
  }
  flush();
  const text = tidy(out.join('\n'));
  if (!text) return skipped('no text in the man page');
  return { kind: 'extracted', format: 'man', title, text };
}
