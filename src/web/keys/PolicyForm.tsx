// The policy as a form: one control for every field of the policy schema (src/core/policy/schema.ts), grouped in
// sections. Each section edits its part of the policy object and hands the whole object back.
import { BUDGET_WINDOWS, RULE_ACTIONS, RULE_SCOPES, RULE_TYPES } from '../../core/policy/schema.js';
import { CheckField, Row, Section, SelectField, TextField } from './fields.js';
import { ProvidersEditor } from './ProvidersEditor.js';
import { asList, asObj, parseList, parseNumber, parseNumberList, pathOf, removeAt, replaceAt, showList, withField, type Obj } from './policy-edit.js';

type Path = (string | number)[];
const PROMPT_ROLES = ['system', 'developer', 'user', 'assistant'] as const;

export interface PartProps {
  readonly value: Obj;
  readonly at: Path;
  readonly onChange: (next: Obj) => void;
}

/** The fields a provider policy shares with the top level. */
export function BasicFields({ value, at, onChange, envVars, topLevel }: PartProps & { envVars: string; topLevel?: boolean }) {
  const field = (key: string) => ({ path: pathOf(...at, key), value: value[key], onChange: (v: unknown) => onChange(withField(value, key, v)) });
  return (
    <div className="grid">
      <TextField label="Provider key variable (base_key_env)" {...field('base_key_env')} list={envVars} placeholder="OPENAI_API_KEY" hint="The environment variable holding the real provider key." />
      {topLevel && <TextField label="Default provider" {...field('default_provider')} placeholder="openai" />}
      <TextField label="Upstream URL" {...field('upstream_url')} placeholder="https://api.openai.com" />
      <TextField label="Model (exact)" {...field('model')} placeholder="gpt-4o-mini" />
      <TextField label="Model regex" {...field('model_regex')} placeholder="^gpt-4o" />
      <TextField label="Max tokens per request" {...field('max_tokens')} parse={parseNumber} inputMode="numeric" />
      <TextField label="Timeout (seconds)" {...field('timeout')} parse={parseNumber} inputMode="numeric" />
    </div>
  );
}

export function PromptsEditor({ value, at, onChange }: PartProps) {
  const list = asList(value.prompts);
  const set = (next: unknown[]) => onChange(withField(value, 'prompts', next));
  return (
    <Section title="Prompts" filled={list.length > 0} actions={<button type="button" onClick={() => set([...list, { role: 'system', content: '' }])}>Add prompt</button>}>
      {list.map((item, i) => {
        const p = asObj(item);
        const put = (key: string) => (v: unknown) => set(replaceAt(list, i, withField(p, key, v)));
        return (
          <Row key={i} title={`Prompt ${i + 1}`} path={pathOf(...at, 'prompts', i)} onRemove={() => set(removeAt(list, i))}>
            <SelectField label="Role" path={pathOf(...at, 'prompts', i, 'role')} value={p.role} onChange={put('role')} options={PROMPT_ROLES} />
            <TextField label="Content" path={pathOf(...at, 'prompts', i, 'content')} value={p.content} onChange={(v) => set(replaceAt(list, i, { ...p, content: v ?? '' }))} multiline />
          </Row>
        );
      })}
    </Section>
  );
}

export function RulesEditor({ value, at, onChange }: PartProps) {
  const list = asList(value.rules);
  const set = (next: unknown[]) => onChange(withField(value, 'rules', next));
  return (
    <Section title="Content rules" filled={list.length > 0} actions={<button type="button" onClick={() => set([...list, { type: 'regex', pattern: '', action: 'fail', scope: 'input' }])}>Add rule</button>}>
      {list.map((item, i) => {
        // A bare string is the legacy form of a regex rule; editing it turns it into the object form.
        const r = typeof item === 'string' ? { type: 'regex', pattern: item } : asObj(item);
        const put = (key: string) => (v: unknown) => set(replaceAt(list, i, withField(r, key, v)));
        const p = (key: string) => pathOf(...at, 'rules', i, key);
        return (
          <Row key={i} title={`Rule ${i + 1}`} path={pathOf(...at, 'rules', i)} onRemove={() => set(removeAt(list, i))}>
            <TextField label="Name" path={p('name')} value={r.name} onChange={put('name')} />
            <SelectField label="Type" path={p('type')} value={r.type} onChange={put('type')} options={RULE_TYPES} emptyLabel="(regex)" />
            <SelectField label="Action" path={p('action')} value={r.action} onChange={put('action')} options={RULE_ACTIONS} emptyLabel="(fail)" />
            <SelectField label="Scope" path={p('scope')} value={r.scope} onChange={put('scope')} options={RULE_SCOPES} emptyLabel="(input)" />
            <TextField label="Pattern (regex)" path={p('pattern')} value={r.pattern} onChange={put('pattern')} />
            <TextField label="Keywords (comma-separated)" path={p('keywords')} value={r.keywords} show={showList} parse={parseList} onChange={put('keywords')} />
            <TextField label="PII types (comma-separated)" path={p('detect')} value={r.detect} show={showList} parse={parseList} onChange={put('detect')} placeholder="email, phone" />
          </Row>
        );
      })}
    </Section>
  );
}

function BudgetsEditor({ value, onChange }: PartProps) {
  const list = asList(value.budgets);
  const set = (next: unknown[]) => onChange(withField(value, 'budgets', next));
  return (
    <Section title="Budgets" filled={list.length > 0} actions={<button type="button" onClick={() => set([...list, { tokens: 100000, window: '1d' }])}>Add budget</button>}>
      {list.map((item, i) => {
        const b = asObj(item);
        const put = (key: string) => (v: unknown) => set(replaceAt(list, i, withField(b, key, v)));
        const p = (key: string) => pathOf('budgets', i, key);
        return (
          <Row key={i} title={`Budget ${i + 1}`} path={pathOf('budgets', i)} onRemove={() => set(removeAt(list, i))}>
            <TextField label="Tokens" path={p('tokens')} value={b.tokens} parse={parseNumber} onChange={put('tokens')} inputMode="numeric" />
            <TextField label="USD" path={p('usd')} value={b.usd} parse={parseNumber} onChange={put('usd')} inputMode="decimal" />
            <SelectField label="Window" path={p('window')} value={b.window} onChange={put('window')} options={BUDGET_WINDOWS} emptyLabel="(choose)" />
            <CheckField label="Calendar window (resets at the start of the day/week/month)" path={p('calendar')} value={b.calendar} onChange={put('calendar')} />
            <TextField label="Only model" path={p('model')} value={b.model} onChange={put('model')} />
            <TextField label="Only models matching" path={p('model_regex')} value={b.model_regex} onChange={put('model_regex')} />
            <TextField label="Alert at (0–1)" path={p('alert_at')} value={b.alert_at} parse={parseNumber} onChange={put('alert_at')} inputMode="decimal" placeholder="0.8" />
          </Row>
        );
      })}
    </Section>
  );
}

function RateLimitEditor({ value, onChange }: PartProps) {
  const rl = asObj(value.rate_limit);
  const rules = asList(rl.rules);
  const setRl = (next: Obj) => onChange(withField(value, 'rate_limit', next));
  const setRules = (next: unknown[]) => setRl(withField(rl, 'rules', next));
  return (
    <Section title="Rate limit" filled={Object.keys(rl).length > 0} actions={<button type="button" onClick={() => setRules([...rules, { requests: 60, window: '1m' }])}>Add rate rule</button>}>
      <TextField label="Max parallel requests" path={pathOf('rate_limit', 'max_parallel')} value={rl.max_parallel} parse={parseNumber} onChange={(v) => setRl(withField(rl, 'max_parallel', v))} inputMode="numeric" />
      {rules.map((item, i) => {
        const r = asObj(item);
        const put = (key: string) => (v: unknown) => setRules(replaceAt(rules, i, withField(r, key, v)));
        const p = (key: string) => pathOf('rate_limit', 'rules', i, key);
        return (
          <Row key={i} title={`Rate rule ${i + 1}`} path={pathOf('rate_limit', 'rules', i)} onRemove={() => setRules(removeAt(rules, i))}>
            <TextField label="Requests" path={p('requests')} value={r.requests} parse={parseNumber} onChange={put('requests')} inputMode="numeric" />
            <TextField label="Tokens" path={p('tokens')} value={r.tokens} parse={parseNumber} onChange={put('tokens')} inputMode="numeric" />
            <TextField label="Window" path={p('window')} value={r.window} onChange={put('window')} placeholder="1m" />
            <SelectField label="Strategy" path={p('strategy')} value={r.strategy} onChange={put('strategy')} options={['sliding', 'fixed']} emptyLabel="(sliding)" />
          </Row>
        );
      })}
    </Section>
  );
}

function RetryEditor({ value, onChange }: PartProps) {
  const r = asObj(value.retry);
  const put = (key: string) => (v: unknown) => onChange(withField(value, 'retry', withField(r, key, v)));
  return (
    <Section title="Retry and fallbacks" filled={Object.keys(r).length > 0}>
      <div className="grid">
        <TextField label="Max retries (0–10)" path={pathOf('retry', 'max_retries')} value={r.max_retries} parse={parseNumber} onChange={put('max_retries')} inputMode="numeric" />
        <TextField label="Retry on status codes" path={pathOf('retry', 'retry_on')} value={r.retry_on} show={showList} parse={parseNumberList} onChange={put('retry_on')} placeholder="429, 503" />
        <TextField label="Fallback models" path={pathOf('retry', 'fallbacks')} value={r.fallbacks} show={showList} parse={parseList} onChange={put('fallbacks')} placeholder="gpt-4o-mini" />
      </div>
    </Section>
  );
}

function MetadataEditor({ value, onChange }: PartProps) {
  const entries = Object.entries(asObj(value.metadata));
  const set = (next: [string, unknown][]) => onChange(withField(value, 'metadata', Object.fromEntries(next)));
  return (
    <Section title="Metadata tags" filled={entries.length > 0} actions={<button type="button" onClick={() => set([...entries, [nextKey(entries.map((e) => e[0]), 'tag'), '']])}>Add tag</button>}>
      {entries.map(([k, v], i) => (
        <Row key={i} title={`Tag ${i + 1}`} path={`#metadata-${i}`} onRemove={() => set(entries.filter((_, j) => j !== i))}>
          <TextField label="Key" path={pathOf('metadata', k, '#key')} value={k} parse={(t) => t} onChange={(nk) => set(entries.map((e, j) => (j === i ? [String(nk), e[1]] : e)))} />
          <TextField label="Value" path={pathOf('metadata', k)} value={v} parse={(t) => t} onChange={(nv) => set(entries.map((e, j) => (j === i ? [e[0], nv] : e)))} />
        </Row>
      ))}
    </Section>
  );
}

function MemoryEditor({ value, onChange }: PartProps) {
  const m = asObj(value.memory);
  const put = (key: string) => (v: unknown) => onChange(withField(value, 'memory', withField(m, key, v)));
  const p = (key: string) => pathOf('memory', key);
  return (
    <Section title="Memory" filled={Object.keys(m).length > 0}>
      <div className="grid">
        <CheckField label="Record conversations to memory files" path={p('enabled')} value={m.enabled} onChange={(v) => onChange(withField(value, 'memory', { ...m, enabled: v === true }))} />
        <TextField label="Folder (file_path)" path={p('file_path')} value={m.file_path} onChange={put('file_path')} />
        <TextField label="File name" path={p('file_name')} value={m.file_name} onChange={put('file_name')} />
        <CheckField label="Store in Redis" path={p('redis')} value={m.redis} onChange={put('redis')} />
        <TextField label="Max size (MB)" path={p('max_size_mb')} value={m.max_size_mb} parse={parseNumber} onChange={put('max_size_mb')} inputMode="decimal" />
        <CheckField label="Compress old files" path={p('compress_old')} value={m.compress_old} onChange={put('compress_old')} />
      </div>
    </Section>
  );
}

export function nextKey(taken: string[], base: string): string {
  for (let i = 1; ; i++) if (!taken.includes(`${base}${i}`)) return `${base}${i}`;
}

export function PolicyForm({ policy, onChange, envVars }: { policy: Obj; onChange: (next: Obj) => void; envVars: string }) {
  const part = { value: policy, at: [] as Path, onChange };
  return (
    <div className="policy-form">
      <BasicFields {...part} envVars={envVars} topLevel />
      <PromptsEditor {...part} />
      <RulesEditor {...part} />
      <BudgetsEditor {...part} />
      <RateLimitEditor {...part} />
      <RetryEditor {...part} />
      <MetadataEditor {...part} />
      <MemoryEditor {...part} />
      <ProvidersEditor {...part} envVars={envVars} />
    </div>
  );
}

