import { describe, expect, it } from 'vitest';
import { anthropicContent } from '../../formats/content/anthropic.js';
import { chatContent } from '../../formats/content/chat.js';
import { responsesContent } from '../../formats/content/responses.js';
import { parseEvent } from '../../formats/sse.js';
import { parsePolicy } from '../parse.js';
import type { Rule } from '../schema.js';
import { MASK, RuleSet } from './engine.js';
import { HOLD_BACK_CHARS, StreamGuard } from './stream-guard.js';

const rules = (list: unknown[]) => new RuleSet(parsePolicy(JSON.stringify({ base_key_env: 'K', rules: list })).policy.rules as Rule[]);
const sse = (event: string, payload: unknown) => `${event ? `event: ${event}\n` : ''}data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;

/** Runs events through a guard; returns what the client would receive and the block, if any. */
function run(guard: StreamGuard, events: string[]) {
  let out = '';
  for (const raw of events) {
    const result = guard.onEvent(parseEvent(raw), raw);
    out += result.out;
    if (result.blocked) return { out, blocked: result.blocked };
  }
  return { out: out + guard.finish().out, blocked: undefined };
}

function chatText(out: string): string {
  return out
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
    .map((c) => c.choices[0]?.delta.content ?? '')
    .join('');
}

const chunk = (content: string, finish: string | null = null) =>
  sse('', { id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

describe('StreamGuard on OpenAI chat streams', () => {
  const secretRules = rules([{ type: 'pii', detect: ['email'], action: 'mask', scope: 'output' }]);

  it('masks a secret split across two chunks and delivers all other text in order', () => {
    const text = `${'lorem ipsum '.repeat(40)}write to jane.doe@exam`;
    const events = [chunk(text), chunk('ple.com today. '), chunk('bye', 'stop'), sse('', '[DONE]')];
    const result = run(new StreamGuard(secretRules, chatContent.stream), events);
    const seen = chatText(result.out);
    expect(seen).toBe(`${'lorem ipsum '.repeat(40)}write to ${MASK} today. bye`);
    expect(result.out).not.toContain('jane.doe');
    expect(result.out.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it(`holds back at most ${HOLD_BACK_CHARS} characters before sending`, () => {
    const guard = new StreamGuard(secretRules, chatContent.stream);
    const long = 'a'.repeat(HOLD_BACK_CHARS + 100);
    const raw = chunk(long);
    expect(chatText(guard.onEvent(parseEvent(raw), raw).out)).toBe('a'.repeat(100));
  });

  it('stops the stream before a failing secret goes out', () => {
    const guard = new StreamGuard(rules([{ type: 'keyword', keywords: ['launch codes'], action: 'fail', scope: 'output' }]), chatContent.stream);
    const result = run(guard, [chunk('here are the launch'), chunk(' codes: 1234', 'stop'), sse('', '[DONE]')]);
    expect(result.blocked?.message).toContain('launch codes');
    expect(result.out).not.toContain('launch');
  });

  it('leaves events untouched when nothing matches and nothing needs holding at close', () => {
    const guard = new StreamGuard(secretRules, chatContent.stream);
    const result = run(guard, [chunk('hi', 'stop'), sse('', '[DONE]')]);
    expect(chatText(result.out)).toBe('hi');
    expect(guard.matches()).toEqual([]);
  });

  it('records warn matches once per rule', () => {
    const guard = new StreamGuard(rules([{ type: 'keyword', keywords: ['oops'], action: 'warn', scope: 'both' }]), chatContent.stream);
    run(guard, [chunk('oops '), chunk('oops again', 'stop')]);
    expect(guard.matches()).toEqual([expect.objectContaining({ action: 'warn', index: 0 })]);
  });
});

describe('StreamGuard on Anthropic and Responses streams', () => {
  const keyRules = rules([{ type: 'pii', detect: ['api_key'], action: 'mask', scope: 'output' }]);

  it('flushes a content block before content_block_stop with the secret masked', () => {
    const delta = (text: string) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    const events = [
      sse('message_start', { type: 'message_start', message: { id: 'm', usage: { input_tokens: 1 } } }),
      delta('the key is sk-abcdefghij'),
      delta('klmnopqrstuvwxyz0123 ok'),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_stop', { type: 'message_stop' }),
    ];
    const out = run(new StreamGuard(keyRules, anthropicContent.stream), events).out;
    const texts = out.split('\n\n').filter((e) => e.includes('text_delta')).map((e) => JSON.parse(e.split('data: ')[1]!).delta.text as string);
    expect(texts.join('')).toBe(`the key is ${MASK} ok`);
    expect(out.indexOf(`the key is ${MASK} ok`)).toBeLessThan(out.indexOf('content_block_stop'));
    expect(out).not.toContain('sk-abc');
  });

  it('masks the whole texts that Responses repeats in its done events', () => {
    const secret = 'sk-abcdefghijklmnopqrstuvwxyz';
    const events = [
      sse('response.output_text.delta', { type: 'response.output_text.delta', item_id: 'i', content_index: 0, delta: `key ${secret}` }),
      sse('response.output_text.done', { type: 'response.output_text.done', item_id: 'i', content_index: 0, text: `key ${secret}` }),
      sse('response.completed', { type: 'response.completed', response: { output: [{ type: 'message', content: [{ type: 'output_text', text: `key ${secret}` }] }] } }),
    ];
    const out = run(new StreamGuard(keyRules, responsesContent.stream), events).out;
    expect(out).not.toContain(secret);
    expect(out.split(`key ${MASK}`).length - 1).toBe(3);
  });
});
