import 'reflect-metadata';
import { InvalidError, jsonSchemaOf, validateInput } from '@quarry/core';
import { DocumentInput, IndexDocumentsInput } from './document.dto';
import { INGEST_RESULT_SCHEMA } from './output-schemas';

type Schema = Record<string, unknown> & { properties: Record<string, Schema>; items: Schema };

describe('document contract', () => {
  it('index_documents input schema: documents are DocumentInput, described from the same declaration', () => {
    const documents = (jsonSchemaOf(IndexDocumentsInput) as Schema).properties.documents;
    expect(documents).toMatchObject({ type: 'array', minItems: 1 });
    expect(documents.items).toEqual(jsonSchemaOf(DocumentInput));
    expect(documents.items).toMatchObject({
      required: ['body'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', pattern: expect.any(String) },
        collection: { pattern: '^[a-z0-9][a-z0-9_-]*$', default: 'default' },
        tags: { type: 'array', items: { type: 'string', minLength: 1 } },
        metadata: { type: 'object' },
      },
    });
  });

  it('the ingest result schema types each problem of a failed document', () => {
    const items = (INGEST_RESULT_SCHEMA as unknown as Schema).properties.items.items;
    expect(items.properties.problems.items).toMatchObject({ required: ['field', 'reason'] });
    expect(items.properties.status).toMatchObject({ enum: ['created', 'updated', 'unchanged', 'failed'] });
  });

  it('a bulk is not refused for one bad document (each is validated by the ingest), a bad document names its field', async () => {
    await expect(
      validateInput(IndexDocumentsInput, { documents: [{ body: '' }, { nope: 1 }] }),
    ).resolves.toBeDefined();
    const error = await validateInput(DocumentInput, { body: '', collection: 'Bad Name' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).problems).toEqual([
      { field: 'body', reason: 'body must not be empty' },
      { field: 'collection', reason: 'collection must be lowercase letters, digits, - and _' },
    ]);
  });
});
