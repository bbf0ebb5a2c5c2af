import { errors } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';

function refusal(status: number, body: unknown) {
  return new errors.ResponseError({
    body,
    statusCode: status,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

describe('mapElasticsearchError', () => {
  const tooDeep = refusal(400, {
    error: {
      type: 'search_phase_execution_exception',
      reason: 'all shards failed',
      root_cause: [
        {
          type: 'illegal_argument_exception',
          reason: 'Result window is too large, from + size must be less than or equal to: [10000]',
        },
      ],
    },
    status: 400,
  });

  it("keeps Elasticsearch's reasons, root causes included, for the log, not for the client", () => {
    const error = mapElasticsearchError(tooDeep);
    expect(error.kind).toBe('internal');
    expect(error.message).toBe('elasticsearch rejected the request');
    const cause = (error as { cause?: Error }).cause;
    expect(cause?.message).toContain('all shards failed');
    expect(cause?.message).toContain('illegal_argument_exception: Result window is too large');
    // The cause is not serialised into what a client receives.
    expect(JSON.stringify(error.toJSON())).not.toContain('Result window');
  });

  it('reports an overloaded or failing node as unavailable', () => {
    expect(mapElasticsearchError(refusal(429, { error: { reason: 'rejected execution' } })).kind).toBe(
      'unavailable',
    );
    expect(mapElasticsearchError(refusal(503, { error: { reason: 'no master' } })).kind).toBe('unavailable');
  });
});
