import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentUri } from './resource.manager';
import type { DynamicPrompt, PromptContent } from './prompt.manager';
import { type MessageManager } from '@quarry/core';
import type { SearchResult } from '@quarry/search';
import { validatePromptFile } from './registry.operations';

/** Prompt templates shipped in prompts/*.json; a broken file stops the start with its name. */
export async function loadPromptFiles(dir: string) {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const full = path.join(dir, file);
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(full, 'utf8'));
      } catch (error) {
        throw new Error(`prompt file ${full} is not valid JSON: ${(error as Error).message}`);
      }
      return validatePromptFile(raw, full);
    }),
  );
}

/**
 * `answer_with_citations`: runs the search itself and hands the model the top documents as
 * embedded resources, so the answer can cite them by URI.
 */
export function answerWithCitations(manager: MessageManager): DynamicPrompt {
  return {
    template: {
      name: 'answer_with_citations',
      title: 'Answer with citations',
      description:
        'Answer a question from the indexed documents, citing them. Runs a search and embeds the best hits.',
      arguments: [
        { name: 'question', description: 'The question to answer', required: true },
        { name: 'collection', description: 'Only use documents from this collection' },
      ],
    },
    async render(args, context) {
      // As the caller, never as a principal of its own: the prompt sees what the caller may see.
      const asCaller = {
        principal: context.principal,
        transport: context.transport,
        requestId: context.requestId,
        signal: context.signal,
      };
      const result = await manager.handle<SearchResult>({
        op: 'search',
        args: { query: args.question, size: 5, ...(args.collection ? { collection: args.collection } : {}) },
        ...asCaller,
      });
      const resources: PromptContent[] = await Promise.all(
        result.hits.map(async (hit) => {
          const doc = await manager.handle<{ body: string; title?: string }>({
            op: 'get_document',
            args: { id: hit.id },
            ...asCaller,
          });
          return {
            type: 'resource',
            resource: {
              uri: documentUri(hit.id),
              mimeType: 'text/markdown',
              text: `# ${doc.title ?? hit.id}\n\n${doc.body}`,
            },
          };
        }),
      );
      const instructions =
        result.hits.length > 0
          ? `Answer the question using only the ${result.hits.length} documents below. Cite each claim with the document's URI in brackets, like [quarry://documents/<id>]. If they do not answer it, say so.\n\nQuestion: ${args.question}`
          : `No indexed documents match this question. Say that Quarry has no documents about it.\n\nQuestion: ${args.question}`;
      return {
        description: `Answer "${args.question}" from ${result.hits.length} documents`,
        messages: [
          { role: 'user', content: { type: 'text', text: instructions } },
          ...resources.map((content) => ({ role: 'user' as const, content })),
        ],
      };
    },
  };
}
