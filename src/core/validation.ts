// Turns schema issues into one-line messages that name the field: `rules[2].action: must be one of …`.
import type { z } from 'zod';

export type IssuePath = ReadonlyArray<PropertyKey>;

export function formatPath(path: IssuePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

export function listWords(values: ReadonlyArray<unknown>): string {
  const words = values.map(String);
  if (words.length <= 1) return words.join('');
  if (words.length === 2) return `${words[0]} or ${words[1]}`;
  return `${words.slice(0, -1).join(', ')}, or ${words[words.length - 1]}`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  // Messages written in our schemas are already user-facing; zod's own defaults are rephrased below.
  if (!/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, got ${describeValue(input)}`;
    case 'invalid_value':
      if (input === undefined) return `is required; one of ${listWords(issue.values)}`;
      return `invalid value ${describeValue(input)}; must be ${listWords(issue.values)}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}, got ${describeValue(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `allows at most ${issue.maximum} item(s)`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}, got ${describeValue(input)}`;
    case 'invalid_format':
      return `is not a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

export interface Issue {
  /** Dot-separated field path, e.g. `rate_limit.rules.0.window`; empty for the whole value. */
  readonly path: string;
  readonly message: string;
}

/** The problems as path and message apart (for editors that point at the field). */
export function issueList(error: z.ZodError, prefix: IssuePath = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key].map(String).join('.'), message: 'unknown field' });
      continue;
    }
    out.push({ path: path.map(String).join('.'), message: issueMessage(issue) });
  }
  return out;
}

/** One line per problem, each prefixed with the field path (under `prefix`). */
export function formatIssues(error: z.ZodError, prefix: IssuePath = []): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const base = formatPath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...prefix, ...issue.path, key])}: unknown field`);
      continue;
    }
    const message = issueMessage(issue);
    lines.push(base ? `${base}: ${message}` : message);
  }
  return lines;
}
