// The content rule engine: compiles a resolved rule list once, then checks and masks text for a scope.
// Messages follow the reference (section 3.3) so logs and events read the same as the original's.
import type { Rule } from '../schema.js';
import type { PiiType } from '../pii-types.js';
import { cachedPattern } from '../regex.js';
import { findPii, type Span } from './pii.js';
import { detectJailbreak } from './jailbreak.js';

export type Scope = 'input' | 'output';
export type RuleAction = Rule['action'];

export interface RuleMatch {
  /** Position in the merged rule list (global rules first, then the provider's). */
  readonly index: number;
  readonly name?: string;
  readonly type: Rule['type'];
  readonly action: RuleAction;
  readonly message: string;
}

export interface RuleCheck {
  /** Matches in rule order, up to and including the first `fail`. */
  readonly matches: RuleMatch[];
  /** The `fail` match that blocks the text, if any. */
  readonly blocked?: RuleMatch;
}

export const MASK = '[REDACTED]';
export const JAILBREAK_MASK = '[JAILBREAK_ATTEMPT_REDACTED]';

interface CompiledRule {
  readonly index: number;
  readonly rule: Rule;
  readonly input: boolean;
  readonly output: boolean;
  /** The spans the rule matches (a jailbreak matches the whole text). */
  spans(text: string): Span[];
  message(text: string, spans: Span[]): string;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word keyword: boundaries only where the keyword starts or ends with a word character. */
function keywordPattern(keyword: string): string {
  const start = /^\w/.test(keyword) ? '(?<![\\p{L}\\p{N}_])' : '';
  const end = /\w$/.test(keyword) ? '(?![\\p{L}\\p{N}_])' : '';
  return `${start}${escapeRegex(keyword)}${end}`;
}

function allSpans(pattern: RegExp, text: string, label: string): Span[] {
  const spans: Span[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    spans.push({ start: m.index, end: m.index + m[0].length, label });
  }
  return spans;
}

function compileRule(rule: Rule, index: number): CompiledRule {
  const scope = rule.scope ?? 'input';
  const base = { index, rule, input: scope === 'input' || scope === 'both', output: scope === 'output' || scope === 'both' };
  switch (rule.type) {
    case 'regex': {
      const source = cachedPattern(rule.pattern!);
      const pattern = new RegExp(source.source, source.flags.includes('g') ? source.flags : `${source.flags}g`);
      const label = rule.name || rule.pattern!;
      return { ...base, spans: (text) => allSpans(pattern, text, label), message: () => `matched regex rule "${label}"` };
    }
    case 'keyword': {
      const patterns = rule.keywords!.map((keyword) => ({ keyword, pattern: new RegExp(keywordPattern(keyword), 'giu') }));
      const label = rule.name || 'keyword';
      return {
        ...base,
        spans: (text) => patterns.flatMap(({ pattern, keyword }) => allSpans(pattern, text, keyword)),
        message: (_text, spans) => `matched keyword rule "${label}": ${spans[0]?.label ?? ''}`,
      };
    }
    case 'pii': {
      const types = rule.detect as PiiType[];
      const label = rule.name || 'pii';
      return {
        ...base,
        spans: (text) => types.flatMap((type) => findPii(type, text)),
        message: (_text, spans) => `detected PII in rule "${label}": ${spans.map((s) => s.label).join(', ')}`,
      };
    }
    case 'jailbreak': {
      const label = rule.name || 'jailbreak';
      return {
        ...base,
        spans: (text) => {
          const hit = detectJailbreak(text);
          return hit ? [{ start: 0, end: text.length, label: hit }] : [];
        },
        message: () => `detected jailbreak attempt in rule "${label}"`,
      };
    }
  }
}

/** A compiled rule list; build once per resolved policy and reuse for every request. */
export class RuleSet {
  readonly #rules: CompiledRule[];
  readonly hasInput: boolean;
  readonly hasOutput: boolean;
  readonly hasInputMask: boolean;
  readonly hasOutputMask: boolean;

  constructor(rules: readonly Rule[]) {
    this.#rules = rules.map(compileRule);
    this.hasInput = this.#rules.some((r) => r.input);
    this.hasOutput = this.#rules.some((r) => r.output);
    this.hasInputMask = this.#rules.some((r) => r.input && r.rule.action === 'mask');
    this.hasOutputMask = this.#rules.some((r) => r.output && r.rule.action === 'mask');
  }

  get size(): number {
    return this.#rules.length;
  }

  /** Runs the scope's rules in order; stops at the first `fail`. */
  check(text: string, scope: Scope): RuleCheck {
    return this.evaluate(text, scope, false);
  }

  /**
   * check(), and when `mask` is set and no rule blocks, the text with every `mask` match replaced, computed from the
   * same matches (one pass of each rule over the text). `masked` is absent when nothing was masked.
   */
  evaluate(text: string, scope: Scope, mask: boolean): RuleCheck & { masked?: string } {
    const matches: RuleMatch[] = [];
    if (!text) return { matches };
    let maskSpans: Span[] | undefined;
    let maskWhole = false;
    for (const compiled of this.#rules) {
      if (!(scope === 'input' ? compiled.input : compiled.output)) continue;
      const spans = compiled.spans(text);
      if (!spans.length) continue;
      const { rule } = compiled;
      const match: RuleMatch = { index: compiled.index, name: rule.name, type: rule.type, action: rule.action, message: compiled.message(text, spans) };
      matches.push(match);
      if (rule.action === 'fail') return { matches, blocked: match };
      if (mask && rule.action === 'mask') {
        if (rule.type === 'jailbreak') maskWhole = true;
        else (maskSpans ??= []).push(...spans);
      }
    }
    if (maskWhole) return { matches, masked: JAILBREAK_MASK };
    return maskSpans ? { matches, masked: replaceSpans(text, maskSpans) } : { matches };
  }

  /** Where the scope's `mask` rules match in `text` (a jailbreak mask covers all of it). */
  maskSpans(text: string, scope: Scope): Span[] {
    const spans: Span[] = [];
    for (const compiled of this.#rules) {
      if (compiled.rule.action !== 'mask' || !(scope === 'input' ? compiled.input : compiled.output)) continue;
      spans.push(...compiled.spans(text));
    }
    return spans;
  }

  /** Applies the scope's `mask` rules in order; returns the text unchanged (same string) when nothing matched. */
  mask(text: string, scope: Scope): string {
    let out = text;
    for (const compiled of this.#rules) {
      if (compiled.rule.action !== 'mask' || !(scope === 'input' ? compiled.input : compiled.output)) continue;
      const spans = compiled.spans(out);
      if (!spans.length) continue;
      out = compiled.rule.type === 'jailbreak' ? JAILBREAK_MASK : replaceSpans(out, spans);
    }
    return out;
  }
}

/** Replaces possibly overlapping spans with the mask, leftmost first. */
export function replaceSpans(text: string, spans: Span[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const span of sorted) {
    if (span.end <= at) continue;
    out += text.slice(at, Math.max(at, span.start)) + (span.start >= at ? MASK : '');
    at = span.end;
  }
  return out + text.slice(at);
}

const compiledSets = new WeakMap<readonly Rule[], RuleSet>();

/** The RuleSet for a rule list, compiled on first use. Callers should pass the same array for the same policy. */
export function ruleSetFor(rules: readonly Rule[]): RuleSet {
  let set = compiledSets.get(rules);
  if (!set) {
    set = new RuleSet(rules);
    compiledSets.set(rules, set);
  }
  return set;
}
