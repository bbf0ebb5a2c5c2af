import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentUri } from './resource.manager';
import type { DynamicPrompt, PromptContent } from './prompt.manager';
import { type MessageManager } from '@quarry/core';
import { describeLocation, GET_DOCUMENT, SEARCH } from '@quarry/search';
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

/** Characters per token of English prose, as tokenizers of the common models count them. */
const CHARS_PER_TOKEN = 4;
/** The fewest characters a passage gets, so that a small budget still shows each hit in context. */
const MIN_PASSAGE_CHARS = 400;

/**
 * `answer_with_citations`: runs the search itself and hands the model the best passage of each
 * hit (the chunk the hit is shown from, read in context) as an embedded resource, within a budget
 * of `budgetTokens` tokens shared by the hits, so a question answered by one line costs a few
 * thousand tokens rather than the whole documents. Each passage says where it is, to cite.
 */
export function answerWithCitations(manager: MessageManager, budgetTokens: number): DynamicPrompt {
  return {
    template: {
      name: 'answer_with_citations',
      title: 'Answer with citations',
      description:
        'Answer a question from the indexed documents, citing them. Runs a search and embeds the best passage of each hit, within a token budget.',
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
      const result = await manager.handle({
        op: SEARCH,
        args: { query: args.question, size: 5, ...(args.collection ? { collection: args.collection } : {}) },
        ...asCaller,
      });
      const share = Math.max(
        MIN_PASSAGE_CHARS,
        Math.floor((budgetTokens * CHARS_PER_TOKEN) / Math.max(1, result.hits.length)),
      );
      const resources: PromptContent[] = await Promise.all(
        result.hits.map(async (hit) => {
          const chunk = hit.location?.chunk;
          const passage = await manager.handle({
            op: GET_DOCUMENT,
            args: { id: hit.id, maxChars: share, ...(chunk !== undefined ? { chunk } : {}) },
            ...asCaller,
          });
          const where = hit.location ? describeLocation(hit.location) : '';
          return {
            type: 'resource',
            resource: {
              uri: documentUri(hit.id),
              mimeType: 'text/markdown',
              text: `# ${passage.title ?? hit.id}${where ? `\n\n(${where})` : ''}\n\n${passage.body}`,
            },
          };
        }),
      );
      const instructions =
        result.hits.length > 0
          ? `Answer the question using only the ${result.hits.length} passages below. Cite each claim with the document's URI in brackets, like [quarry://documents/<id>], and the passage's location when it has one. If they do not answer it, say so.\n\nQuestion: ${args.question}`
          : `No indexed documents match this question. Say that Quarry has no documents about it.\n\nQuestion: ${args.question}`;
      return {
        description: `Answer "${args.question}" from ${result.hits.length} passages`,
        messages: [
          { role: 'user', content: { type: 'text', text: instructions } },
          ...resources.map((content) => ({ role: 'user' as const, content })),
        ],
      };
    },
  };
}
