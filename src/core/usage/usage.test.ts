// Provider-reported usage, normalised: input_tokens counts every prompt token (cached or not), the cache and
// reasoning figures say how many of them were cache reads/writes or reasoning. Bodies are the providers' own shapes.
import { describe, expect, it } from 'vitest';
import { anthropicUsage, anyUsage, emptyUsage, openAiChatUsage, openAiResponsesUsage, type Json } from './usage.js';

const usageOf = (body: Json) => body.usage as Json;

describe('OpenAI chat completions usage', () => {
  it('prompt, completion, cached and reasoning tokens', () => {
    const body = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    };
    expect(openAiChatUsage(usageOf(body))).toEqual({
      input_tokens: 2006,
      output_tokens: 300,
      cache_read_tokens: 1920,
      cache_write_tokens: 0,
      reasoning_tokens: 192,
    });
    expect(anyUsage(body)).toEqual(openAiChatUsage(usageOf(body)));
  });

  it('without details (older models, embeddings): zero cache and reasoning', () => {
    expect(openAiChatUsage({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 })).toEqual({ ...emptyUsage(), input_tokens: 11, output_tokens: 7 });
    expect(anyUsage({ object: 'list', usage: { prompt_tokens: 4, total_tokens: 4 } })).toEqual({ ...emptyUsage(), input_tokens: 4 });
  });

  it('null details and odd values count as zero, never NaN or negative', () => {
    const usage = openAiChatUsage({
      prompt_tokens: null,
      completion_tokens: '7',
      prompt_tokens_details: null,
      completion_tokens_details: { reasoning_tokens: -3 },
    });
    expect(usage).toEqual(emptyUsage());
    expect(openAiChatUsage({ prompt_tokens: Number.NaN, completion_tokens: Number.POSITIVE_INFINITY })).toEqual(emptyUsage());
  });
});

describe('OpenAI Responses usage', () => {
  it('input, output, cached and reasoning tokens', () => {
    const body = {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      usage: {
        input_tokens: 328,
        input_tokens_details: { cached_tokens: 256 },
        output_tokens: 52,
        output_tokens_details: { reasoning_tokens: 32 },
        total_tokens: 380,
      },
    };
    expect(openAiResponsesUsage(usageOf(body))).toEqual({
      input_tokens: 328,
      output_tokens: 52,
      cache_read_tokens: 256,
      cache_write_tokens: 0,
      reasoning_tokens: 32,
    });
    expect(anyUsage(body)).toEqual(openAiResponsesUsage(usageOf(body)));
  });

  it('without details: zero cache and reasoning', () => {
    expect(openAiResponsesUsage({ input_tokens: 5, output_tokens: 9 })).toEqual({ ...emptyUsage(), input_tokens: 5, output_tokens: 9 });
  });
});

describe('Anthropic messages usage', () => {
  it('input is the sum of uncached input, cache reads and cache writes', () => {
    const body = {
      id: 'msg_1',
      type: 'message',
      usage: { input_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 7, service_tier: 'standard' },
    };
    expect(anthropicUsage(usageOf(body))).toEqual({
      input_tokens: 11,
      output_tokens: 7,
      cache_read_tokens: 4,
      cache_write_tokens: 2,
      reasoning_tokens: 0,
    });
    expect(anyUsage(body)).toEqual(anthropicUsage(usageOf(body)));
  });

  it('cache fields absent or null count as zero', () => {
    expect(anthropicUsage({ input_tokens: 25, output_tokens: 12 })).toEqual({ ...emptyUsage(), input_tokens: 25, output_tokens: 12 });
    expect(anthropicUsage({ input_tokens: 25, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 12 })).toEqual({
      ...emptyUsage(),
      input_tokens: 25,
      output_tokens: 12,
    });
  });

  it('a body with only cache reads is recognised as Anthropic by anyUsage', () => {
    expect(anyUsage({ usage: { input_tokens: 3, cache_read_input_tokens: 1000, output_tokens: 1 } })).toEqual({
      input_tokens: 1003,
      output_tokens: 1,
      cache_read_tokens: 1000,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
    });
  });
});

describe('anyUsage on other providers and on bodies without usage', () => {
  it('Gemini usageMetadata, including cached and thinking tokens', () => {
    const body = {
      usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 40, cachedContentTokenCount: 100, thoughtsTokenCount: 25, totalTokenCount: 185 },
    };
    expect(anyUsage(body)).toEqual({ input_tokens: 120, output_tokens: 40, cache_read_tokens: 100, cache_write_tokens: 0, reasoning_tokens: 25 });
  });

  it('Ollama eval counts', () => {
    expect(anyUsage({ model: 'llama3', prompt_eval_count: 26, eval_count: 290 })).toEqual({ ...emptyUsage(), input_tokens: 26, output_tokens: 290 });
  });

  it('no usage at all: undefined, not a zero usage', () => {
    expect(anyUsage({ object: 'list', data: [] })).toBeUndefined();
    expect(anyUsage({ usage: null })).toBeUndefined();
    expect(anyUsage({ usage: [1, 2] })).toBeUndefined();
  });
});
