// Create or edit a key: the policy form and its JSON side by side, both editing one policy object, checked against
// the core schema as the user types; the daemon's own answer (400 and its issues) is shown as it came.
import { useId, useMemo, useState } from 'react';
import { api, ApiError, type CreatedKey } from '../api.js';
import { PolicyForm } from './PolicyForm.js';
import { ProblemsContext } from './fields.js';
import { readJson, showJson, validate, type Obj } from './policy-edit.js';

export type EditorMode = { kind: 'create' } | { kind: 'edit'; hash: string; expiresAt?: string };

export interface EditorProps {
  readonly mode: EditorMode;
  readonly initial: Obj;
  readonly envVarsList: string;
  readonly onCreated: (created: CreatedKey) => void;
  readonly onSaved: () => void;
  readonly onCancel: () => void;
}

export function KeyEditor({ mode, initial, envVarsList, onCreated, onSaved, onCancel }: EditorProps) {
  const [policy, setPolicy] = useState<Obj>(initial);
  const [jsonText, setJsonText] = useState(() => showJson(initial));
  const [jsonError, setJsonError] = useState<string>();
  const [expires, setExpires] = useState('');
  const [serverError, setServerError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const problems = useMemo(() => validate(policy), [policy]);
  const ids = { json: useId(), expires: useId() };

  const fromForm = (next: Obj) => {
    setPolicy(next);
    setJsonText(showJson(next));
    setJsonError(undefined);
  };
  const fromJson = (text: string) => {
    setJsonText(text);
    const read = readJson(text);
    if (read.ok) {
      setPolicy(read.policy);
      setJsonError(undefined);
    } else setJsonError(read.message);
  };

  const save = async () => {
    setAttempted(true);
    setServerError(undefined);
    if (jsonError || problems.length > 0) return;
    setSaving(true);
    try {
      if (mode.kind === 'create') {
        onCreated(await api.post<CreatedKey>('/keys', { policy, expires: expires.trim() }));
      } else {
        const body: Obj = { policy };
        if (expires.trim()) body.expires = expires.trim();
        await api.put(`/keys/${encodeURIComponent(mode.hash)}`, body);
        onSaved();
      }
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError(String(err), 0));
    } finally {
      setSaving(false);
    }
  };

  const blocked = jsonError !== undefined || problems.length > 0;
  return (
    <form
      className="key-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <div className="field">
        <label htmlFor={ids.expires}>{mode.kind === 'create' ? 'Expires' : 'New expiry'}</label>
        <input id={ids.expires} name="expires" value={expires} onChange={(e) => setExpires(e.target.value)} placeholder={mode.kind === 'create' ? 'never' : 'unchanged'} autoComplete="off" />
        <span className="hint">
          A duration such as 30d or 12h, or a date like 2027-01-31T00:00:00Z.
          {mode.kind === 'edit' && <> Currently {mode.expiresAt ?? 'never'}; "clear" removes the expiry.</>}
        </span>
      </div>
      <div className="editor-panes">
        <section className="pane">
          <h3>Policy</h3>
          <ProblemsContext.Provider value={problems}>
            <PolicyForm policy={policy} onChange={fromForm} envVars={envVarsList} />
          </ProblemsContext.Provider>
        </section>
        <section className="pane">
          <h3>
            <label htmlFor={ids.json}>Policy JSON</label>
          </h3>
          <textarea id={ids.json} name="policy-json" className="json" value={jsonText} onChange={(e) => fromJson(e.target.value)} spellCheck={false} rows={18} aria-invalid={jsonError !== undefined || undefined} />
          <div className="row-actions">
            <button type="button" onClick={() => setJsonText(showJson(policy))} disabled={jsonError !== undefined}>
              Format JSON
            </button>
          </div>
          {jsonError && (
            <p className="problem" role="alert">
              {jsonError}
            </p>
          )}
        </section>
      </div>
      <div className="problems" aria-live="polite">
        {problems.length > 0 && (
          <>
            <p>{problems.length === 1 ? '1 problem' : `${problems.length} problems`} in the policy:</p>
            <ul className="problem-list">
              {problems.map((p, i) => (
                <li key={i}>{p.message}</li>
              ))}
            </ul>
          </>
        )}
        {attempted && blocked && <p className="problem">Fix the problems above before saving.</p>}
        {serverError && (
          <div className="server-error" role="alert">
            <p>The daemon refused: {serverError.message}</p>
            {serverError.issues.length > 0 && (
              <ul>
                {serverError.issues.map((issue, i) => (
                  <li key={i}>
                    {issue.path ? `${issue.path}: ` : ''}
                    {issue.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      <div className="dialog-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : mode.kind === 'create' ? 'Create key' : 'Save changes'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
