import 'reflect-metadata';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { JsonSchemaType } from '@modelcontextprotocol/sdk/validation/types.js';
import { DOCUMENT_SCHEMA } from './output-schemas';
import type { DocumentWithExcerpt } from './document-excerpt';

/** What an MCP client does with get_document's structuredContent: validate it against the tool's output schema. */
const validateDocument = new AjvJsonSchemaValidator().getValidator(DOCUMENT_SCHEMA as JsonSchemaType);

const stored: DocumentWithExcerpt = {
  id: 'runbook-disk',
  collection: 'runbooks',
  body: 'Rotate the logs.',
  tags: [],
  metadata: { team: 'sre' },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-02T00:00:00.000Z',
  content_hash: 'abc',
};

describe('get_document output schema (derived from DocumentView)', () => {
  it('accepts documents as the operation answers them: whole, in part, with access', () => {
    expect(validateDocument(stored).valid).toBe(true);
    const partial: DocumentWithExcerpt = {
      ...stored,
      title: 'Disk full',
      access: { groups: ['sre'] },
      chunk_count: 3,
      excerpt: {
        start: 0,
        end: 16,
        bodyLength: 40,
        truncated: true,
        chunks: [{ chunk: 0, location: { heading: ['Disk'], lines: [1, 2] } }],
      },
    };
    expect(validateDocument(partial)).toMatchObject({ valid: true });
  });

  it('says what a document holds, down to the excerpt (a client can rely on each field)', () => {
    const { body: _body, ...withoutBody } = stored;
    expect(validateDocument(withoutBody).valid).toBe(false);
    const badExcerpt = { ...stored, excerpt: { start: 'beginning', end: 16 } };
    expect(validateDocument(badExcerpt).valid).toBe(false);
    const badAccess = { ...stored, access: { groups: 'sre' } };
    expect(validateDocument(badAccess).valid).toBe(false);
  });
});
