import { InvalidError, jsonSchemaOf, ROLES, validateInput } from '@quarry/core';
import { CreateKeyInput, ROLE } from './api-keys';

describe('CreateKeyInput: the create-key contract, declared once', () => {
  it('publishes the role as the closed set of roles (MCP JSON Schema), and GraphQL names the same values', () => {
    const schema = jsonSchemaOf(CreateKeyInput) as { properties: Record<string, { enum?: string[] }> };
    expect(schema.properties.role.enum).toEqual([...ROLES]);
    expect(Object.values(ROLE.graphql)).toEqual([...ROLES]);
  });

  it('refuses a role outside the set, naming the field', async () => {
    const refused = await validateInput(CreateKeyInput, { name: 'bot', role: 'robot' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(InvalidError);
    expect((refused as InvalidError).problems).toEqual([
      { field: 'role', reason: expect.stringContaining('reader, writer, admin') },
    ]);
  });

  it('refuses an empty scope rather than reading it as every collection', async () => {
    const refused = await validateInput(CreateKeyInput, {
      name: 'bot',
      role: 'reader',
      collections: [],
    }).catch((e: unknown) => e);
    expect((refused as InvalidError).problems.map((p) => p.field)).toEqual(['collections']);
  });
});
