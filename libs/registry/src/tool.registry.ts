import {
  type Operation,
  type Principal,
  type Role,
  type ToolAnnotations,
  type ToolExposure,
  roleAllows,
  jsonSchemaOf,
} from '@quarry/core';

export interface ToolDefinition {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations: ToolAnnotations;
  role: Role;
  /** The message-manager operation a call runs, and its arguments. */
  toEnvelope(args: Record<string, unknown>): { op: string; args: unknown };
  summarize(result: unknown): string;
}

/**
 * Built-in tools (operations exposed as tools) and saved-search tools registered at runtime.
 * Saved ones come from the metadata index and are replaced as a whole whenever any instance
 * changes them, so every instance lists the same tools.
 */
export class ToolRegistry {
  private builtInTools?: Map<string, ToolDefinition>;
  private saved = new Map<string, ToolDefinition>();

  /** `operations` is read on first use, once every module has registered its operations. */
  constructor(private readonly operations: () => Operation[]) {}

  private get builtIns(): Map<string, ToolDefinition> {
    this.builtInTools ??= new Map(
      this.operations().flatMap((operation) =>
        operation.tool ? [[operation.name, builtInTool(operation, operation.tool)]] : [],
      ),
    );
    return this.builtInTools;
  }

  isBuiltIn(name: string): boolean {
    return this.builtIns.has(name);
  }

  replaceSaved(tools: ToolDefinition[]): void {
    this.saved = new Map(tools.filter((t) => !this.builtIns.has(t.name)).map((t) => [t.name, t]));
  }

  /** The tools a principal may call: a reader does not see write tools. */
  list(principal: Principal): ToolDefinition[] {
    return [...this.builtIns.values(), ...this.saved.values()].filter((t) =>
      roleAllows(principal.role, t.role),
    );
  }

  get(name: string): ToolDefinition | undefined {
    return this.builtIns.get(name) ?? this.saved.get(name);
  }
}

function builtInTool(operation: Operation, tool: ToolExposure): ToolDefinition {
  return {
    name: operation.name,
    title: tool.title,
    description: operation.description,
    inputSchema: operation.input
      ? jsonSchemaOf(operation.input as new () => object)
      : { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: tool.outputSchema,
    annotations: { title: tool.title, ...tool.annotations },
    role: operation.role,
    toEnvelope: (args) => ({ op: operation.name, args }),
    summarize: (result) => tool.summarize(result as never),
  };
}
