// The function's attempts, kept up to date while it is open: polled every
// two seconds (calls made anywhere, curl included, show up), each with the
// lines that run logged.
import { useEffect, useState } from 'preact/hooks';
import { fnPath, type Api } from './api';

interface Attempt { timestamp: string; result: string; kind: string; error?: string; duration_ms: number; call_id?: string; logs?: { level: string; message: string }[] }

const POLL_MS = 2000;

export function Attempts({ api, account, functionId, refresh }: { api: Api; account: string; functionId: string; refresh: number }) {
  const [rows, setRows] = useState<Attempt[]>([]);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const answer = await api.get(`${fnPath(account, functionId)}/attempts`);
        if (live) setRows(answer.data);
      } catch { /* shown again at the next poll */ }
      if (live) timer = window.setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => { live = false; window.clearTimeout(timer); };
  }, [account, functionId, refresh]);
  return (
    <section class="attempts" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts <span class="help">(live)</span></h2>
      {rows.length === 0 ? <p class="empty">No attempts recorded yet (failures always are; successes with COUCHFN_RECORD_SUCCESSES).</p> : (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">When</th><th scope="col">Result</th><th scope="col">Error</th><th scope="col">ms</th><th scope="col">Call-ID</th><th scope="col">Logs</th></tr></thead>
            <tbody data-testid="attempt-rows">
              {rows.map((a) => (
                <tr key={`${a.timestamp}${a.call_id ?? ''}`} class={a.result}>
                  <td>{new Date(a.timestamp).toLocaleTimeString()}</td>
                  <td>{a.kind}</td>
                  <td>{a.error ?? ''}</td>
                  <td>{a.duration_ms}</td>
                  <td class="call-id">{a.call_id ?? ''}</td>
                  <td>{a.logs?.length ? (
                    <details><summary>{a.logs.length} lines</summary>
                      <ol class="logs">{a.logs.map((l, i) => <li key={i} class={`log-${l.level}`}><span class="level">{l.level}</span> {l.message}</li>)}</ol>
                    </details>) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
