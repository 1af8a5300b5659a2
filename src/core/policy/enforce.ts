// A rule set applied to every text of a body in one scope: the first `fail` blocks, `mask` rules rewrite the
// text in place, and every other match is reported. Serves input (before the upstream call) and non-stream output.
import type { TextVisitor } from '../formats/content/types.js';
import type { RuleMatch, RuleSet, Scope } from './rules/engine.js';

export interface RuleOutcome {
  /** Every match, one per rule and text, in the order the texts were read. */
  readonly matches: readonly RuleMatch[];
  /** The `fail` match that blocks the body. Once set, no further text is read or changed. */
  readonly blocked?: RuleMatch;
  /** Some text was masked. */
  readonly masked: boolean;
}

/** Runs `rules` in `scope` over the texts `visitAll` hands out, masking them in place. */
export function applyRules(rules: RuleSet, scope: Scope, visitAll: (visit: TextVisitor) => void): RuleOutcome {
  const matches: RuleMatch[] = [];
  let blocked: RuleMatch | undefined;
  let masked = false;
  const hasMask = scope === 'input' ? rules.hasInputMask : rules.hasOutputMask;
  visitAll((text) => {
    if (blocked || !text) return undefined;
    const result = rules.evaluate(text, scope, hasMask);
    matches.push(...result.matches);
    if (result.blocked) {
      blocked = result.blocked;
      return undefined;
    }
    if (result.masked === undefined || result.masked === text) return undefined;
    masked = true;
    return result.masked;
  });
  return { matches, blocked, masked };
}

/** The sentence the client gets when a rule blocks its request or the model's answer (reference 3.3 wording). */
export function blockedMessage(match: RuleMatch, scope: Scope): string {
  return `${scope === 'input' ? 'request' : 'response'} blocked by rule ${match.index}: ${match.message}`;
}
