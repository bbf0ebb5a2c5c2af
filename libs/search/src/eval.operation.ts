import { registerDecorator, type ValidationArguments } from 'class-validator';
import { PickContract, Prop } from '@quarry/contract';
import {
  operationRef,
  type Operation,
  type OperationContext,
  type ArgsOf,
  type ResultOf,
} from '@quarry/core';
import { FUSION_METHODS, fuse, type FusionMethod, type FusionOptions, type RankedDoc } from './fusion';
import { ID_PATTERN, LIMITS } from './limits';
import { searchCost } from './operation-costs';
import { meanScores, scoreRanking, type Grades, type RelevanceScores } from './relevance';
import type { SearchService } from './search.service';
import { SearchInput } from './search.dto';
import { searchScopeOf } from './visibility';

export const EVAL_LIMITS = { judgments: 1_000, relevantPerQuery: 1_000, maxGrade: 10 } as const;
/** Deep enough for recall@100. */
const EVAL_DEPTH = 100;
/** The semanticRatio values `sweep` tries, with each fusion method. */
export const SWEEP_RATIOS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

function IsGrades() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isGrades',
      target: target.constructor,
      propertyName,
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length >= 1 &&
            entries.length <= EVAL_LIMITS.relevantPerQuery &&
            entries.some(([, grade]) => (grade as number) > 0) &&
            entries.every(
              ([id, grade]) =>
                id.length <= LIMITS.idLength &&
                ID_PATTERN.test(id) &&
                typeof grade === 'number' &&
                Number.isFinite(grade) &&
                grade >= 0 &&
                grade <= EVAL_LIMITS.maxGrade,
            )
          );
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must map document ids to grades 0-${EVAL_LIMITS.maxGrade} (at least one above 0, at most ${EVAL_LIMITS.relevantPerQuery} ids)`,
      },
    });
}

/** One judged query: the documents that answer it, graded (0 = judged not relevant). */
export class Judgment extends PickContract(SearchInput, ['query', 'collection']) {
  @Prop({
    type: 'json',
    validate: [IsGrades()],
    schema: {
      additionalProperties: { type: 'number', minimum: 0, maximum: EVAL_LIMITS.maxGrade },
      minProperties: 1,
      maxProperties: EVAL_LIMITS.relevantPerQuery,
      example: { 'runbook-disk': 2, 'runbook-cert': 1 },
    },
    description: 'document id → grade (1 = relevant, higher = more relevant, 0 = judged not relevant)',
  })
  relevant!: Grades;
}

/** Judged queries; the hybrid row uses `semanticRatio` and `fusion` as a search would (the server's when left out). */
export class EvaluateInput extends PickContract(SearchInput, ['semanticRatio', 'fusion']) {
  @Prop({ type: () => Judgment, array: true, minItems: 1, maxItems: EVAL_LIMITS.judgments })
  judgments!: Judgment[];

  @Prop({
    type: 'boolean',
    optional: true,
    default: false,
    description: `also hybrid at semanticRatio ${SWEEP_RATIOS.join(', ')} with each fusion method`,
  })
  sweep?: boolean;
}

export interface EvaluationRow extends RelevanceScores {
  /** `lexical`, `semantic`, `hybrid` (the weighting searches use), or `hybrid <fusion> r=<ratio>` in a sweep. */
  run: string;
  mode: 'lexical' | 'semantic' | 'hybrid';
  semanticRatio?: number;
  fusion?: FusionMethod;
}

export interface EvaluationResult {
  queries: number;
  /** The weighting of the `hybrid` row. */
  hybrid: FusionOptions;
  rows: EvaluationRow[];
  tookMs: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function rounded(scores: RelevanceScores): RelevanceScores {
  return {
    'MRR@10': round(scores['MRR@10']),
    'nDCG@10': round(scores['nDCG@10']),
    'recall@10': round(scores['recall@10']),
    'recall@100': round(scores['recall@100']),
  };
}

interface RunSpec {
  run: string;
  mode: EvaluationRow['mode'];
  rank: (lists: { lexical: RankedDoc[]; semantic: RankedDoc[] }) => RankedDoc[];
  fusion?: FusionOptions;
}

/**
 * Runs judged queries in every mode and reports MRR@10, nDCG@10 and recall@10/100 per mode.
 * Each query is retrieved once (both retrievers, 100 deep) and every run ranks those same lists
 * exactly as search does, so the rows differ only by how they rank.
 */
export async function evaluate(
  search: SearchService,
  input: EvaluateInput,
  context: Pick<OperationContext, 'principal' | 'signal' | 'onProgress'>,
): Promise<EvaluationResult> {
  const started = performance.now();
  const hybrid: FusionOptions = {
    semanticRatio: input.semanticRatio ?? search.defaultFusion.semanticRatio,
    method: input.fusion ?? search.defaultFusion.method,
  };
  const runs: RunSpec[] = [
    { run: 'lexical', mode: 'lexical', rank: (l) => l.lexical },
    { run: 'semantic', mode: 'semantic', rank: (l) => l.semantic },
    { run: 'hybrid', mode: 'hybrid', rank: (l) => fuse(l.lexical, l.semantic, hybrid), fusion: hybrid },
  ];
  if (input.sweep) {
    for (const method of FUSION_METHODS)
      for (const semanticRatio of SWEEP_RATIOS) {
        const fusion = { method, semanticRatio };
        runs.push({
          run: `hybrid ${method} r=${semanticRatio}`,
          mode: 'hybrid',
          rank: (l) => fuse(l.lexical, l.semantic, fusion),
          fusion,
        });
      }
  }
  const perRun = runs.map(() => [] as RelevanceScores[]);
  const scope = searchScopeOf(context.principal);
  for (const [done, judgment] of input.judgments.entries()) {
    const lists = await search.rankings(
      { query: judgment.query, collection: judgment.collection },
      scope,
      EVAL_DEPTH,
      context.signal,
    );
    runs.forEach((spec, i) =>
      perRun[i].push(
        scoreRanking(
          spec.rank(lists).map((d) => d.id),
          judgment.relevant,
        ),
      ),
    );
    context.onProgress({ done: done + 1, total: input.judgments.length });
  }
  return {
    queries: input.judgments.length,
    hybrid,
    rows: runs.map((spec, i) => ({
      run: spec.run,
      mode: spec.mode,
      ...(spec.fusion ? { semanticRatio: spec.fusion.semanticRatio, fusion: spec.fusion.method } : {}),
      ...rounded(meanScores(perRun[i])),
    })),
    tookMs: Math.round(performance.now() - started),
  };
}

/** The rows as an aligned text table (CLI and MCP text). */
export function evaluationTable(result: EvaluationResult): string {
  const columns = ['run', 'MRR@10', 'nDCG@10', 'recall@10', 'recall@100'] as const;
  const cells = result.rows.map((row) => columns.map((c) => (c === 'run' ? row.run : row[c].toFixed(3))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    `${result.queries} judged queries; hybrid = ${result.hybrid.method}, semanticRatio ${result.hybrid.semanticRatio}`,
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

/** Typed references of the operations below: what edges call them by. */
export const EVALUATE_SEARCH = operationRef<EvaluateInput, EvaluationResult>('evaluate_search');

export function evaluateOperation(
  search: SearchService,
): Operation<ArgsOf<typeof EVALUATE_SEARCH>, ResultOf<typeof EVALUATE_SEARCH>> {
  return {
    name: EVALUATE_SEARCH,
    description:
      'Relevance evaluation: run judged queries ({ query, relevant: { id: grade } }) in every mode and report MRR@10, nDCG@10 and recall@10/100 per mode.',
    role: 'reader',
    input: EvaluateInput,
    // Every judged query runs both retrievers: as many rate-limit tokens as that many hybrid searches.
    cost: (args) => searchCost({ mode: 'hybrid' }) * (args?.judgments?.length ?? 1),
    run: (args, context) => evaluate(search, args, context),
  };
}
