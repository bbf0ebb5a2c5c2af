import { resultSchemaOf } from '@quarry/core';
import { ingestionOperations, type IngestionOperationDeps } from '../ingestion.operations';
import { JOB_STAGES, JobState } from './job.dto';

type Schema = { properties: Record<string, Schema>; required?: string[]; items?: Schema; enum?: string[] };

describe('the job contract, declared once', () => {
  const operations = ingestionOperations({} as IngestionOperationDeps);
  const outputOf = (name: string) =>
    operations.find((op) => String(op.name) === name)!.tool!.outputSchema as unknown as Schema;

  it('is what every job operation publishes: each count, stage and failure field named', () => {
    for (const name of ['sync_source', 'get_job', 'cancel_job']) {
      const schema = outputOf(name);
      expect(schema).toEqual(resultSchemaOf(JobState));
      expect(schema.properties.counts.required).toEqual([
        'found',
        'unchanged',
        'indexed',
        'embedded',
        'skipped',
        'failed',
        'deleted',
      ]);
      expect(schema.properties.stage.enum).toEqual([...JOB_STAGES]);
      expect(schema.properties.failures.items!.required).toEqual(['item', 'stage', 'reason']);
      expect(schema.required).toEqual(expect.arrayContaining(['created_at', 'updated_at', 'status']));
    }
    expect(outputOf('list_jobs').properties.jobs.items).toEqual(resultSchemaOf(JobState));
  });
});
