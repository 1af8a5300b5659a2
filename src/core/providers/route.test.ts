import { describe, expect, it } from 'vitest';
import { embeddedCatalog } from './catalog.js';
import {
  buildUpstreamUrl,
  resolveRoute,
  RouteError,
  upstreamAuthHeaders,
  upstreamPath,
  type Endpoint,
  type Route,
  type RouteInput,
} from './route.js';

const catalog = embeddedCatalog();
const SERVER = 'https://server.example';

function route(providerName: string | undefined, extra: Partial<RouteInput> = {}): Route {
  return resolveRoute({ catalog, providerName, defaultProvider: 'openai', serverUpstreamUrl: SERVER, ...extra });
}

describe('resolveRoute', () => {
  it('takes the catalog entry of the named provider', () => {
    expect(route('anthropic')).toMatchObject({
      providerName: 'anthropic',
      apiFormat: 'anthropic',
      upstreamUrl: 'https://api.anthropic.com',
      keyEnv: 'ANTHROPIC_API_KEY',
    });
    expect(route('anthropic').provider).toBe(catalog.get('anthropic'));
  });

  it('upstream URL: policy > provider > server', () => {
    expect(route('groq', { policyUpstreamUrl: 'https://policy.example' }).upstreamUrl).toBe('https://policy.example');
    expect(route('groq').upstreamUrl).toBe('https://api.groq.com/openai');
    expect(route('nope').upstreamUrl).toBe(SERVER);
  });

  it("key env: policy base_key_env > provider api_key_env; '' when neither", () => {
    expect(route('groq', { policyKeyEnv: 'MY_GROQ' }).keyEnv).toBe('MY_GROQ');
    expect(route('groq').keyEnv).toBe('GROQ_API_KEY');
    expect(route('ollama').keyEnv).toBe('');
    expect(route('nope').keyEnv).toBe('');
  });

  it('uses the default provider when the policy names none', () => {
    expect(route(undefined)).toMatchObject({ providerName: 'openai', upstreamUrl: 'https://api.openai.com', keyEnv: 'OPENAI_API_KEY' });
    expect(route('', { defaultProvider: 'mistral' })).toMatchObject({ providerName: 'mistral', upstreamUrl: 'https://api.mistral.ai' });
  });

  it('an unknown provider goes to the server upstream in the openai format', () => {
    const r = route('does-not-exist', { policyKeyEnv: 'K' });
    expect(r).toMatchObject({ providerName: 'does-not-exist', apiFormat: 'openai', upstreamUrl: SERVER, keyEnv: 'K' });
    expect(r.provider).toBeUndefined();
  });

  it('looks providers up case-insensitively', () => {
    expect(route('Anthropic').apiFormat).toBe('anthropic');
  });
});

describe('upstreamPath', () => {
  it.each<[string | undefined, string | undefined, Endpoint, string, string]>([
    // provider, upstream override, endpoint, client path, expected
    ['openai', undefined, 'chat', '/v1/chat/completions', '/v1/chat/completions'],
    ['openai', undefined, 'other', '/v1/embeddings', '/v1/embeddings'],
    ['groq', undefined, 'chat', '/v1/chat/completions', '/openai/v1/chat/completions'],
    ['groq', undefined, 'other', '/v1/models', '/openai/v1/models'],
    ['openrouter', undefined, 'chat', '/v1/chat/completions', '/api/v1/chat/completions'],
    ['fireworks', undefined, 'chat', '/openai/v1/chat/completions', '/inference/openai/v1/chat/completions'],
    ['perplexity', undefined, 'chat', '/v1/chat/completions', '/chat/completions'],
    ['cerebras', undefined, 'chat', '/v1/chat/completions', '/v1/chat/completions'],
    ['cerebras', undefined, 'other', '/v1/models', '/v1/models'],
    ['ai21', undefined, 'chat', '/v1/chat/completions', '/studio/v1/chat/completions'],
    ['ai21', undefined, 'other', '/v1/models', '/studio/v1/models'],
    ['anthropic', undefined, 'messages', '/v1/messages', '/v1/messages'],
    ['anthropic', undefined, 'other', '/v1/messages/count_tokens', '/v1/messages/count_tokens'],
    ['anthropic', 'https://proxy.example/anthropic', 'messages', '/v1/messages', '/anthropic/v1/messages'],
    ['azure_openai', undefined, 'chat', '/v1/chat/completions', '/openai/deployments/{model}/chat/completions'],
    ['gemini', undefined, 'other', '/v1beta/models/gemini-2.0-flash:generateContent', '/v1beta/models/gemini-2.0-flash:generateContent'],
    [undefined, 'https://x.example/v1', 'other', '/v1/models', '/v1/models'],
    [undefined, 'https://x.example/v1/', 'chat', '/v1/chat/completions', '/v1/chat/completions'],
    [undefined, 'https://x.example/v1', 'other', '/v1', '/v1'],
    [undefined, 'https://x.example/v1', 'other', '/v1beta/models', '/v1/v1beta/models'],
    [undefined, 'https://x.example', 'other', '/', '/'],
  ])('%s (%s) %s %s -> %s', (provider, upstream, endpoint, clientPath, expected) => {
    const r = route(provider ?? 'custom-unknown', { policyUpstreamUrl: upstream });
    expect(upstreamPath(r, endpoint, clientPath)).toBe(expected);
  });

  it("uses chat_path only for the provider's native endpoint", () => {
    // An Anthropic provider asked for chat completions keeps the client path (the proxy refuses such a mix anyway).
    expect(upstreamPath(route('anthropic'), 'chat', '/v1/chat/completions')).toBe('/v1/chat/completions');
  });
});

describe('buildUpstreamUrl', () => {
  const build = (r: Route, endpoint: Endpoint, path: string, query: string, model: string, env: Record<string, string> = {}, key = 'sk-real') =>
    buildUpstreamUrl(r, endpoint, path, query, model, env, key);

  it('keeps the prefix and the client query', () => {
    expect(build(route('groq'), 'chat', '/v1/chat/completions', '?trace=1', 'llama')).toBe(
      'https://api.groq.com/openai/v1/chat/completions?trace=1',
    );
    expect(build(route('openai'), 'other', '/v1/models', '', 'm')).toBe('https://api.openai.com/v1/models');
  });

  it('fills {resource} from <PROVIDER>_RESOURCE, {model} URL-encoded, and adds api-version', () => {
    const url = build(route('azure_openai'), 'chat', '/v1/chat/completions', '', 'my model/x', { AZURE_OPENAI_RESOURCE: 'myres' });
    expect(url).toBe('https://myres.openai.azure.com/openai/deployments/my%20model%2Fx/chat/completions?api-version=2024-10-21');
  });

  it('falls back to TOKENOMICS_<NAME>, the provider variable winning', () => {
    const r = route('azure_openai');
    expect(build(r, 'chat', '/x', '', 'gpt-4o', { TOKENOMICS_RESOURCE: 'shared' })).toMatch(/^https:\/\/shared\.openai\.azure\.com\//);
    expect(build(r, 'chat', '/x', '', 'gpt-4o', { TOKENOMICS_RESOURCE: 'shared', AZURE_OPENAI_RESOURCE: 'own' })).toMatch(
      /^https:\/\/own\.openai\.azure\.com\//,
    );
  });

  it('fills placeholders of the configuration (vertex_ai {location}) and keeps the client path literal', () => {
    const url = build(route('vertex_ai'), 'other', '/v1/projects/proj/locations/us-central1/x', '', 'gemini', {
      VERTEX_AI_LOCATION: 'us-central1',
    });
    expect(url).toBe('https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/x');
  });

  it('fills several placeholders of a configured chat_path', () => {
    const r = route('azure_openai', { policyUpstreamUrl: 'https://{resource}.example/{tenant}' });
    const url = build(r, 'chat', '/v1/chat/completions', '', 'gpt-4o', { AZURE_OPENAI_RESOURCE: 'res', AZURE_OPENAI_TENANT: 't1' });
    expect(url).toBe('https://res.example/t1/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21');
  });

  it('throws a RouteError naming the variable when a placeholder has no value', () => {
    const r = route('azure_openai');
    expect(() => build(r, 'chat', '/v1/chat/completions', '', 'gpt-4o')).toThrow(RouteError);
    expect(() => build(r, 'chat', '/v1/chat/completions', '', 'gpt-4o')).toThrow(/AZURE_OPENAI_RESOURCE.*TOKENOMICS_RESOURCE/);
  });

  it("adds the provider query without overriding the client's value", () => {
    const url = new URL(build(route('azure'), 'chat', '/x', '?api-version=2025-01-01&foo=1', 'd', { AZURE_RESOURCE: 'r' }));
    expect(url.searchParams.getAll('api-version')).toEqual(['2025-01-01']);
    expect(url.searchParams.get('foo')).toBe('1');
  });

  it('adds key= for auth_scheme query (gemini), keeping the client query; no key when empty', () => {
    const r = route('google_gemini');
    const url = new URL(build(r, 'other', '/v1beta/models/gemini-2.0-flash:streamGenerateContent', '?alt=sse', 'gemini-2.0-flash'));
    expect(url.origin + url.pathname).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent');
    expect(url.searchParams.get('alt')).toBe('sse');
    expect(url.searchParams.get('key')).toBe('sk-real');
    // A key the client put in the query is replaced by the real one.
    expect(new URL(build(r, 'other', '/v1beta/models', '?key=wrapper', 'm')).searchParams.getAll('key')).toEqual(['sk-real']);
    expect(new URL(build(r, 'other', '/v1beta/models', '', 'm', {}, '')).searchParams.has('key')).toBe(false);
    expect(new URL(build(route('openai'), 'other', '/v1/models', '', 'm')).searchParams.has('key')).toBe(false);
  });

  // A client path beginning with '//' or '\\' must not be read as a scheme-relative URL: the request carries the real key.
  it('never lets the client path change the upstream host', () => {
    for (const path of ['//evil.example/v1/models', '/\\evil.example/x', '\\\\evil.example/x', '/@evil.example/x']) {
      expect(new URL(build(route('openai'), 'other', path, '', 'm')).host).toBe('api.openai.com');
      expect(new URL(build(route('groq'), 'other', path, '', 'm')).host).toBe('api.groq.com');
    }
  });

  // Placeholders in the client's own path stay literal: `{api_key}` must not become OPENAI_API_KEY's value (nor
  // `{hash_key}` TOKENOMICS_HASH_KEY's) in the upstream URL, which upstream error messages echo back.
  it('does not fill placeholders written in the client path with environment values', () => {
    const env = { OPENAI_API_KEY: 'sk-secret-upstream-key', TOKENOMICS_HASH_KEY: 'hash-secret' };
    const fill = (path: string) => {
      try {
        return build(route('openai'), 'other', path, '', 'm', env);
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(fill('/v1/models/{api_key}')).not.toContain('sk-secret-upstream-key');
    expect(fill('/v1/files/{hash_key}')).not.toContain('hash-secret');
  });
});

describe('upstreamAuthHeaders', () => {
  it.each<[string, Record<string, string>]>([
    ['openai', { authorization: 'Bearer sk-real' }],
    ['groq', { authorization: 'Bearer sk-real' }],
    ['anthropic', { 'x-api-key': 'sk-real', 'anthropic-version': '2023-06-01' }],
    ['azure_openai', { 'api-key': 'sk-real' }],
    ['ollama', { authorization: 'sk-real' }],
    ['gemini', {}],
    ['unknown-provider', { authorization: 'Bearer sk-real' }],
  ])('%s', (provider, expected) => {
    expect(upstreamAuthHeaders(route(provider), 'sk-real')).toEqual(expected);
  });

  it("sends no auth header when the key is '' but keeps the provider's fixed headers", () => {
    expect(upstreamAuthHeaders(route('openai'), '')).toEqual({});
    expect(upstreamAuthHeaders(route('ollama'), '')).toEqual({});
    expect(upstreamAuthHeaders(route('anthropic'), '')).toEqual({ 'anthropic-version': '2023-06-01' });
  });
});
