import Mustache from 'mustache';

/**
 * Prompt templates are logic-less Mustache: `{{name}}` inserts an argument, `{{#name}}...{{/name}}`
 * shows its content when the argument is given (non-empty), `{{^name}}...{{/name}}` when it is not.
 * Nothing else is accepted: no partials, comments, delimiter changes, dotted names or names that
 * are not declared arguments. mustache.js parses (syntax, standalone-line rules); the few lines
 * below render the tokens themselves so that no value is ever called (lambdas) or looked up as
 * a property (`{{topic.constructor}}`), and nothing is HTML-escaped (the text is for a model).
 */

/** mustache.js's token: [type, value, start, end, children?, sectionEnd?]. */
type Token = [string, string, number, number, Token[]?, number?];

export interface CompiledTemplate {
  readonly tokens: readonly Token[];
}

/** Where a template is wrong, 1-based, and why. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'TemplateSyntaxError';
  }
}

const TAGS: [string, string] = ['{{', '}}'];

const REFUSED: Record<string, string> = {
  '>': 'partials are not supported',
  '!': 'comments are not supported',
  '=': 'changing delimiters is not supported',
};

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function refuse(text: string, offset: number, reason: string): never {
  const { line, column } = positionOf(text, offset);
  throw new TemplateSyntaxError(line, column, reason);
}

function check(text: string, tokens: readonly Token[], declared: ReadonlySet<string>): void {
  for (const [type, value, start, , children] of tokens) {
    if (type === 'text') continue;
    if (REFUSED[type]) refuse(text, start, REFUSED[type]);
    if (!declared.has(value)) refuse(text, start, `"${value}" is not a declared argument`);
    if (children) check(text, children, declared);
  }
}

/**
 * Parses and checks a template against the argument names it may use; throws a
 * TemplateSyntaxError with the line, column and reason when it is not valid.
 */
export function compileTemplate(text: string, declared: Iterable<string>): CompiledTemplate {
  let tokens: Token[];
  try {
    // A fresh writer: mustache's shared one caches every template it ever parsed.
    tokens = new Mustache.Writer().parse(text, TAGS) as Token[];
  } catch (error) {
    // mustache.js reports e.g. 'Unclosed section "x" at 42' (a character offset).
    const message = (error as Error).message;
    const at = /^(.*) at (\d+)$/s.exec(message);
    if (!at) refuse(text, 0, message);
    refuse(
      text,
      Number(at[2]),
      at[1].replace(/^./, (c) => c.toLowerCase()),
    );
  }
  check(text, tokens, new Set(declared));
  return { tokens };
}

function renderTokens(tokens: readonly Token[], values: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [type, value, , , children] of tokens) {
    const given = Object.prototype.hasOwnProperty.call(values, value) ? values[value] : '';
    if (type === 'text') out += value;
    else if (type === 'name' || type === '&') out += given;
    else if (type === '#' && given !== '') out += renderTokens(children ?? [], values);
    else if (type === '^' && given === '') out += renderTokens(children ?? [], values);
  }
  return out;
}

/** Renders a checked template with string arguments; absent arguments are empty. */
export function renderTemplate(template: CompiledTemplate, values: Readonly<Record<string, string>>): string {
  return renderTokens(template.tokens, values);
}
