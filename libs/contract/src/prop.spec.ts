import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  Args,
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  InputType,
  ObjectType,
  Query,
  Resolver,
} from '@nestjs/graphql';
import { printType, type GraphQLSchema } from 'graphql';
import { InvalidError, jsonSchemaOf, resultSchemaOf, validateInput } from '@quarry/core';
import { contractEnum, PickContract, Prop } from './prop';

const COLOUR = contractEnum('ContractSpecColour', ['red', 'green'] as const);

@InputType('ContractSpecInner')
class Inner {
  @Prop({ type: 'json', optional: true, description: 'free-form' })
  extra?: Record<string, unknown>;
}

@InputType('ContractSpecInput')
class SpecInput {
  @Prop({ type: 'string', minLength: 1, maxLength: 5, description: 'the text' })
  text!: string;

  @Prop({ type: 'int', optional: true, min: 1, max: 3, default: 1 })
  times?: number;

  @Prop({ type: COLOUR, optional: true })
  colour?: string;

  @Prop({ type: 'string', array: true, optional: true, maxItems: 2, maxLength: 3 })
  tags?: string[];

  @Prop({ type: () => Inner, optional: true })
  inner?: Inner;
}

@InputType('ContractSpecPicked')
class PickedInput extends PickContract(SpecInput, ['text', 'times']) {
  @Prop({ type: 'boolean', optional: true })
  own?: boolean;
}

@ObjectType('ContractSpecResult')
class SpecResult {
  @Prop({ type: 'string', nullable: true })
  title!: string | null;

  @Prop({ type: 'int', optional: true })
  count?: number;
}

@Resolver()
class SpecResolver {
  @Query(() => SpecResult)
  echo(@Args('input') _input: SpecInput): SpecResult {
    return { title: null };
  }

  @Query(() => SpecResult)
  picked(@Args('input') _input: PickedInput): SpecResult {
    return { title: null };
  }
}

async function graphqlSchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    return await app.get(GraphQLSchemaFactory).create([SpecResolver]);
  } finally {
    await app.close();
  }
}

describe('@Prop: one declaration, every derived contract', () => {
  it('derives the JSON Schema of an input: types, bounds, enums, nested classes, closed objects', () => {
    expect(jsonSchemaOf(SpecInput)).toEqual({
      type: 'object',
      properties: {
        text: { type: 'string', minLength: 1, maxLength: 5, description: 'the text' },
        times: { type: 'integer', minimum: 1, maximum: 3, default: 1 },
        colour: { type: 'string', enum: ['red', 'green'] },
        tags: { type: 'array', items: { type: 'string', maxLength: 3 }, maxItems: 2 },
        inner: {
          type: 'object',
          properties: { extra: { type: 'object', description: 'free-form' } },
          additionalProperties: false,
        },
      },
      required: ['text'],
      additionalProperties: false,
    });
  });

  it('derives an open result schema where null is allowed only where declared', () => {
    expect(resultSchemaOf(SpecResult)).toEqual({
      type: 'object',
      properties: { title: { oneOf: [{ type: 'string' }, { type: 'null' }] }, count: { type: 'integer' } },
      required: ['title'],
    });
  });

  it('derives the validation: each bound refused with the field named', async () => {
    await expect(
      validateInput(SpecInput, { text: 'ok', times: 2, tags: ['a'], inner: {} }),
    ).resolves.toBeInstanceOf(SpecInput);
    const fields = async (args: object) => {
      const error = await validateInput(SpecInput, args).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidError);
      return (error as InvalidError).problems!.map((p) => p.field);
    };
    expect(await fields({ text: '' })).toEqual(['text']);
    expect(await fields({ text: 'ok', times: 4 })).toEqual(['times']);
    expect(await fields({ text: 'ok', colour: 'blue' })).toEqual(['colour']);
    expect(await fields({ text: 'ok', tags: ['a', 'b', 'c'] })).toEqual(['tags']);
    expect(await fields({ text: 'ok', tags: ['long'] })).toEqual(['tags']);
    expect(await fields({ text: 'ok', inner: { extra: 'x' } })).toEqual(['inner.extra']);
    expect(await fields({ text: 'ok', unknown: 1 })).toEqual(['unknown']);
  });

  it('PickContract takes fields as the source declares them: schema, validation and GraphQL', async () => {
    const schema = jsonSchemaOf(PickedInput) as { properties: Record<string, unknown>; required: string[] };
    expect(schema.properties).toEqual({
      text: (jsonSchemaOf(SpecInput) as typeof schema).properties.text,
      times: (jsonSchemaOf(SpecInput) as typeof schema).properties.times,
      own: { type: 'boolean' },
    });
    expect(schema.required).toEqual(['text']);
    const error = await validateInput(PickedInput, { text: '', times: 9 }).catch((e: unknown) => e);
    expect((error as InvalidError).problems!.map((p) => p.field)).toEqual(['text', 'times']);
    expect(printType((await graphqlSchema()).getType('ContractSpecPicked')!)).toContain('text: String!');
  });

  it('derives the GraphQL types: names, nullability, enums (upper-case), descriptions and defaults', async () => {
    const schema = await graphqlSchema();
    expect(printType(schema.getType('ContractSpecInput')!)).toBe(
      [
        'input ContractSpecInput {',
        '  """the text"""',
        '  text: String!',
        '',
        '  """(default 1)"""',
        '  times: Int',
        '  colour: ContractSpecColour',
        '  tags: [String!]',
        '  inner: ContractSpecInner',
        '}',
      ].join('\n'),
    );
    expect(printType(schema.getType('ContractSpecColour')!)).toContain('RED');
    expect(printType(schema.getType('ContractSpecResult')!)).toBe(
      ['type ContractSpecResult {', '  title: String', '  count: Int', '}'].join('\n'),
    );
  });
});
