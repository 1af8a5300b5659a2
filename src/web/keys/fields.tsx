// Form controls for the policy editor. Text boxes keep what the user typed (a half-typed "1." or "a, ") while the
// policy holds the parsed value, and reset only when the value changes from elsewhere (the JSON view).
import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { showText, type Problem } from './policy-edit.js';

export const ProblemsContext = createContext<readonly Problem[]>([]);

function useProblems(path: string): Problem[] {
  return useContext(ProblemsContext).filter((p) => p.path === path);
}

export function FieldProblems({ path }: { path: string }) {
  const problems = useProblems(path);
  if (problems.length === 0) return null;
  return (
    <ul className="field-problems">
      {problems.map((p, i) => (
        <li key={i}>{p.message}</li>
      ))}
    </ul>
  );
}

interface TextLikeProps {
  readonly label: string;
  readonly path: string;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly parse?: (text: string) => unknown;
  readonly show?: (value: unknown) => string;
  readonly placeholder?: string;
  readonly hint?: ReactNode;
  readonly list?: string;
  readonly multiline?: boolean;
  readonly inputMode?: 'numeric' | 'decimal' | 'text';
  readonly name?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function TextField({ label, path, value, onChange, parse = (t) => (t === '' ? undefined : t), show = showText, placeholder, hint, list, multiline, inputMode, name }: TextLikeProps) {
  const id = useId();
  const [text, setText] = useState(() => show(value));
  const sent = useRef<unknown>(value);
  useEffect(() => {
    if (!same(value, sent.current)) {
      sent.current = value;
      setText(show(value));
    }
  }, [value, show]);
  const problems = useProblems(path);
  const change = (t: string) => {
    setText(t);
    const parsed = parse(t);
    sent.current = parsed;
    onChange(parsed);
  };
  const common = {
    id,
    name: name ?? path,
    value: text,
    placeholder,
    'aria-invalid': problems.length > 0 || undefined,
    'aria-describedby': problems.length ? `${id}-problems` : undefined,
  };
  return (
    <div className={problems.length ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} onChange={(e) => change(e.target.value)} />
      ) : (
        <input {...common} type="text" list={list} inputMode={inputMode} autoComplete="off" spellCheck={false} onChange={(e) => change(e.target.value)} />
      )}
      {hint && <span className="hint">{hint}</span>}
      {problems.length > 0 && (
        <ul className="field-problems" id={`${id}-problems`}>
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SelectField({ label, path, value, onChange, options, emptyLabel }: { label: string; path: string; value: unknown; onChange: (v: unknown) => void; options: readonly string[]; emptyLabel?: string }) {
  const id = useId();
  const problems = useProblems(path);
  const current = value === undefined ? '' : showText(value);
  const known = current === '' || options.includes(current);
  return (
    <div className={problems.length ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <select id={id} name={path} value={current} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} aria-invalid={problems.length > 0 || undefined}>
        {emptyLabel !== undefined && <option value="">{emptyLabel}</option>}
        {!known && <option value={current}>{current}</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <FieldProblems path={path} />
    </div>
  );
}

export function CheckField({ label, path, value, onChange }: { label: string; path: string; value: unknown; onChange: (v: boolean | undefined) => void }) {
  const id = useId();
  return (
    <div className="field check">
      <input id={id} name={path} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked ? true : undefined)} />
      <label htmlFor={id}>{label}</label>
      <FieldProblems path={path} />
    </div>
  );
}

/** A section of the form; open when it already holds something. */
export function Section({ title, filled, children, actions }: { title: string; filled: boolean; children: ReactNode; actions?: ReactNode }) {
  return (
    <details className="section" open={filled || undefined}>
      <summary>
        {title}
        {filled ? '' : ' (not set)'}
      </summary>
      <div className="section-body">
        {children}
        {actions && <div className="row-actions">{actions}</div>}
      </div>
    </details>
  );
}

/** One item of a repeated group (a rule, a budget…) with its own remove button. */
export function Row({ title, path, onRemove, children }: { title: string; path: string; onRemove: () => void; children: ReactNode }) {
  return (
    <fieldset className="row">
      <legend>{title}</legend>
      <div className="row-fields">{children}</div>
      <FieldProblems path={path} />
      <button type="button" className="remove" onClick={onRemove} aria-label={`Remove ${title}`}>
        Remove
      </button>
    </fieldset>
  );
}
