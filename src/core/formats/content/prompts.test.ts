// Policy prompts injected into each wire format, where that format expects them and before the client's own:
// chat `messages`, Anthropic `system` (string or text blocks), Responses `instructions` (reference TestInjectPrompts*).
import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../policy/parse.js';
import { resolveForModel } from '../../policy/resolve.js';
import type { Json } from '../../usage/usage.js';
import { anthropicContent } from './anthropic.js';
import { chatContent } from './chat.js';
import { responsesContent } from './responses.js';
import type { ContentAccess, Prompt } from './types.js';

const SYSTEM: Prompt = { role: 'system', content: 'be helpful' };
const SECOND: Prompt = { role: 'system', content: 'answer in French' };

/** Injects into a copy of `body` and returns it. */
function inject(content: ContentAccess, body: Json, prompts: readonly Prompt[]): Json {
  const copy = structuredClone(body);
  content.injectPrompts(copy, prompts);
  return copy;
}

/** The prompts a policy resolves to for a model: provider prompts first, then global ones. */
function mergedPrompts(): readonly Prompt[] {
  const policy = validatePolicy({
    base_key_env: 'K',
    prompts: [
      { role: 'system', content: 'global A' },
      { role: 'system', content: 'global B' },
    ],
    providers: {
      openai: [
        {
          base_key_env: 'K',
          model: 'gpt-4o',
          prompts: [
            { role: 'system', content: 'provider 1' },
            { role: 'system', content: 'provider 2' },
          ],
        },
      ],
    },
  });
  return resolveForModel(policy, 'gpt-4o').prompts;
}

describe.each([
  ['chat', chatContent, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }],
  ['anthropic', anthropicContent, { model: 'm', system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }],
  ['responses', responsesContent, { model: 'm', instructions: 'Be brief.', input: 'hi' }],
] as const)('%s: no prompts', (_name, content, body) => {
  it('leaves the body exactly as it was', () => {
    expect(inject(content, body, [])).toEqual(body);
  });
});

describe('chat: prompts become messages before the conversation', () => {
  it('one prompt is prepended', () => {
    const body = inject(chatContent, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, [SYSTEM]);
    expect(body.messages).toEqual([
      { role: 'system', content: 'be helpful' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('several prompts keep their order and roles', () => {
    const prompts: Prompt[] = [SYSTEM, { role: 'developer', content: 'dev note' }, { role: 'user', content: 'example q' }, { role: 'assistant', content: 'example a' }];
    const body = inject(chatContent, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, prompts);
    expect(body.messages).toEqual([...prompts, { role: 'user', content: 'hi' }]);
  });

  it('provider prompts come first, then global prompts, then the client messages', () => {
    const body = inject(chatContent, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, mergedPrompts());
    expect((body.messages as Array<{ content: string }>).map((m) => m.content)).toEqual(['provider 1', 'provider 2', 'global A', 'global B', 'hi']);
  });

  it('an empty messages array gets the prompts alone', () => {
    expect(inject(chatContent, { model: 'm', messages: [] }, [SYSTEM]).messages).toEqual([SYSTEM]);
  });

  it('a body without messages gets a messages array of the prompts', () => {
    expect(inject(chatContent, { model: 'm' }, [SYSTEM, SECOND]).messages).toEqual([SYSTEM, SECOND]);
  });

  it("the client's own messages array is not mutated", () => {
    const original = [{ role: 'user', content: 'hi' }];
    const body: Json = { model: 'm', messages: original };
    chatContent.injectPrompts(body, [SYSTEM]);
    expect(original).toEqual([{ role: 'user', content: 'hi' }]);
    expect(body.messages).toHaveLength(2);
  });

  it('only role and content are copied from a prompt', () => {
    const prompt = { role: 'system', content: 'x', extra: 'dropped' } as unknown as Prompt;
    expect(inject(chatContent, { model: 'm', messages: [] }, [prompt]).messages).toEqual([{ role: 'system', content: 'x' }]);
  });
});

describe("anthropic: system prompts go to the top-level system field, before the client's", () => {
  const hi = [{ role: 'user', content: 'hi' }];

  it('no client system: the prompts become the system string', () => {
    const body = inject(anthropicContent, { model: 'm', messages: hi }, [SYSTEM, SECOND]);
    expect(body.system).toBe('be helpful\n\nanswer in French');
    expect(body.messages).toEqual(hi);
  });

  it('a client system string: the prompts are prepended to it', () => {
    const body = inject(anthropicContent, { model: 'm', system: 'Be brief.', messages: hi }, [SYSTEM, SECOND]);
    expect(body.system).toBe('be helpful\n\nanswer in French\n\nBe brief.');
  });

  it('an empty client system string is replaced by the prompts', () => {
    expect(inject(anthropicContent, { model: 'm', system: '', messages: hi }, [SYSTEM]).system).toBe('be helpful');
  });

  it('client system blocks: one text block per prompt is prepended, the client blocks kept as they were', () => {
    const blocks = [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }];
    const body = inject(anthropicContent, { model: 'm', system: blocks, messages: hi }, [SYSTEM, SECOND]);
    expect(body.system).toEqual([
      { type: 'text', text: 'be helpful' },
      { type: 'text', text: 'answer in French' },
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('developer prompts count as system text; provider prompts come first, then global', () => {
    const body = inject(anthropicContent, { model: 'gpt-4o', messages: hi }, [{ role: 'developer', content: 'dev' }, ...mergedPrompts()]);
    expect(body.system).toBe('dev\n\nprovider 1\n\nprovider 2\n\nglobal A\n\nglobal B');
    expect(body.messages).toEqual(hi);
  });

  it('user and assistant prompts become turns before the conversation, never system text', () => {
    const body = inject(anthropicContent, { model: 'm', system: 'Be brief.', messages: hi }, [
      SYSTEM,
      { role: 'user', content: 'example q' },
      { role: 'assistant', content: 'example a' },
    ]);
    expect(body.system).toBe('be helpful\n\nBe brief.');
    expect(body.messages).toEqual([
      { role: 'user', content: 'example q' },
      { role: 'assistant', content: 'example a' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('missing or empty messages: turn prompts alone, system prompts leave messages untouched', () => {
    expect(inject(anthropicContent, { model: 'm' }, [{ role: 'user', content: 'q' }]).messages).toEqual([{ role: 'user', content: 'q' }]);
    expect(inject(anthropicContent, { model: 'm', messages: [] }, [{ role: 'user', content: 'q' }]).messages).toEqual([{ role: 'user', content: 'q' }]);
    const systemOnly = inject(anthropicContent, { model: 'm', messages: [] }, [SYSTEM]);
    expect(systemOnly).toEqual({ model: 'm', messages: [], system: 'be helpful' });
  });
});

describe("responses: system prompts go to instructions, before the client's", () => {
  it('no client instructions: the prompts become the instructions', () => {
    const body = inject(responsesContent, { model: 'm', input: 'hi' }, [SYSTEM, SECOND]);
    expect(body.instructions).toBe('be helpful\n\nanswer in French');
    expect(body.input).toBe('hi');
  });

  it('client instructions: the prompts are prepended to them', () => {
    const body = inject(responsesContent, { model: 'm', instructions: 'Be brief.', input: 'hi' }, [SYSTEM]);
    expect(body.instructions).toBe('be helpful\n\nBe brief.');
  });

  it('empty client instructions are replaced by the prompts', () => {
    expect(inject(responsesContent, { model: 'm', instructions: '', input: 'hi' }, [SYSTEM]).instructions).toBe('be helpful');
  });

  it('provider prompts come first, then global prompts', () => {
    const body = inject(responsesContent, { model: 'gpt-4o', instructions: 'client', input: 'hi' }, mergedPrompts());
    expect(body.instructions).toBe('provider 1\n\nprovider 2\n\nglobal A\n\nglobal B\n\nclient');
  });

  it('user and assistant prompts become input items before a string input', () => {
    const body = inject(responsesContent, { model: 'm', input: 'hi' }, [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]);
    expect(body.instructions).toBeUndefined();
    expect(body.input).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('user prompts go before an input item list, which is not mutated', () => {
    const items = [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }];
    const body: Json = { model: 'm', input: items };
    responsesContent.injectPrompts(body, [{ role: 'user', content: 'q' }]);
    expect(body.input).toEqual([{ role: 'user', content: 'q' }, ...items]);
    expect(items).toHaveLength(1);
  });

  it('missing input: the turn prompts alone', () => {
    expect(inject(responsesContent, { model: 'm' }, [{ role: 'user', content: 'q' }]).input).toEqual([{ role: 'user', content: 'q' }]);
  });
});
