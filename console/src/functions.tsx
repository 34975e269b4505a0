// The account's functions: name, enabled or why not, events, the last run;
// create (blank or from a template), rename, enable, disable, delete.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, fnPath, type Api } from './api';

export interface FunctionItem { id: string; name: string; enabled?: boolean; disable_reason?: string; events?: string[] }
interface Template { id: string; name: string; description: string; function_js: string }
interface Attempt { function_id: string; result: string; kind: string; timestamp: string }

const BLANK = "// call holds what Kazoo sends; return a callflow node\nconsole.log('call to', call.To);\nreturn { module: 'tts', data: { text: 'Hello' } };\n";

export function FunctionList({ api, account, selected, onSelect, refresh, onChanged, onError }: {
  api: Api; account: string; selected: string | null; onSelect: (id: string | null) => void; refresh: number;
  onChanged: () => void; onError: (message: string) => void;
}) {
  const [items, setItems] = useState<FunctionItem[]>([]);
  const [last, setLast] = useState<Record<string, Attempt>>({});
  const [templates, setTemplates] = useState<Template[]>([]);
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');

  useEffect(() => {
    let live = true;
    api.get(`${fnPath(account)}?paginate=false`).then((a) => live && setItems(a.data), (e) => onError(e.message));
    api.get(`${fnPath(account)}/attempts?page_size=500`).then((a) => {
      const latest: Record<string, Attempt> = {};
      for (const at of a.data as Attempt[]) latest[at.function_id] ??= at;
      if (live) setLast(latest);
    }, () => undefined);
    return () => { live = false; };
  }, [account, refresh]);
  useEffect(() => { api.get('/v2/functions').then((a) => setTemplates(a.data.templates), () => undefined); }, []);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      onChanged();
    } catch (err) {
      onError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    const body = templates.find((t) => t.id === template)?.function_js ?? BLANK;
    void act(async () => {
      const created = await api.call('PUT', fnPath(account), { data: { name: name || template || 'new function', function_js: body } });
      setName('');
      onSelect(created.data.id);
    });
  };
  const rename = (fn: FunctionItem) => {
    const next = window.prompt(`New name for ${fn.name}`, fn.name);
    if (next && next !== fn.name) void act(() => api.call('PATCH', fnPath(account, fn.id), { data: { name: next } }));
  };
  const setEnabled = (fn: FunctionItem, enabled: boolean) => act(() => api.call('PATCH', fnPath(account, fn.id), { data: { enabled } }));
  const remove = (fn: FunctionItem) => {
    if (!window.confirm(`Delete ${fn.name}? Its attempts go with it.`)) return;
    void act(async () => {
      await api.call('DELETE', fnPath(account, fn.id));
      if (selected === fn.id) onSelect(null);
    });
  };

  return (
    <section class="functions" aria-labelledby="functions-title">
      <h2 id="functions-title">Functions</h2>
      <form class="create" onSubmit={create}>
        <label for="new-name">Name</label>
        <input id="new-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="my function" />
        <label for="new-template">Start from</label>
        <select id="new-template" value={template} onChange={(e) => setTemplate((e.target as HTMLSelectElement).value)}>
          <option value="">a blank function</option>
          {templates.map((t) => <option key={t.id} value={t.id} title={t.description}>{t.name}</option>)}
        </select>
        <button type="submit">Create</button>
      </form>
      {items.length === 0 ? <p class="empty">No functions yet.</p> : (
        <ul class="function-list">
          {items.map((fn) => (
            <li key={fn.id} class={fn.id === selected ? 'selected' : ''} data-function={fn.name}>
              <button class="link name" onClick={() => onSelect(fn.id)} aria-current={fn.id === selected}>{fn.name}</button>
              <span class={`badge ${fn.enabled === false ? 'off' : 'on'}`}>{fn.enabled === false ? 'disabled' : 'enabled'}</span>
              {fn.disable_reason && <span class="reason">{fn.disable_reason}</span>}
              {fn.events?.length ? <span class="events">{fn.events.join(', ')}</span> : null}
              {last[fn.id] && <span class={`last ${last[fn.id].result}`}>last: {last[fn.id].kind}</span>}
              <span class="actions">
                <button onClick={() => rename(fn)} aria-label={`Rename ${fn.name}`}>Rename</button>
                {fn.enabled === false
                  ? <button onClick={() => setEnabled(fn, true)} aria-label={`Enable ${fn.name}`}>Enable</button>
                  : <button onClick={() => setEnabled(fn, false)} aria-label={`Disable ${fn.name}`}>Disable</button>}
                <button class="danger" onClick={() => remove(fn)} aria-label={`Delete ${fn.name}`}>Delete</button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
