// The policy editor's model: the policy is a plain JSON object that the form fields and the JSON view both edit, so
// a block the form does not show (or a field added later) is kept as it is on save. Validation runs the core schema.
import { z } from 'zod';
import { policySchema } from '../../core/policy/schema.js';
import { formatIssues, formatPath } from '../../core/validation.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Empty text, empty lists and empty objects mean "not set": the key is removed so the JSON stays minimal. */
function isUnset(v: unknown): boolean {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

export function withField(obj: Obj, key: string, value: unknown): Obj {
  const next: Obj = { ...obj };
  if (isUnset(value)) delete next[key];
  else next[key] = value;
  return next;
}

export const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function replaceAt(list: unknown[], index: number, value: unknown): unknown[] {
  return list.map((item, i) => (i === index ? value : item));
}

export const removeAt = (list: unknown[], index: number): unknown[] => list.filter((_, i) => i !== index);

/** Shows any value in a text box: strings as they are, other JSON values as JSON. */
export function showText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Digits become a number; anything else stays text, so the schema can say what is wrong with it. */
export function parseNumber(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(t) ? n : t;
}

export const showList = (v: unknown): string => (Array.isArray(v) ? v.map(showText).join(', ') : showText(v));

export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseNumberList(text: string): unknown[] {
  return parseList(text).map(parseNumber);
}

export function showJson(policy: Obj): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}

export type JsonRead = { ok: true; policy: Obj } | { ok: false; message: string };

export function readJson(text: string): JsonRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not valid JSON: ${(err as Error).message}` };
  }
  if (!isObj(value)) return { ok: false, message: 'a policy must be a JSON object, e.g. {"base_key_env":"OPENAI_API_KEY"}' };
  return { ok: true, policy: value };
}

export interface Problem {
  /** Dotted path as the CLI prints it (`rate_limit.rules[0].window`); "" for the whole policy. */
  readonly path: string;
  readonly message: string;
}

/** The policy schema's problems, one per line, with the path of the field each belongs to. */
export function validate(policy: Obj): Problem[] {
  const result = policySchema.safeParse(policy, { reportInput: true });
  if (result.success) return [];
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    const single = new z.ZodError([issue]);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => formatPath([...issue.path, k])) : [formatPath(issue.path)];
    formatIssues(single).forEach((line, i) => problems.push({ path: keys[i] ?? keys[0] ?? '', message: line }));
  }
  return problems;
}

/** The path string a field at `segments` has in `Problem.path`. */
export const pathOf = (...segments: (string | number)[]): string => formatPath(segments);
