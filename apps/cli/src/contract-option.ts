import { InvalidArgumentError, Option } from 'commander';
import { contractFields, isEnumType } from '@quarry/core';

/**
 * A command-line option for one field of a contract class, as `@Prop` declares it: its
 * description, default, enum choices and numeric bounds come from the declaration, so the CLI
 * says and checks what REST, GraphQL and MCP do. `flags` only names the option
 * (`-n, --size <n>`); commander maps it to the field's camelCase name.
 */
export function contractOption(contract: object, field: string, flags: string): Option {
  const spec = contractFields(contract)?.get(field);
  if (!spec) throw new Error(`${field} is not a declared field of the contract`);
  const option = new Option(flags, (spec.description ?? field).replace(/`/g, ''));
  if (isEnumType(spec.type)) option.choices([...spec.type.values]);
  if (spec.type === 'int' || spec.type === 'number') {
    const integer = spec.type === 'int';
    option.argParser((value: string) => {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number) || (integer && !Number.isInteger(number)))
        throw new InvalidArgumentError(`must be ${integer ? 'an integer' : 'a number'}`);
      if (spec.min !== undefined && number < spec.min)
        throw new InvalidArgumentError(`must be at least ${spec.min}`);
      if (spec.max !== undefined && number > spec.max)
        throw new InvalidArgumentError(`must be at most ${spec.max}`);
      return number;
    });
  }
  if (spec.default !== undefined && spec.type !== 'boolean') option.default(spec.default);
  return option;
}
