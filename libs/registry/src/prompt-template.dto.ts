import { InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import { Prop } from '@quarry/contract';

/*
 * A prompt template as an admin registers it (REST, GraphQL, MCP, prompts/ files), declared once:
 * validation, OpenAPI, the GraphQL PromptTemplateInput and JSON Schema come from these classes.
 */

@InputType('PromptArgumentInput')
export class PromptArgumentInput {
  @Prop({
    type: 'string',
    pattern: { regex: /^[a-z][a-z0-9_]{0,39}$/, message: 'name must be lowercase letters, digits and _' },
  })
  name!: string;

  @Prop({ type: 'string', optional: true, maxLength: 500 })
  description?: string;

  @Prop({ type: 'boolean', optional: true })
  required?: boolean;
}

const ROLES = ['user', 'assistant'] as const;

@InputType('PromptMessageInput')
export class PromptMessageInput {
  // A string in GraphQL (as before), an enum in JSON Schema and OpenAPI.
  @Prop({
    type: 'string',
    validate: [IsIn(ROLES as unknown as string[])],
    schema: { enum: [...ROLES] },
    description: '"user" or "assistant"',
  })
  role!: (typeof ROLES)[number];

  @Prop({
    type: 'string',
    minLength: 1,
    maxLength: 20_000,
    description:
      'Mustache template: {{argument}}, {{#argument}}...{{/argument}}, {{^argument}}...{{/argument}}',
  })
  text!: string;
}

@InputType('PromptTemplateInput')
export class PromptTemplateInput {
  @Prop({
    type: 'string',
    pattern: {
      regex: /^[a-z][a-z0-9_]{1,63}$/,
      message: 'name must be 2-64 lowercase letters, digits and _',
    },
  })
  name!: string;

  @Prop({ type: 'string', optional: true, maxLength: 200 })
  title?: string;

  @Prop({ type: 'string', optional: true, maxLength: 1000 })
  description?: string;

  @Prop({ type: () => PromptArgumentInput, array: true, maxItems: 20 })
  arguments!: PromptArgumentInput[];

  @Prop({ type: () => PromptMessageInput, array: true, maxItems: 20 })
  messages!: PromptMessageInput[];
}
