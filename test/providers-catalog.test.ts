// providers.yaml is the one source of the provider catalog; the build embeds it verbatim.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedCatalog, mergeCatalogs, parseProvidersYaml } from '../src/core/providers/catalog.js';
import { EMBEDDED_PROVIDERS_YAML } from '../src/core/providers/embedded.js';

const REFERENCE_PROVIDERS = [
  'openai', 'anthropic', 'azure_openai', 'google_gemini', 'vertex_ai', 'mistral', 'cohere', 'groq', 'together', 'fireworks',
  'perplexity', 'deepseek', 'xai', 'openrouter', 'ollama', 'vllm', 'litellm', 'bedrock', 'replicate', 'nvidia_nim',
  'sambanova', 'cerebras', 'ai21', 'moonshot', 'anyscale', 'localai', 'lmstudio', 'generic', 'azure', 'gemini',
];

describe('provider catalog', () => {
  it('embeds exactly the repository providers.yaml (run `npm run embed` after editing it)', () => {
    expect(EMBEDDED_PROVIDERS_YAML).toBe(readFileSync(new URL('../providers.yaml', import.meta.url), 'utf8'));
  });

  it('has every provider of the original, with its aliases', () => {
    expect([...embeddedCatalog().keys()].sort()).toEqual([...REFERENCE_PROVIDERS].sort());
  });

  it('describes how each provider authenticates and where it lives', () => {
    const catalog = embeddedCatalog();
    expect(catalog.get('anthropic')).toMatchObject({
      upstream_url: 'https://api.anthropic.com', auth_scheme: 'header', auth_header: 'x-api-key',
      headers: { 'anthropic-version': '2023-06-01' }, chat_path: '/v1/messages', api_format: 'anthropic',
    });
    expect(catalog.get('groq')?.upstream_url).toBe('https://api.groq.com/openai');
    expect(catalog.get('google_gemini')).toMatchObject({ auth_scheme: 'query', chat_path: '/v1beta/models/{model}:generateContent' });
    expect(catalog.get('azure_openai')?.query).toEqual({ 'api-version': '2024-10-21' });
    expect(catalog.get('generic')).toMatchObject({ api_key_env: 'OPENAI_API_KEY', base_url_env: 'OPENAI_BASE_URL' });
    expect(catalog.get('openai')?.auth_scheme).toBe('bearer');
  });

  it('lets later layers replace a provider whole, by name', () => {
    const user = parseProvidersYaml('providers:\n  Anthropic:\n    upstream_url: http://127.0.0.1:9\n', 'user.yaml');
    const merged = mergeCatalogs(embeddedCatalog(), user);
    expect(merged.get('anthropic')).toMatchObject({ upstream_url: 'http://127.0.0.1:9', auth_scheme: 'bearer', headers: {} });
    expect(merged.get('openai')?.upstream_url).toBe('https://api.openai.com');
  });

  it('names the file and field of a bad provider definition', () => {
    expect(() => parseProvidersYaml('providers:\n  x:\n    upstream_url: 12\n', 'p.yaml')).toThrow('p.yaml: providers.x.upstream_url: expected string, got 12');
    expect(() => parseProvidersYaml('- a\n', 'p.yaml')).toThrow('p.yaml: expected a top-level "providers:" map');
    expect(() => parseProvidersYaml('providers: [\n', 'p.yaml')).toThrow(/^p\.yaml: invalid YAML/);
  });
});
