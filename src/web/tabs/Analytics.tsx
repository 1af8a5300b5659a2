// Analytics: totals as cards, and requests / tokens / USD over time from the ledger, grouped as the user picks.
import { useMemo, useState } from 'react';
import type { AnalyticsSummary, SeriesResponse } from '../api.js';
import { fmtInt, fmtUsd } from '../format.js';
import { Chart } from '../ui/Chart.js';
import { Empty, ResourceView } from '../ui/states.js';
import { useApi } from '../ui/use-api.js';

const RANGES = { '24h': 'hour', '7d': 'day', '30d': 'day' } as const;
type Range = keyof typeof RANGES;
const GROUPS = ['none', 'model', 'token', 'provider', 'branch', 'tag'] as const;
type Group = (typeof GROUPS)[number];
const MAX_SERIES = 8;

function Card({ label, value }: { label: string; value: string }) {
  return (
    <div className="card" data-card={label}>
      <span className="card-label">{label}</span>
      <span className="card-value">{value}</span>
    </div>
  );
}

function Cards({ summary }: { summary: AnalyticsSummary }) {
  const t = summary.totals;
  return (
    <section className="cards" aria-label="Totals">
      <Card label="Requests" value={fmtInt(t.request_count)} />
      <Card label="Tokens" value={fmtInt(t.total_tokens)} />
      <Card label="Input tokens" value={fmtInt(t.input_tokens)} />
      <Card label="Output tokens" value={fmtInt(t.output_tokens)} />
      <Card label="USD" value={fmtUsd(t.cost_usd ?? 0)} />
      <Card label="Errors" value={fmtInt(t.error_count)} />
      <Card label="Sessions" value={fmtInt(summary.ledger.sessions)} />
      <Card label="Active keys" value={fmtInt(summary.active_tokens)} />
    </section>
  );
}

const formatTokens = (n: number) => (Math.abs(n) >= 10_000 ? `${Math.round(n / 1000)}k` : fmtInt(n));

function SeriesCharts({ data }: { data: SeriesResponse }) {
  const times = useMemo(() => data.buckets.map((b) => Date.parse(b) / 1000), [data]);
  const shown = useMemo(() => data.series.slice(0, MAX_SERIES), [data]);
  const requests = useMemo(() => shown.map((s) => ({ label: s.key, values: s.requests })), [shown]);
  const tokens = useMemo(() => shown.map((s) => ({ label: s.key, values: s.total_tokens })), [shown]);
  const usd = useMemo(() => shown.map((s) => ({ label: s.key, values: s.cost_usd })), [shown]);
  if (data.totals.requests === 0) return <Empty>No requests in this range yet. Send one through the proxy and refresh.</Empty>;
  return (
    <>
      <div className="charts">
        <Chart title="Requests" times={times} series={requests} format={fmtInt} whole />
        <Chart title="Tokens" times={times} series={tokens} format={formatTokens} whole />
        <Chart title="USD" times={times} series={usd} format={fmtUsd} />
      </div>
      {data.series.length > MAX_SERIES && <p className="hint">The charts show the {MAX_SERIES} largest of {data.series.length} groups; the table lists all.</p>}
      <div className="table-wrap">
        <table className="series-table">
          <caption>Totals by group</caption>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">Requests</th>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Output</th>
              <th scope="col" className="num">Tokens</th>
              <th scope="col" className="num">USD</th>
              <th scope="col" className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {data.series.map((s) => {
              const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
              return (
                <tr key={s.key}>
                  <td>{s.key}</td>
                  <td className="num">{fmtInt(sum(s.requests))}</td>
                  <td className="num">{fmtInt(sum(s.input_tokens))}</td>
                  <td className="num">{fmtInt(sum(s.output_tokens))}</td>
                  <td className="num">{fmtInt(sum(s.total_tokens))}</td>
                  <td className="num">{fmtUsd(sum(s.cost_usd))}</td>
                  <td className="num">{fmtInt(sum(s.errors))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function AnalyticsTab() {
  const [range, setRange] = useState<Range>('24h');
  const [group, setGroup] = useState<Group>('none');
  const [tag, setTag] = useState('');
  const [refresh, setRefresh] = useState(0);
  const by = group === 'tag' ? (tag.trim() ? `tag:${tag.trim()}` : 'none') : group;
  const summary = useApi<AnalyticsSummary>(`/analytics/summary?r=${refresh}`);
  const series = useApi<SeriesResponse>(`/analytics/series?bucket=${RANGES[range]}&since=${range}&by=${encodeURIComponent(by)}&r=${refresh}`);

  return (
    <div className="analytics">
      <div className="toolbar">
        <button type="button" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <ResourceView resource={summary} what="the totals">
        {(data) => <Cards summary={data} />}
      </ResourceView>
      <section aria-label="Over time">
        <h2>Over time</h2>
        <div className="toolbar">
          <label>
            Range{' '}
            <select value={range} onChange={(e) => setRange(e.target.value as Range)}>
              <option value="24h">Last 24 hours (hourly)</option>
              <option value="7d">Last 7 days (daily)</option>
              <option value="30d">Last 30 days (daily)</option>
            </select>
          </label>
          <label>
            Group by{' '}
            <select value={group} onChange={(e) => setGroup(e.target.value as Group)}>
              <option value="none">nothing</option>
              <option value="model">model</option>
              <option value="token">key</option>
              <option value="provider">provider</option>
              <option value="branch">git branch</option>
              <option value="tag">metadata tag…</option>
            </select>
          </label>
          {group === 'tag' && (
            <label>
              Tag key <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="e.g. team" size={12} />
            </label>
          )}
        </div>
        <ResourceView resource={series} what="the usage over time">
          {(data) => <SeriesCharts data={data} />}
        </ResourceView>
      </section>
    </div>
  );
}
