import { gql } from './api';

/**
 * What this Quarry's schema offers, read by introspection once: the console sends optional
 * arguments (semanticRatio, explain) and selects optional fields (location, explain) only where
 * the server has them, so it works against older and newer servers alike.
 */

interface TypeRef {
  kind: string;
  name: string | null;
  ofType?: TypeRef | null;
}

interface FieldInfo {
  name: string;
  description?: string | null;
  type: TypeRef;
  args?: { name: string; type: { kind: string } }[];
}

interface TypeInfo {
  name: string;
  kind: string;
  fields: FieldInfo[] | null;
  inputFields: FieldInfo[] | null;
  enumValues: { name: string }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

const INTROSPECTION = `query ConsoleSchema {
  __schema {
    types {
      name kind
      fields { name args { name type { kind } } type { ${TYPE_REF} } }
      inputFields { name description type { ${TYPE_REF} } }
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

  /** A field the console can select without knowing its arguments. */
  hasWithoutArguments(typeName: string, field: string): boolean {
    const info = this.field(typeName, field);
    return info !== undefined && !(info.args ?? []).some((a) => a.type.kind === 'NON_NULL');
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

  /** The selection set of a field: itself for a scalar, its scalar fields (two levels down) for an object. */
  selection(typeName: string, field: string, depth = 2): string {
    const info = this.field(typeName, field);
    if (!info) return '';
    const named = namedType(info.type);
    const type = named ? this.types.get(named) : undefined;
    if (!type || (type.kind !== 'OBJECT' && type.kind !== 'INTERFACE')) return field;
    if (depth === 0) return '';
    const inner = (type.fields ?? [])
      .filter((f) => !(f.args ?? []).length)
      .map((f) => this.selection(type.name, f.name, depth - 1))
      .filter(Boolean);
    return inner.length ? `${field} { ${inner.join(' ')} }` : '';
  }
}

function namedType(ref: TypeRef | null | undefined): string | null {
  let current = ref;
  while (current && !current.name) current = current.ofType;
  return current?.name ?? null;
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
