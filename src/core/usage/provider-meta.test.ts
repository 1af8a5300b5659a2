import { describe, expect, it } from 'vitest';
import { providerMeta } from './provider-meta.js';

describe('providerMeta', () => {
  it('reads OpenAI rate-limit headers', () => {
    expect(
      providerMeta({
        'x-ratelimit-remaining-requests': '99',
        'x-ratelimit-remaining-tokens': '149000',
        'x-ratelimit-reset-requests': '6ms',
        'content-type': 'application/json',
      }),
    ).toEqual({ rate_limit_remaining_requests: 99, rate_limit_remaining_tokens: 149000, rate_limit_reset: '6ms' });
  });

  it("reads Anthropic's headers, including the unified subscription limits", () => {
    expect(
      providerMeta({
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-tokens-remaining': '39000',
        'anthropic-ratelimit-tokens-reset': '2026-12-03T10:00:00Z',
        'anthropic-ratelimit-unified-status': 'allowed',
        'anthropic-ratelimit-unified-5h-utilization': '0.42',
      }),
    ).toEqual({
      rate_limit_remaining_requests: 49,
      rate_limit_remaining_tokens: 39000,
      rate_limit_reset: '2026-12-03T10:00:00Z',
      rate_limit_unified: { status: 'allowed', '5h-utilization': '0.42' },
    });
  });

  it('is undefined when the provider sent none, and ignores unparsable counts', () => {
    expect(providerMeta({ 'content-type': 'text/event-stream' })).toBeUndefined();
    expect(providerMeta({ 'x-ratelimit-remaining-requests': 'lots' })).toBeUndefined();
  });
});
