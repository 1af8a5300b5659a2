// Live: requests as they finish, from the daemon's SSE stream. The browser's EventSource reconnects by itself;
// the recent requests it replays on connect are merged by request id, so a reconnect shows no duplicates.
import { useEffect, useState } from 'react';
import { API, type LiveRequest } from '../api.js';
import { RequestsTable } from '../ui/RequestsTable.js';
import { Empty } from '../ui/states.js';

const KEEP = 200;
type Connection = 'connecting' | 'open' | 'retrying' | 'closed';

export function LiveTab() {
  const [requests, setRequests] = useState<LiveRequest[]>([]);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) return;
    setConnection('connecting');
    const source = new EventSource(`${API}/live`);
    source.onopen = () => setConnection('open');
    // EventSource retries by itself after a dropped or refused connection; CLOSED means it gave up
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'closed' : 'retrying');
    source.addEventListener('request', (event) => {
      let r: LiveRequest;
      try {
        r = JSON.parse((event as MessageEvent<string>).data) as LiveRequest;
      } catch {
        return;
      }
      setConnection('open');
      setRequests((list) => (list.some((x) => x.request_id === r.request_id) ? list : [r, ...list].slice(0, KEEP)));
    });
    return () => source.close();
  }, [paused]);

  const status = paused ? 'paused' : { open: 'connected', connecting: 'connecting…', retrying: 'disconnected, retrying…', closed: 'closed' }[connection];
  return (
    <div className="live">
      <div className="toolbar">
        <span className={`badge ${connection === 'open' && !paused ? 'ok' : 'bad'}`} role="status">
          Stream {status}
        </span>
        <button type="button" onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setRequests([])} disabled={requests.length === 0}>
          Clear
        </button>
      </div>
      {(connection === 'retrying' || connection === 'closed') && !paused && (
        <p role="alert" className="problem">
          Could not reach the daemon's live stream (is it running?).{' '}
          {connection === 'closed' ? 'Reload the page to try again.' : 'Retrying by itself; the recent requests are sent again when it reconnects.'}
        </p>
      )}
      {requests.length === 0 ? (
        <Empty>No requests yet. They appear here as they finish.</Empty>
      ) : (
        <RequestsTable
          className="live-table"
          noteHeader="Notes"
          rows={requests.map((r) => ({
            id: r.request_id,
            at: r.at,
            key: r.token,
            model: r.model,
            provider: r.provider,
            status: r.status,
            input: r.input_tokens,
            output: r.output_tokens,
            usd: r.cost_usd,
            ms: r.latency_ms,
            note: [r.stream ? 'stream' : '', r.error ?? '', ...(r.rules ?? [])].filter(Boolean).join(' · '),
          }))}
        />
      )}
    </div>
  );
}
