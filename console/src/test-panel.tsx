// Run the saved function on a call: a sample (/v2/functions/samples), or a
// call edited as JSON or as Kazoo's query string; see the callflow, how long
// it took, the error, and the run's own log lines.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, fnPath, type Api } from './api';

interface Sample { id: string; name: string }
interface LogLine { level: string; message: string }
interface Result { status: number; ms: number; callflow?: unknown; error?: string; cause?: string; logs?: LogLine[]; dropped?: number }

/** Kazoo's query string as call data: `a[b]=1` and `u[]=x` kept as flat keys, which the show decodes as Kazoo's do. */
function fromQuery(text: string): Record<string, unknown> {
  const call: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text.trim().replace(/^\?/, ''))) call[key] = value;
  return call;
}

function toQuery(call: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(call).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}[${k}]` : k;
    if (Array.isArray(v)) return v.map((x) => `${encodeURIComponent(`${key}[]`)}=${encodeURIComponent(String(x))}`);
    if (v && typeof v === 'object') return toQuery(v as Record<string, unknown>, key);
    return [`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`];
  });
}

export function TestPanel({ api, account, functionId, onRan }: { api: Api; account: string; functionId: string; onRan: () => void }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [mode, setMode] = useState<'json' | 'query'>('json');
  const [text, setText] = useState('{\n  "To": "2000",\n  "Caller-ID-Name": "Alice Smith"\n}');
  const [result, setResult] = useState<Result | null>(null);
  const [inputError, setInputError] = useState('');

  useEffect(() => { api.get('/v2/functions/samples').then((a) => setSamples(a.data), () => undefined); }, []);

  const pick = async (id: string) => {
    if (!id) return;
    const sample = (await api.get(`/v2/functions/samples/${encodeURIComponent(id)}`)).data;
    setText(mode === 'json' ? JSON.stringify(sample.call, null, 2) : toQuery(sample.call).join('&'));
  };
  const switchMode = (next: 'json' | 'query') => {
    try {
      setText(next === 'query' ? toQuery(JSON.parse(text)).join('&') : JSON.stringify(fromQuery(text), null, 2));
    } catch { /* leave the text as it is */ }
    setMode(next);
  };
  const run = async (e: Event) => {
    e.preventDefault();
    let call: Record<string, unknown>;
    try {
      call = mode === 'json' ? JSON.parse(text) : fromQuery(text);
      setInputError('');
    } catch (err) {
      setInputError(`The call is not JSON: ${(err as Error).message}`);
      return;
    }
    const started = performance.now();
    try {
      const answer = await api.call('POST', `${fnPath(account, functionId)}/invoke`, { data: call });
      setResult({ status: 200, ms: Math.round(performance.now() - started), callflow: answer.data, logs: answer.logs, dropped: answer.logs_dropped });
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      if (!(err instanceof ApiError)) throw err;
      setResult({ status: err.status, ms, error: err.code, cause: err.data?.cause, logs: err.data?.logs, dropped: err.data?.logs_dropped });
    }
    onRan();
  };

  return (
    <section class="test-panel" aria-labelledby="test-title">
      <h2 id="test-title">Test</h2>
      <form onSubmit={run}>
        <div class="row">
          <label for="sample">Sample call</label>
          <select id="sample" onChange={(e) => void pick((e.target as HTMLSelectElement).value)}>
            <option value="">choose a sample...</option>
            {samples.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
          <fieldset class="mode">
            <legend>Call as</legend>
            <label><input type="radio" name="mode" checked={mode === 'json'} onChange={() => switchMode('json')} /> JSON</label>
            <label><input type="radio" name="mode" checked={mode === 'query'} onChange={() => switchMode('query')} /> query string</label>
          </fieldset>
        </div>
        <label for="call">Call</label>
        <textarea id="call" rows={8} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        {inputError && <p role="alert" class="error">{inputError}</p>}
        <button type="submit">Run</button>
      </form>
      {result && (
        <div class="result" aria-live="polite">
          <p class={`outcome ${result.status === 200 ? 'ok' : 'bad'}`}>
            <strong data-testid="run-status">{result.status === 200 ? '200 success' : `${result.status} ${result.error}`}</strong> in {result.ms} ms
          </p>
          {result.cause && <p class="cause" data-testid="run-cause">{result.cause}</p>}
          {result.callflow !== undefined && <pre class="callflow" data-testid="callflow">{JSON.stringify(result.callflow, null, 2)}</pre>}
          <h3>Log lines</h3>
          {result.logs?.length ? (
            <ol class="logs" data-testid="run-logs">
              {result.logs.map((l, i) => <li key={i} class={`log-${l.level}`}><span class="level">{l.level}</span> {l.message}</li>)}
            </ol>
          ) : <p class="empty">none</p>}
          {result.dropped ? <p class="help">{result.dropped} more lines were past the limits (COUCHFN_LOG_LINES, COUCHFN_LOG_BYTES)</p> : null}
        </div>
      )}
    </section>
  );
}
