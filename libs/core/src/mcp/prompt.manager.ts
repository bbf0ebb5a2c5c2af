import nunjucks from 'nunjucks';
import { InvalidError, NotFoundError, type FieldProblem } from '../errors';

export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/** A prompt template: messages rendered with nunjucks (Jinja-like) from validated arguments. */
export interface PromptTemplate {
  name: string;
  title?: string;
  description?: string;
  arguments: PromptArgument[];
  messages: { role: 'user' | 'assistant'; text: string }[];
}

export type PromptContent =
  | { type: 'text'; text: string }
  | { type: 'resource'; resource: { uri: string; mimeType: string; text: string } };

export interface RenderedPrompt {
  description?: string;
  messages: { role: 'user' | 'assistant'; content: PromptContent }[];
}

/** A prompt whose rendering needs more than a template (e.g. one that runs a search first). */
export interface DynamicPrompt {
  template: Omit<PromptTemplate, 'messages'>;
  render(args: Record<string, string>, context: { signal?: AbortSignal }): Promise<RenderedPrompt>;
}

const MAX_ARGUMENT_LENGTH = 10_000;

// No filesystem loader and no autoescaping: templates are plain text for a model, not HTML.
const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });

/** Validates arguments against a prompt's declaration: required ones present, no unknown ones, bounded length. */
export function checkPromptArguments(
  template: Omit<PromptTemplate, 'messages'>,
  args: Record<string, unknown>,
): Record<string, string> {
  const problems: FieldProblem[] = [];
  const declared = new Set(template.arguments.map((a) => a.name));
  for (const key of Object.keys(args))
    if (!declared.has(key)) problems.push({ field: key, reason: `is not an argument of ${template.name}` });
  for (const argument of template.arguments) {
    const value = args[argument.name];
    if (value === undefined || value === '') {
      if (argument.required) problems.push({ field: argument.name, reason: 'is required' });
    } else if (typeof value !== 'string') problems.push({ field: argument.name, reason: 'must be a string' });
    else if (value.length > MAX_ARGUMENT_LENGTH)
      problems.push({ field: argument.name, reason: `is longer than ${MAX_ARGUMENT_LENGTH} characters` });
  }
  if (problems.length)
    throw new InvalidError(
      `invalid arguments for prompt ${template.name}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  return Object.fromEntries(Object.entries(args).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
}

/** Checks a template before it is stored: a syntax error is refused with the reason. */
export function checkPromptTemplate(template: PromptTemplate): void {
  for (const [i, message] of template.messages.entries()) {
    try {
      nunjucks.compile(message.text, environment);
      environment.renderString(message.text, {});
    } catch (error) {
      throw new InvalidError(
        `prompt ${template.name}: messages[${i}] is not a valid template: ${(error as Error).message}`,
        [{ field: `messages[${i}].text`, reason: 'template syntax error' }],
      );
    }
  }
}

/** Prompts from the prompts/ directory and the registry, plus built-in dynamic ones. */
export class PromptManager {
  private templates = new Map<string, PromptTemplate>();
  private readonly dynamic = new Map<string, DynamicPrompt>();

  addDynamic(prompt: DynamicPrompt): void {
    this.dynamic.set(prompt.template.name, prompt);
  }

  replaceTemplates(templates: PromptTemplate[]): void {
    this.templates = new Map(templates.filter((t) => !this.dynamic.has(t.name)).map((t) => [t.name, t]));
  }

  isBuiltIn(name: string): boolean {
    return this.dynamic.has(name);
  }

  list(): Omit<PromptTemplate, 'messages'>[] {
    return [
      ...[...this.dynamic.values()].map((d) => d.template),
      ...[...this.templates.values()].map(({ messages: _m, ...rest }) => rest),
    ];
  }

  get(name: string): Omit<PromptTemplate, 'messages'> | undefined {
    return this.dynamic.get(name)?.template ?? this.templates.get(name);
  }

  async render(
    name: string,
    args: Record<string, unknown>,
    context: { signal?: AbortSignal } = {},
  ): Promise<RenderedPrompt> {
    const dynamic = this.dynamic.get(name);
    if (dynamic) return dynamic.render(checkPromptArguments(dynamic.template, args), context);
    const template = this.templates.get(name);
    if (!template) throw new NotFoundError('prompt', name);
    const values = checkPromptArguments(template, args);
    return {
      description: template.description,
      messages: template.messages.map((m) => ({
        role: m.role,
        content: { type: 'text', text: environment.renderString(m.text, values) },
      })),
    };
  }
}
