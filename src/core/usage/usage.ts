// Token usage as the provider reported it, normalised across wire formats.
//
// input_tokens counts every prompt token, cached or not (OpenAI's convention); cache_read_tokens and
// cache_write_tokens say how many of them were cache reads or writes. Anthropic reports the three separately,
// so its adapter adds them up. reasoning_tokens is the part of output_tokens spent on reasoning.

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

/** What the response said besides usage, for the ledger's provider_meta. */
export interface ResponseMeta {
  upstreamId?: string;
  actualModel?: string;
  finishReason?: string;
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** OpenAI chat/embeddings usage: prompt_tokens, completion_tokens and their details. */
export function openAiChatUsage(usage: Json): Usage {
  return {
    input_tokens: num(usage.prompt_tokens),
    output_tokens: num(usage.completion_tokens),
    cache_read_tokens: num(obj(usage.prompt_tokens_details)?.cached_tokens),
    cache_write_tokens: 0,
    reasoning_tokens: num(obj(usage.completion_tokens_details)?.reasoning_tokens),
  };
}

/** OpenAI Responses usage: input_tokens, output_tokens and their details. */
export function openAiResponsesUsage(usage: Json): Usage {
  return {
    input_tokens: num(usage.input_tokens),
    output_tokens: num(usage.output_tokens),
    cache_read_tokens: num(obj(usage.input_tokens_details)?.cached_tokens),
    cache_write_tokens: 0,
    reasoning_tokens: num(obj(usage.output_tokens_details)?.reasoning_tokens),
  };
}

/** Anthropic usage: input_tokens excludes the cache, so the total is the sum of the three. */
export function anthropicUsage(usage: Json): Usage {
  const cacheRead = num(usage.cache_read_input_tokens);
  const cacheWrite = num(usage.cache_creation_input_tokens);
  return {
    input_tokens: num(usage.input_tokens) + cacheRead + cacheWrite,
    output_tokens: num(usage.output_tokens),
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: 0,
  };
}

/** Best effort for any JSON body (passthrough paths): OpenAI, Anthropic, Gemini and Ollama spellings. */
export function anyUsage(body: Json): Usage | undefined {
  const usage = obj(body.usage);
  if (usage) {
    if ('prompt_tokens' in usage || 'completion_tokens' in usage) return openAiChatUsage(usage);
    if ('cache_read_input_tokens' in usage || 'cache_creation_input_tokens' in usage) return anthropicUsage(usage);
    if ('input_tokens' in usage || 'output_tokens' in usage) return openAiResponsesUsage(usage);
  }
  const gemini = obj(body.usageMetadata);
  if (gemini) {
    return {
      input_tokens: num(gemini.promptTokenCount),
      output_tokens: num(gemini.candidatesTokenCount),
      cache_read_tokens: num(gemini.cachedContentTokenCount),
      cache_write_tokens: 0,
      reasoning_tokens: num(gemini.thoughtsTokenCount),
    };
  }
  if ('prompt_eval_count' in body || 'eval_count' in body) {
    return { ...emptyUsage(), input_tokens: num(body.prompt_eval_count), output_tokens: num(body.eval_count) };
  }
  return undefined;
}
