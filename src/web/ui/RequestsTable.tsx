// One table of finished requests, for the Live tab and a session's drill-down: the rows come from two sources (the
// live stream and the ledger), mapped to the one row shape here.
import { fmtInt, fmtTime, fmtUsd } from '../format.js';

export interface RequestRow {
  readonly id?: string;
  readonly at: string;
  /** The token hash as shown (a prefix). */
  readonly key: string;
  readonly model: string;
  readonly provider: string;
  readonly status: number;
  readonly input: number;
  readonly output: number;
  readonly usd: number;
  readonly ms: number;
  readonly note: string;
}

export function RequestsTable({ rows, noteHeader, caption, className }: { rows: readonly RequestRow[]; noteHeader: string; caption?: string; className?: string }) {
  return (
    <div className="table-wrap">
      <table className={className}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Key</th>
            <th scope="col">Model</th>
            <th scope="col">Provider</th>
            <th scope="col" className="num">Status</th>
            <th scope="col" className="num">In</th>
            <th scope="col" className="num">Out</th>
            <th scope="col" className="num">USD</th>
            <th scope="col" className="num">ms</th>
            <th scope="col">{noteHeader}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.id ?? i} className={r.status >= 400 ? 'failed' : undefined} data-request-id={r.id}>
              <td>{fmtTime(r.at)}</td>
              <td>
                <code>{r.key || '-'}</code>
              </td>
              <td>{r.model || '-'}</td>
              <td>{r.provider || '-'}</td>
              <td className="num">{r.status}</td>
              <td className="num">{fmtInt(r.input)}</td>
              <td className="num">{fmtInt(r.output)}</td>
              <td className="num">{fmtUsd(r.usd)}</td>
              <td className="num">{fmtInt(r.ms)}</td>
              <td>{r.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
