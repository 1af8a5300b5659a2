// Docs: the repository's docs/*.md, bundled at build time into assets/docs.json and rendered as React elements.
import { useEffect } from 'react';
import { Markdown } from '../ui/markdown.js';
import { BASE, href, onLinkClick } from '../ui/router.js';
import { Empty, ErrorState, Loading } from '../ui/states.js';
import { useJsonAsset } from '../ui/use-asset.js';

export interface DocPage {
  readonly slug: string;
  readonly title: string;
  readonly markdown: string;
}

export function DocsTab({ slug }: { slug: string | undefined }) {
  const docs = useJsonAsset<{ docs: DocPage[] }>(`${BASE}assets/docs.json`);
  const pages = docs.data?.docs ?? [];
  const page = pages.find((d) => d.slug === slug) ?? pages[0];

  useEffect(() => {
    if (window.location.hash) document.getElementById(decodeURIComponent(window.location.hash.slice(1)))?.scrollIntoView();
  }, [page]);

  if (docs.error) return <ErrorState error={docs.error} retry={docs.reload} what="the docs" />;
  if (!docs.data) return <Loading what="the docs" />;
  if (!page) return <Empty>No docs were bundled with this build.</Empty>;
  const slugs = new Set(pages.map((d) => d.slug));
  const links = {
    resolveRelative: (target: string) => {
      const m = /^(?:\.\/)?([\w.-]+)\.md(#[\w-]*)?$/i.exec(target);
      if (!m || !slugs.has(m[1]!.toLowerCase())) return undefined;
      return href('docs', m[1]!.toLowerCase()) + (m[2] ?? '');
    },
    onInternalClick: onLinkClick,
  };
  return (
    <div className="docs split">
      <nav aria-label="Documents" className="doc-list">
        <ul>
          {pages.map((d) => (
            <li key={d.slug}>
              <a href={href('docs', d.slug)} onClick={onLinkClick} aria-current={d === page ? 'page' : undefined}>
                {d.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <article className="doc" aria-label={page.title}>
        <Markdown source={page.markdown} links={links} />
      </article>
    </div>
  );
}
