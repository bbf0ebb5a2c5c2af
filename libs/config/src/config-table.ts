import { envSchema } from './env.schema';

/** A default as the README shows it: the one in the description's "(default ...)", else zod's. */
function defaultOf(schema: (typeof envSchema.shape)[keyof typeof envSchema.shape]): string {
  const stated = /\(default:? ([^)]*)\)/.exec(schema.description ?? '');
  if (stated) return stated[1];
  const def = schema._zod.def as { type: string; defaultValue?: unknown };
  if (def.type !== 'default') return '—';
  const value = def.defaultValue;
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : 'none';
  return `\`${String(value)}\``;
}

/** The configuration table of the README, printed from the schema's descriptions (`npm run config:table`). */
export function configTable(): string {
  const rows = Object.entries(envSchema.shape).map(([variable, schema]) => {
    const meaning = (schema.description ?? '').replace(/\s*\(default:? [^)]*\)/, '').replace(/\|/g, '\\|');
    return `| \`${variable}\` | ${defaultOf(schema)} | ${meaning} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

if (require.main === module) process.stdout.write(`${configTable()}\n`);
