// Keys: the table of wrapper tokens with their budgets, and create / edit / delete through the policy editor.
import { useState } from 'react';
import { api, ApiError, type BudgetGauge, type CreatedKey, type KeyDetail, type KeySummary } from '../api.js';
import { fmtInt, fmtTime, fmtUsd, shortHash } from '../format.js';
import { KeyEditor, type EditorMode } from '../keys/KeyEditor.js';
import { readJson, type Obj } from '../keys/policy-edit.js';
import { TokenDialog } from '../keys/TokenDialog.js';
import { Dialog } from '../ui/Dialog.js';
import { Empty, ResourceView } from '../ui/states.js';
import { useApi } from '../ui/use-api.js';

const ENV_LIST_ID = 'env-var-names';
const NEW_POLICY: Obj = { base_key_env: 'OPENAI_API_KEY' };

type Editing = { mode: EditorMode; initial: Obj };

function gaugeText(g: BudgetGauge): string {
  const f = g.unit === 'usd' ? fmtUsd : fmtInt;
  return `${g.label}: ${f(g.used)} of ${f(g.limit)} used, ${f(g.remaining)} left`;
}

function Gauges({ gauges }: { gauges: BudgetGauge[] | undefined }) {
  if (!gauges?.length) return <span className="muted">no limits</span>;
  return (
    <ul className="gauges">
      {gauges.map((g, i) => {
        const share = g.limit > 0 ? Math.min(1, g.used / g.limit) : 0;
        return (
          <li key={i} title={g.resets_at ? `resets ${fmtTime(g.resets_at)}` : undefined}>
            <span>{gaugeText(g)}</span>
            <meter min={0} max={1} value={share} high={0.8} optimum={0} aria-hidden="true" />
          </li>
        );
      })}
    </ul>
  );
}

function KeysTable({ keys, onEdit, onDelete }: { keys: KeySummary[]; onEdit: (k: KeySummary) => void; onDelete: (k: KeySummary) => void }) {
  if (keys.length === 0) return <Empty>No keys yet. Create one with “New key”.</Empty>;
  return (
    <div className="table-wrap">
      <table className="keys-table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Provider</th>
            <th scope="col" className="num">Max tokens</th>
            <th scope="col" className="num">Rules</th>
            <th scope="col">Provider policies</th>
            <th scope="col">Budgets</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.token_hash} data-hash={k.token_hash}>
              <td data-label="Key">
                <code>{shortHash(k.token_hash)}</code>
              </td>
              <td data-label="Created" className="time">{fmtTime(k.created_at)}</td>
              <td data-label="Expires" className="time">{k.expires_at ? fmtTime(k.expires_at) : 'never'}</td>
              <td data-label="Provider">{[k.policy.base_key_env, k.policy.default_provider].filter(Boolean).join(' · ') || '-'}</td>
              <td data-label="Max tokens" className="num">{k.policy.max_tokens ? fmtInt(k.policy.max_tokens) : '-'}</td>
              <td data-label="Rules" className="num">{fmtInt(k.policy.rule_count)}</td>
              <td data-label="Provider policies">{k.providers.length ? k.providers.map((p) => `${p.name} (${p.policy_count})`).join(', ') : '-'}</td>
              <td data-label="Budgets">
                <Gauges gauges={k.budgets} />
              </td>
              <td data-label="Actions" className="actions">
                <button type="button" onClick={() => onEdit(k)} aria-label={`Edit key ${shortHash(k.token_hash)}`}>
                  Edit
                </button>
                <button type="button" className="danger" onClick={() => onDelete(k)} aria-label={`Delete key ${shortHash(k.token_hash)}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ConfirmDelete({ target, onDone, onCancel }: { target: KeySummary; onDone: () => void; onCancel: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await api.del(`/keys/${encodeURIComponent(target.token_hash)}`);
      onDone();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Delete key?" onClose={onCancel}>
      <p>
        Delete key <code>{shortHash(target.token_hash)}</code>? Anything using it gets 401 from then on. This cannot be undone.
      </p>
      {error && <p role="alert" className="problem">Could not delete: {error}</p>}
      <div className="dialog-actions">
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          Delete key
        </button>
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

export function KeysTab() {
  const keys = useApi<{ count: number; tokens: KeySummary[] }>('/keys');
  const envVars = useApi<{ env_vars: string[] }>('/env-vars');
  const [editing, setEditing] = useState<Editing>();
  const [created, setCreated] = useState<CreatedKey>();
  const [deleting, setDeleting] = useState<KeySummary>();
  const [notice, setNotice] = useState<string>();
  const [loadError, setLoadError] = useState<string>();

  const startEdit = async (k: KeySummary) => {
    setLoadError(undefined);
    try {
      const detail = await api.get<KeyDetail>(`/keys/${encodeURIComponent(k.token_hash)}`);
      const read = readJson(detail.policy_raw);
      if (!read.ok) throw new ApiError(`the stored policy is unreadable: ${read.message}`, 0);
      setEditing({ mode: { kind: 'edit', hash: k.token_hash, expiresAt: detail.expires_at }, initial: read.policy });
    } catch (err) {
      setLoadError(`Could not open key ${shortHash(k.token_hash)}: ${(err as Error).message}`);
    }
  };

  return (
    <div className="keys">
      <div className="toolbar">
        <button type="button" className="primary" onClick={() => setEditing({ mode: { kind: 'create' }, initial: NEW_POLICY })}>
          New key
        </button>
        <button type="button" onClick={keys.reload}>
          Refresh
        </button>
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {loadError && (
        <p role="alert" className="problem">
          {loadError}
        </p>
      )}
      <datalist id={ENV_LIST_ID}>
        {(envVars.data?.env_vars ?? []).map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <ResourceView resource={keys} what="the keys">
        {(data) => <KeysTable keys={data.tokens} onEdit={(k) => void startEdit(k)} onDelete={setDeleting} />}
      </ResourceView>
      {editing && (
        <EditorDialog
          editing={editing}
          onCancel={() => setEditing(undefined)}
          onCreated={(c) => {
            setEditing(undefined);
            setCreated(c);
            setNotice(`Created key ${shortHash(c.hash)}.`);
            keys.reload();
          }}
          onSaved={() => {
            const hash = editing.mode.kind === 'edit' ? editing.mode.hash : '';
            setEditing(undefined);
            setNotice(`Saved key ${shortHash(hash)}.`);
            keys.reload();
          }}
        />
      )}
      {created && <TokenDialog created={created} onClose={() => setCreated(undefined)} />}
      {deleting && (
        <ConfirmDelete
          target={deleting}
          onCancel={() => setDeleting(undefined)}
          onDone={() => {
            setNotice(`Deleted key ${shortHash(deleting.token_hash)}.`);
            setDeleting(undefined);
            keys.reload();
          }}
        />
      )}
    </div>
  );
}

function EditorDialog({ editing, onCancel, onCreated, onSaved }: { editing: Editing; onCancel: () => void; onCreated: (c: CreatedKey) => void; onSaved: () => void }) {
  const title = editing.mode.kind === 'create' ? 'New key' : `Edit key ${shortHash(editing.mode.hash)}`;
  return (
    <Dialog title={title} onClose={onCancel} wide>
      <KeyEditor mode={editing.mode} initial={editing.initial} envVarsList={ENV_LIST_ID} onCreated={onCreated} onSaved={onSaved} onCancel={onCancel} />
    </Dialog>
  );
}
