// The Docs tab's Markdown renderer: it builds React elements only, so whatever the source holds ends up as text,
// and links leave the page only for http(s) and mailto.
import { readdirSync, readFileSync } from 'node:fs';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown, type LinkTarget } from '../../src/web/ui/markdown.js';

const links: LinkTarget = { resolveRelative: (t) => (/^[\w-]+\.md(#[\w-]*)?$/.test(t) ? `/admin/docs/${t.replace('.md', '')}` : undefined) };
const html = (source: string) => renderToStaticMarkup(<Markdown source={source} links={links} />);

describe('Markdown renderer', () => {
  it('renders headings one level down (the page has the h1), paragraphs, emphasis and inline code', () => {
    expect(html('# Title\n\nSome **bold**, *em*, _em too_ and `a|b` here.\nSame paragraph.')).toBe(
      '<div class="markdown"><h2 id="title">Title</h2><p>Some <strong>bold</strong>, <em>em</em>, <em>em too</em> and <code>a|b</code> here. Same paragraph.</p></div>',
    );
  });

  it('keeps snake_case words and lone asterisks as text', () => {
    expect(html('base_key_env and max_tokens, 2 * 3')).toBe('<div class="markdown"><p>base_key_env and max_tokens, 2 * 3</p></div>');
  });

  it('renders nested and ordered lists, fenced code and tables', () => {
    const out = html('- one\n  - inner\n- two\n\n1. first\n2. second\n\n```json\n{"a": "<b>"}\n```\n\n| A | B |\n|---|:-:|\n| `x\\|y` | 2 |');
    expect(out).toContain('<ul><li><span class="md-tight">one</span><ul><li><span class="md-tight">inner</span></li></ul></li><li><span class="md-tight">two</span></li></ul>');
    expect(out).toContain('<ol start="1"><li><span class="md-tight">first</span></li><li><span class="md-tight">second</span></li></ol>');
    expect(out).toContain('<pre class="md-code" data-lang="json"><code>{&quot;a&quot;: &quot;&lt;b&gt;&quot;}</code></pre>');
    expect(out).toContain('<thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead><tbody><tr><td><code>x|y</code></td><td>2</td></tr></tbody>');
  });

  it('shows raw HTML as text', () => {
    const out = html('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)"> and **<b>bold</b>**');
    expect(out).not.toMatch(/<script|<img|<b>/);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('links out only to http(s) and mailto, resolves links to other docs, and drops other schemes to text', () => {
    const out = html('[site](https://example.com) [mail](mailto:a@b.c) [doc](policies.md#budgets) [js](javascript:alert(1)) [data](data:text/html,x) [src](../src/x.ts) <https://auto.link>');
    expect(out).toContain('<a href="https://example.com" target="_blank" rel="noreferrer noopener">site</a>');
    expect(out).toContain('<a href="mailto:a@b.c" target="_blank" rel="noreferrer noopener">mail</a>');
    expect(out).toContain('<a href="/admin/docs/policies#budgets">doc</a>');
    expect(out).toContain('<span>js</span>');
    expect(out).toContain('<span>data</span>');
    expect(out).toContain('<span>src</span>');
    expect(out).toContain('<a href="https://auto.link" target="_blank" rel="noreferrer noopener">https://auto.link</a>');
    expect(out).not.toContain('javascript:');
  });

  it('renders every file in docs/ with one heading element per Markdown heading', () => {
    const dir = new URL('../../docs/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      let inFence = false;
      let headings = 0;
      for (const line of source.split('\n')) {
        if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
        else if (!inFence && /^#{1,6}\s/.test(line)) headings++;
      }
      const out = html(source);
      expect(out.match(/<h[2-6][ >]/g)?.length ?? 0, file).toBe(headings);
    }
  });
});
