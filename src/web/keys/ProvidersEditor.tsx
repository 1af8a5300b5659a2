// Per-provider policies: `providers` maps a provider name to a list of policies, each with its own key variable,
// upstream, model constraints, prompts and rules.
import { BasicFields, nextKey, PromptsEditor, RulesEditor } from './PolicyForm.js';
import { Row, Section, TextField } from './fields.js';
import { asList, asObj, pathOf, removeAt, replaceAt, withField, type Obj } from './policy-edit.js';

export function ProvidersEditor({ value, onChange, envVars }: { value: Obj; onChange: (next: Obj) => void; envVars: string }) {
  const entries = Object.entries(asObj(value.providers));
  const set = (next: [string, unknown][]) => onChange(withField(value, 'providers', Object.fromEntries(next)));
  const addProvider = () => set([...entries, [nextKey(entries.map((e) => e[0]), 'provider'), [{ base_key_env: '' }]]]);
  return (
    <Section title="Provider policies" filled={entries.length > 0} actions={<button type="button" onClick={addProvider}>Add provider</button>}>
      {entries.map(([name, policies], i) => {
        const list = asList(policies);
        const setList = (next: unknown[]) => set(entries.map((e, j) => (j === i ? [e[0], next] : e)));
        return (
          <fieldset className="provider" key={i}>
            <legend>Provider {name || `#${i + 1}`}</legend>
            <TextField label="Provider name" path={pathOf('providers', name, '#name')} value={name} parse={(t) => t} onChange={(n) => set(entries.map((e, j) => (j === i ? [String(n), e[1]] : e)))} />
            {list.map((item, k) => {
              const at = ['providers', name, k];
              const policy = asObj(item);
              return (
                <Row key={k} title={`${name || 'provider'} policy ${k + 1}`} path={pathOf(...at)} onRemove={() => setList(removeAt(list, k))}>
                  <BasicFields value={policy} at={at} onChange={(next) => setList(replaceAt(list, k, next))} envVars={envVars} />
                  <PromptsEditor value={policy} at={at} onChange={(next) => setList(replaceAt(list, k, next))} />
                  <RulesEditor value={policy} at={at} onChange={(next) => setList(replaceAt(list, k, next))} />
                </Row>
              );
            })}
            <div className="row-actions">
              <button type="button" onClick={() => setList([...list, { base_key_env: '' }])}>
                Add policy for {name || 'this provider'}
              </button>
              <button type="button" className="remove" onClick={() => set(entries.filter((_, j) => j !== i))}>
                Remove provider {name}
              </button>
            </div>
          </fieldset>
        );
      })}
    </Section>
  );
}
