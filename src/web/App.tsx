// The page frame: header with the daemon's health, the tab links, and the current tab.
import { useEffect } from 'react';
import type { Health } from './api.js';
import { AnalyticsTab } from './tabs/Analytics.js';
import { DocsTab } from './tabs/Docs.js';
import { KeysTab } from './tabs/Keys.js';
import { LiveTab } from './tabs/Live.js';
import { MemoryTab } from './tabs/Memory.js';
import { SessionsTab } from './tabs/Sessions.js';
import { href, onLinkClick, useRoute } from './ui/router.js';
import { useApi } from './ui/use-api.js';

const TABS = [
  { id: 'analytics', label: 'Analytics' },
  { id: 'keys', label: 'Keys' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'memory', label: 'Memory' },
  { id: 'live', label: 'Live' },
  { id: 'docs', label: 'Docs' },
] as const;

type TabId = (typeof TABS)[number]['id'];

function HealthBadge() {
  const health = useApi<Health>('/health');
  if (health.error) {
    return (
      <span className="badge bad" role="status" title={health.error.message}>
        daemon unreachable
      </span>
    );
  }
  if (!health.data) return <span className="badge">checking…</span>;
  const h = health.data;
  return (
    <span className="badge ok" role="status">
      {h.status === 'ok' ? 'OK' : h.status} · {h.tls_enabled ? 'HTTP + TLS' : 'HTTP'}
      {h.version ? ` · v${h.version}` : ''}
    </span>
  );
}

export function App() {
  const route = useRoute();
  const tab: TabId = (TABS.find((t) => t.id === route[0])?.id ?? 'analytics') as TabId;
  const rest = route.slice(1);
  const label = TABS.find((t) => t.id === tab)!.label;

  useEffect(() => {
    document.title = `${label} · Tokenomics admin`;
  }, [label]);

  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Tokenomics</span>
        <HealthBadge />
      </header>
      <nav className="tabs" aria-label="Sections">
        {TABS.map((t) => (
          <a key={t.id} href={href(t.id)} onClick={onLinkClick} aria-current={t.id === tab ? 'page' : undefined} className="tab">
            {t.label}
          </a>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <h1>{label}</h1>
        {tab === 'analytics' && <AnalyticsTab />}
        {tab === 'keys' && <KeysTab />}
        {tab === 'sessions' && <SessionsTab sessionId={rest[0]} />}
        {tab === 'memory' && <MemoryTab path={rest.join('/') || undefined} />}
        {tab === 'live' && <LiveTab />}
        {tab === 'docs' && <DocsTab slug={rest[0]} />}
      </main>
    </div>
  );
}
