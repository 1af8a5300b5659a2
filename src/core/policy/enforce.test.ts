// Rules over whole bodies: every text of a format is read, masks rewrite in place, a fail stops the rest,
// and each outcome maps to the reference's events.
import { describe, expect, it } from 'vitest';
import { ruleEvents } from '../events/rule-events.js';
import { anthropicContent } from '../formats/content/anthropic.js';
import { chatContent } from '../formats/content/chat.js';
import { responsesContent } from '../formats/content/responses.js';
import type { Json } from '../usage/usage.js';
import { applyRules, blockedMessage } from './enforce.js';
import { parsePolicy } from './parse.js';
import type { Rule } from './schema.js';
import { RuleSet } from './rules/engine.js';

const set = (rules: unknown[]) => new RuleSet(parsePolicy(JSON.stringify({ base_key_env: 'K', rules })).policy.rules as Rule[]);
const EMAIL = 'bob@example.org';
const maskEmail = set([{ type: 'pii', detect: ['email'], action: 'mask' }]);

describe('applyRules on input bodies', () => {
  it('chat: masks string content, text parts and tool call arguments; leaves other parts alone', () => {
    const body: Json = {
      model: 'm',
      messages: [
        { role: 'system', content: `ops: ${EMAIL}` },
        { role: 'user', content: [{ type: 'text', text: EMAIL }, { type: 'image_url', image_url: { url: `https://x/${EMAIL}` } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'send', arguments: `{"to":"${EMAIL}"}` } }] },
        { role: 'tool', tool_call_id: 't', content: `sent to ${EMAIL}` },
      ],
    };
    const outcome = applyRules(maskEmail, 'input', (visit) => chatContent.visitInput(body, visit));
    expect(outcome.masked).toBe(true);
    expect(outcome.blocked).toBeUndefined();
    expect(outcome.matches).toHaveLength(4);
    const text = JSON.stringify(body);
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(4);
    // The image URL is not text the model reads as words; it is passed as it is.
    expect(text).toContain(`https://x/${EMAIL}`);
  });

  it('anthropic: system string, nested tool_result blocks, tool_use input strings', () => {
    const body: Json = {
      system: `from ${EMAIL}`,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'n', input: { nested: { to: EMAIL } } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: EMAIL }] }] },
      ],
    };
    applyRules(maskEmail, 'input', (visit) => anthropicContent.visitInput(body, visit));
    expect(JSON.stringify(body)).not.toContain(EMAIL);
    expect(body.system).toBe('from [REDACTED]');
  });

  it('responses: instructions, string input, and input items', () => {
    const plain: Json = { instructions: EMAIL, input: `hi ${EMAIL}` };
    applyRules(maskEmail, 'input', (visit) => responsesContent.visitInput(plain, visit));
    expect(plain).toEqual({ instructions: '[REDACTED]', input: 'hi [REDACTED]' });
    const items: Json = { input: [{ role: 'user', content: [{ type: 'input_text', text: EMAIL }] }, { type: 'function_call_output', call_id: 'c', output: EMAIL }] };
    applyRules(maskEmail, 'input', (visit) => responsesContent.visitInput(items, visit));
    expect(JSON.stringify(items)).not.toContain(EMAIL);
  });

  it('a fail stops reading: later texts are neither checked nor masked', () => {
    const rules = set([
      { type: 'keyword', keywords: ['stop'], action: 'fail' },
      { type: 'pii', detect: ['email'], action: 'mask' },
    ]);
    const body: Json = { messages: [{ role: 'user', content: 'please stop' }, { role: 'user', content: EMAIL }] };
    const outcome = applyRules(rules, 'input', (visit) => chatContent.visitInput(body, visit));
    expect(outcome.blocked).toMatchObject({ index: 0, action: 'fail' });
    expect(outcome.masked).toBe(false);
    expect(JSON.stringify(body)).toContain(EMAIL);
    expect(blockedMessage(outcome.blocked!, 'input')).toBe('request blocked by rule 0: matched keyword rule "keyword": stop');
    expect(blockedMessage(outcome.blocked!, 'output')).toMatch(/^response blocked by rule 0: /);
  });

  it('warn and log rules report without changing anything', () => {
    const rules = set([{ type: 'regex', pattern: 'deploy', action: 'warn' }, { type: 'regex', pattern: 'prod', action: 'log' }]);
    const body: Json = { messages: [{ role: 'user', content: 'deploy to prod' }] };
    const before = JSON.stringify(body);
    const outcome = applyRules(rules, 'input', (visit) => chatContent.visitInput(body, visit));
    expect(outcome.matches.map((m) => m.action)).toEqual(['warn', 'log']);
    expect(outcome.masked).toBe(false);
    expect(JSON.stringify(body)).toBe(before);
  });

  it('output scope reads the model answer of each format', () => {
    const rules = set([{ type: 'pii', detect: ['email'], action: 'mask', scope: 'output' }]);
    const chat: Json = { choices: [{ index: 0, message: { role: 'assistant', content: EMAIL } }] };
    const messages: Json = { content: [{ type: 'text', text: EMAIL }] };
    const responses: Json = { output: [{ type: 'message', content: [{ type: 'output_text', text: EMAIL }] }] };
    applyRules(rules, 'output', (visit) => chatContent.visitOutput(chat, visit));
    applyRules(rules, 'output', (visit) => anthropicContent.visitOutput(messages, visit));
    applyRules(rules, 'output', (visit) => responsesContent.visitOutput(responses, visit));
    for (const body of [chat, messages, responses]) expect(JSON.stringify(body)).not.toContain(EMAIL);
    // Input rules do not read answers.
    const inputOnly: Json = { choices: [{ index: 0, message: { role: 'assistant', content: EMAIL } }] };
    expect(applyRules(maskEmail, 'output', (visit) => chatContent.visitOutput(inputOnly, visit)).matches).toEqual([]);
  });
});

describe('ruleEvents', () => {
  const context = { tokenHash: 'a'.repeat(64), model: 'gpt-4o', scope: 'input' as const };

  it('maps actions to the reference event types, once per rule, with a 16-character hash', () => {
    const rules = set([
      { name: 'w', type: 'regex', pattern: 'x', action: 'warn' },
      { name: 'l', type: 'regex', pattern: 'x', action: 'log' },
      { name: 'm', type: 'regex', pattern: 'x', action: 'mask' },
      { name: 'f', type: 'regex', pattern: 'x', action: 'fail' },
    ]);
    const body: Json = { messages: [{ role: 'user', content: 'x' }] };
    const outcome = applyRules(rules, 'input', (visit) => chatContent.visitInput(body, visit));
    const events = ruleEvents(outcome.matches, outcome.blocked, context);
    expect(events.map((e) => e.type)).toEqual(['rule.warning', 'rule.match', 'rule.mask', 'rule.violation']);
    expect(events[3]!.data).toEqual({
      token_hash: 'a'.repeat(16),
      model: 'gpt-4o',
      scope: 'input',
      rule_name: 'f',
      rule_index: 3,
      action: 'fail',
      message: 'matched regex rule "f"',
    });
  });

  it('one event per rule however many texts matched', () => {
    const body: Json = { messages: [{ role: 'user', content: EMAIL }, { role: 'user', content: EMAIL }] };
    const outcome = applyRules(maskEmail, 'input', (visit) => chatContent.visitInput(body, visit));
    expect(outcome.matches).toHaveLength(2);
    expect(ruleEvents(outcome.matches, undefined, context)).toHaveLength(1);
  });
});
