import { compileTemplate, renderTemplate, TemplateSyntaxError } from './prompt.template';

const render = (text: string, declared: string[], values: Record<string, string>) =>
  renderTemplate(compileTemplate(text, declared), values);

const refusal = (text: string, declared: string[] = []): TemplateSyntaxError => {
  try {
    compileTemplate(text, declared);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
  throw new Error(`template was accepted: ${text}`);
};

describe('prompt templates (logic-less Mustache)', () => {
  it('inserts declared arguments as they are, without HTML escaping', () => {
    expect(render('Find {{ topic }} & {{{topic}}} & {{&topic}}', ['topic'], { topic: '<a "b">' })).toBe(
      'Find <a "b"> & <a "b"> & <a "b">',
    );
  });

  it('shows a section when its argument is given, an inverted section when it is not', () => {
    const text =
      '{{#collection}}@{{collection}} {{/collection}}{{topic}} for {{^who}}everyone{{/who}}{{who}}';
    expect(render(text, ['collection', 'topic', 'who'], { collection: 'ops', topic: 'disk' })).toBe(
      '@ops disk for everyone',
    );
    expect(render(text, ['collection', 'topic', 'who'], { topic: 'disk', who: 'me' })).toBe('disk for me');
  });

  it('never evaluates an argument value as a template', () => {
    expect(render('{{q}}', ['q', 'r'], { q: '{{r}} {{#r}}x{{/r}}', r: 'secret' })).toBe(
      '{{r}} {{#r}}x{{/r}}',
    );
  });

  it('does not reach object properties of the values or of the view', () => {
    // Declared names that are also Object.prototype members render the argument or nothing.
    expect(render('[{{constructor}}][{{__proto__}}]', ['constructor', '__proto__'], {})).toBe('[][]');
    expect(render('{{#topic}}{{length}}{{/topic}}', ['topic', 'length'], { topic: 'abc' })).toBe('');
  });

  it.each([
    ['{{ range.constructor("return process.pid")() }}', 'range.constructor("return process.pid")()'],
    ['{{topic.constructor}}', 'topic.constructor'],
    ['{{.}}', '.'],
    ['{{other}}', 'other'],
    ['{{#other}}x{{/other}}', 'other'],
  ])('refuses %s: not a declared argument', (text, name) => {
    expect(refusal(text, ['topic']).reason).toBe(`"${name}" is not a declared argument`);
  });

  it.each([
    ['{{> partial}}', 'partials are not supported'],
    ['{{! a comment }}', 'comments are not supported'],
    ['{{=<% %>=}}', 'changing delimiters is not supported'],
  ])('refuses %s', (text, reason) => {
    expect(refusal(text, ['partial']).reason).toBe(reason);
  });

  it('reports syntax errors with their line and column', () => {
    const unclosed = refusal('first line\nsecond {{#topic}} never closed', ['topic']);
    expect(unclosed.line).toBe(2);
    expect(unclosed.reason).toMatch(/unclosed section "topic"/);
    const tag = refusal('a\nb\nc {{topic', ['topic']);
    expect(tag.line).toBe(3);
    expect(tag.column).toBeGreaterThan(1);
    expect(tag.reason).toMatch(/unclosed tag/);
    const unopened = refusal('x {{/topic}}', ['topic']);
    expect(unopened.message).toMatch(/^line 1, column \d+: unopened section "topic"/);
  });

  it('reports the line of an undeclared argument', () => {
    const error = refusal('ok {{topic}}\n\n  {{secret}}', ['topic']);
    expect([error.line, error.column]).toEqual([3, 3]);
  });
});
