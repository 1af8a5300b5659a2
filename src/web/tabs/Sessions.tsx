// Sessions: the ledger's sessions (one per daemon run), and one session's requests.
import type { SessionDetail, SessionList } from '../api.js';
import { fmtInt, fmtTime, fmtUsd, shortHash } from '../format.js';
import { href, onLinkClick } from '../ui/router.js';
import { RequestsTable } from '../ui/RequestsTable.js';
import { Empty, ResourceView } from '../ui/states.js';
import { useApi } from '../ui/use-api.js';

function SessionsList() {
  const sessions = useApi<SessionList>('/sessions?limit=200');
  return (
    <ResourceView resource={sessions} what="the sessions">
      {(data) => (
        <>
          <p className="summary">
            Sessions: {fmtInt(data.summary.sessions)} · Requests: {fmtInt(data.summary.request_count)} · Tokens: {fmtInt(data.summary.total_tokens)} · USD:{' '}
            {fmtUsd(data.summary.cost_usd ?? 0)}
          </p>
          <div className="toolbar">
            <button type="button" onClick={sessions.reload}>
              Refresh
            </button>
          </div>
          {data.sessions.length === 0 ? (
            <Empty>No sessions yet: the ledger records one per daemon run once requests pass through.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Session</th>
                    <th scope="col">Started</th>
                    <th scope="col">Ended</th>
                    <th scope="col" className="num">Requests</th>
                    <th scope="col" className="num">Tokens</th>
                    <th scope="col" className="num">USD</th>
                    <th scope="col">Branch</th>
                  </tr>
                </thead>
                <tbody>
                  {data.sessions.map((s) => (
                    <tr key={s.session_id}>
                      <td>
                        <a href={href('sessions', s.session_id)} onClick={onLinkClick}>
                          {s.session_id.slice(0, 12)}
                        </a>
                        {s.running && <span className="pill">running</span>}
                        {s.recovered && <span className="pill">recovered</span>}
                      </td>
                      <td>{fmtTime(s.started_at)}</td>
                      <td>{s.running ? '-' : fmtTime(s.ended_at)}</td>
                      <td className="num">{fmtInt(s.requests)}</td>
                      <td className="num">{fmtInt(s.total_tokens)}</td>
                      <td className="num">{fmtUsd(s.cost_usd ?? 0)}</td>
                      <td>{s.branch ?? '-'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </ResourceView>
  );
}

function SessionView({ id }: { id: string }) {
  const session = useApi<SessionDetail>(`/sessions/${encodeURIComponent(id)}`);
  return (
    <>
      <p>
        <a href={href('sessions')} onClick={onLinkClick}>
          ← All sessions
        </a>
      </p>
      <ResourceView resource={session} what={`session ${id}`}>
        {(s) => {
          const requests = s.requests ?? [];
          return (
            <>
              <h2>Session {s.session_id}</h2>
              <dl className="facts">
                <dt>Started</dt>
                <dd>{fmtTime(s.started_at)}</dd>
                <dt>Ended</dt>
                <dd>{s.running || !s.ended_at ? 'still running' : fmtTime(s.ended_at)}</dd>
                <dt>Branch</dt>
                <dd>{s.git?.branch ?? '-'}</dd>
                <dt>Requests</dt>
                <dd>{fmtInt(s.totals?.request_count ?? requests.length)}</dd>
                <dt>Tokens</dt>
                <dd>{fmtInt(s.totals?.total_tokens)}</dd>
                <dt>USD</dt>
                <dd>{fmtUsd(s.totals?.cost_usd ?? 0)}</dd>
              </dl>
              {requests.length === 0 ? (
                <Empty>This session has no requests.</Empty>
              ) : (
                <RequestsTable
                  caption="Requests"
                  noteHeader="Error"
                  rows={requests.map((r) => ({
                    id: r.request_id,
                    at: r.timestamp,
                    key: r.token_hash ? shortHash(r.token_hash) : '',
                    model: r.model,
                    provider: r.provider,
                    status: r.status_code,
                    input: r.input_tokens,
                    output: r.output_tokens,
                    usd: r.cost_usd ?? 0,
                    ms: r.duration_ms,
                    note: r.error ?? '',
                  }))}
                />
              )}
            </>
          );
        }}
      </ResourceView>
    </>
  );
}

export function SessionsTab({ sessionId }: { sessionId: string | undefined }) {
  return sessionId ? <SessionView id={sessionId} /> : <SessionsList />;
}
