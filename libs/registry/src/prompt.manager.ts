import { type OperationContext, InvalidError, NotFoundError, type FieldProblem } from '@quarry/core';
import {
  compileTemplate,
  renderTemplate,
  TemplateSyntaxError,
  type CompiledTemplate,
} from './prompt.template';

export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/** A prompt template: messages in logic-less Mustache (prompt.template.ts), rendered from validated arguments. */
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
  /** Runs with the caller's context: whatever it reads, it reads as the caller. */
  render(args: Record<string, string>, context: OperationContext): Promise<RenderedPrompt>;
}

const MAX_ARGUMENT_LENGTH = 10_000;

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

/**
 * Compiles every message of a template, which may use only its declared arguments; a template
 * that is not valid is refused as invalid `template`, with the message, line and reason.
 */
export function checkPromptTemplate(template: PromptTemplate): CompiledTemplate[] {
  const declared = template.arguments.map((a) => a.name);
  return template.messages.map((message, i) => {
    try {
      return compileTemplate(message.text, declared);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      const reason = `messages[${i}].text ${error.message}`;
      throw new InvalidError(`prompt ${template.name}: template is not valid: ${reason}`, [
        { field: 'template', reason },
      ]);
    }
  });
}

/** Prompts from the prompts/ directory and the registry, plus built-in dynamic ones. */
export class PromptManager {
  private templates = new Map<string, { template: PromptTemplate; compiled: CompiledTemplate[] }>();
  private readonly dynamic = new Map<string, DynamicPrompt>();

  addDynamic(prompt: DynamicPrompt): void {
    this.dynamic.set(prompt.template.name, prompt);
  }

  /** Replaces the stored templates; returns those refused (e.g. stored before templates were Mustache). */
  replaceTemplates(templates: PromptTemplate[]): { name: string; reason: string }[] {
    const refused: { name: string; reason: string }[] = [];
    this.templates = new Map();
    for (const template of templates) {
      if (this.dynamic.has(template.name)) continue;
      try {
        this.templates.set(template.name, { template, compiled: checkPromptTemplate(template) });
      } catch (error) {
        refused.push({ name: template.name, reason: (error as Error).message });
      }
    }
    return refused;
  }

  isBuiltIn(name: string): boolean {
    return this.dynamic.has(name);
  }

  list(): Omit<PromptTemplate, 'messages'>[] {
    return [
      ...[...this.dynamic.values()].map((d) => d.template),
      ...[...this.templates.values()].map(({ template: { messages: _m, ...rest } }) => rest),
    ];
  }

  get(name: string): Omit<PromptTemplate, 'messages'> | undefined {
    return this.dynamic.get(name)?.template ?? this.templates.get(name)?.template;
  }

  async render(
    name: string,
    args: Record<string, unknown>,
    context: OperationContext,
  ): Promise<RenderedPrompt> {
    const dynamic = this.dynamic.get(name);
    if (dynamic) return dynamic.render(checkPromptArguments(dynamic.template, args), context);
    const stored = this.templates.get(name);
    if (!stored) throw new NotFoundError('prompt', name);
    const { template, compiled } = stored;
    const values = checkPromptArguments(template, args);
    return {
      description: template.description,
      messages: template.messages.map((m, i) => ({
        role: m.role,
        content: { type: 'text', text: renderTemplate(compiled[i], values) },
      })),
    };
  }
}
