import { gql } from './api';

/**
 * What this Quarry's schema says at run time, read by introspection once: the defaults the server
 * applies (written in descriptions) and which optional inputs it takes. What the console selects is
 * fixed at build time instead (operations.ts, checked against schema.graphql by codegen).
 */

interface FieldInfo {
  name: string;
  description?: string | null;
}

interface TypeInfo {
  name: string;
  kind: string;
  fields: FieldInfo[] | null;
  inputFields: FieldInfo[] | null;
  enumValues: { name: string }[] | null;
}

const INTROSPECTION = `query ConsoleSchema {
  __schema {
    types {
      name kind
      fields { name }
      inputFields { name description }
      enumValues { name }
    }
  }
}`;

export class SchemaInfo {
  private readonly types = new Map<string, TypeInfo>();

  constructor(types: TypeInfo[]) {
    for (const type of types) this.types.set(type.name, type);
  }

  field(typeName: string, field: string): FieldInfo | undefined {
    const type = this.types.get(typeName);
    return (type?.fields ?? type?.inputFields ?? []).find((f) => f.name === field);
  }

  has(typeName: string, field: string): boolean {
    return this.field(typeName, field) !== undefined;
  }

  /**
   * The default the server applies to an omitted input field: GraphQL inputs carry none (a missing
   * field stays missing), so the contract writes it at the end of the description, `(default 0.85)`.
   */
  numericDefault(typeName: string, field: string): number | undefined {
    const match = /\(default (-?[\d.]+)\)\s*$/.exec(this.field(typeName, field)?.description ?? '');
    return match ? Number(match[1]) : undefined;
  }

  enumValues(typeName: string): string[] {
    return this.types.get(typeName)?.enumValues?.map((v) => v.name) ?? [];
  }
}

let loaded: Promise<SchemaInfo> | undefined;

export function schema(): Promise<SchemaInfo> {
  loaded ??= gql<{ __schema: { types: TypeInfo[] } }>(INTROSPECTION)
    .then((data) => new SchemaInfo(data.__schema.types))
    .catch((error) => {
      loaded = undefined;
      throw error;
    });
  return loaded;
}
