// Turns one raw value (from YAML or an environment variable) into the typed value of a field, or says why not.
import { z } from 'zod';
import { providerDefSchema } from '../providers/catalog.js';
import { isHttpUrl } from '../policy/schema.js';
import { describeValue, formatIssues, listWords } from '../validation.js';
import type { FieldDef } from './fields.js';

export class ValueProblem extends Error {}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const webhookSchema = z.strictObject({
  url: z.string().refine(isHttpUrl, { message: 'must be an http:// or https:// URL' }),
  secret: z.string().default(''),
  signing_key: z.string().default(''),
  events: z.array(z.string().min(1)).default([]),
  timeout: z.number().positive().default(10),
  insecure: z.boolean().default(false),
});

export const modelPriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
});

function problem(text: string): never {
  throw new ValueProblem(text);
}

function schemaValue<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) problem(formatIssues(result.error).join('; '));
  return result.data;
}

/** Values that arrive as text (environment variables) may carry JSON for structured fields. */
function jsonText(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (err) {
    return problem(`expected JSON (${(err as Error).message})`);
  }
}

function toInt(raw: unknown, min: number, max: number): number {
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n)) problem(`expected a whole number, got ${describeValue(raw)}`);
  if (n < min || n > max) problem(`must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function coerceField(field: FieldDef, raw: unknown): unknown {
  switch (field.kind) {
    case 'string':
    case 'path':
      if (typeof raw === 'number') return String(raw);
      if (typeof raw !== 'string') problem(`expected text, got ${describeValue(raw)}`);
      return raw;
    case 'url':
      if (typeof raw !== 'string' || !isHttpUrl(raw)) problem(`expected an http:// or https:// URL, got ${describeValue(raw)}`);
      return raw;
    case 'int':
      return toInt(raw, 0, Number.MAX_SAFE_INTEGER);
    case 'port':
      return toInt(raw, 0, 65535);
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && TRUE.has(raw.trim().toLowerCase())) return true;
      if (typeof raw === 'string' && FALSE.has(raw.trim().toLowerCase())) return false;
      return problem(`expected true or false, got ${describeValue(raw)}`);
    case 'enum':
      if (typeof raw !== 'string' || !field.values!.includes(raw)) problem(`must be ${listWords(field.values!)}, got ${describeValue(raw)}`);
      return raw;
    case 'string-map':
      return coerceStringMap(raw);
    case 'webhooks': {
      const list = jsonText(raw);
      if (!Array.isArray(list)) problem(`expected a list of webhooks, got ${describeValue(list)}`);
      return list.map((entry, i) => {
        try {
          return schemaValue(webhookSchema, entry);
        } catch (err) {
          return problem(`[${i}] ${(err as Error).message}`);
        }
      });
    }
    case 'pricing':
      return schemaValue(z.record(z.string().min(1), modelPriceSchema), jsonText(raw));
    case 'providers':
      return schemaValue(z.record(z.string().min(1), providerDefSchema), jsonText(raw));
  }
}

/** A map of name -> text: an object, JSON text, or `name=value,name=value`. */
function coerceStringMap(raw: unknown): Record<string, string> {
  let value = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('{')) value = jsonText(text);
    else {
      const out: Record<string, string> = {};
      for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) problem(`expected name=value pairs separated by commas, got ${describeValue(pair)}`);
        out[pair.slice(0, eq).trim().toLowerCase()] = pair.slice(eq + 1).trim();
      }
      return out;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) problem(`expected a map of name: value, got ${describeValue(value)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') problem(`${k}: expected text, got ${describeValue(v)}`);
    out[k.toLowerCase()] = v;
  }
  return out;
}
