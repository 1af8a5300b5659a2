// The events a rule outcome fires (reference section 10 payloads): `rule.violation` for the blocking match,
// `rule.warning` for warn, `rule.match` for log, `rule.mask` for each masking rule that changed text.
import type { RuleMatch } from '../policy/rules/engine.js';
import { shortHash, type EventData, type EventType } from './types.js';

export interface RuleEvent {
  readonly type: EventType;
  readonly data: EventData;
}

export function ruleEvents(
  matches: readonly RuleMatch[],
  blocked: RuleMatch | undefined,
  context: { readonly tokenHash: string; readonly model: string; readonly scope: 'input' | 'output' },
): RuleEvent[] {
  const base = { token_hash: shortHash(context.tokenHash), model: context.model, scope: context.scope };
  const seen = new Set<number>();
  const events: RuleEvent[] = [];
  for (const match of matches) {
    // One event per rule, however many texts it matched.
    if (seen.has(match.index)) continue;
    seen.add(match.index);
    const data = { ...base, rule_name: match.name ?? '', rule_index: match.index, action: match.action, message: match.message };
    if (match === blocked) events.push({ type: 'rule.violation', data });
    else if (match.action === 'warn') events.push({ type: 'rule.warning', data });
    else if (match.action === 'log') events.push({ type: 'rule.match', data });
    else if (match.action === 'mask') events.push({ type: 'rule.mask', data });
  }
  return events;
}
