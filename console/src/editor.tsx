// The function's code in CodeMirror 6: JavaScript highlighting, the server's
// own validation (POST .../functions/validate, nothing saved) shown at its
// line and column as you type, and a save that names the revision it read:
// a save that conflicts offers a reload and never overwrites.
import { useEffect, useRef, useState } from 'preact/hooks';
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { ApiError, fnPath, type Api } from './api';

interface Loaded { code: string; revision: string; name: string }

/** The server's verdict on a draft as editor diagnostics. */
async function serverDiagnostics(api: Api, account: string, view: EditorView): Promise<Diagnostic[]> {
  const code = view.state.doc.toString();
  try {
    await api.call('POST', `${fnPath(account)}/validate`, { data: { function_js: code } });
    return [];
  } catch (err) {
    const problem = err instanceof ApiError ? err.data?.function_js : undefined;
    const detail = problem && (Object.values(problem)[0] as { message?: string; line?: number; column?: number });
    if (!detail?.message) return [];
    const doc = view.state.doc;
    const line = doc.line(Math.min(Math.max(detail.line ?? 1, 1), doc.lines));
    const from = Math.min(line.from + Math.max((detail.column ?? 1) - 1, 0), line.to);
    return [{ from, to: Math.min(from + 1, line.to) > from ? Math.min(from + 1, line.to) : from, severity: 'error', message: detail.message, source: 'couchfn' }];
  }
}

export function Editor({ api, account, functionId, onSaved }: { api: Api; account: string; functionId: string; onSaved: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [status, setStatus] = useState('');
  const [problem, setProblem] = useState('');
  const [conflict, setConflict] = useState(false);

  const load = async () => {
    const answer = await api.get(fnPath(account, functionId));
    setLoaded({ code: answer.data.function_js, revision: answer.revision, name: answer.data.name });
    setConflict(false);
    setStatus('');
    const v = view.current;
    if (v) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: answer.data.function_js } });
  };

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      doc: '',
      extensions: [
        basicSetup, javascript(), lintGutter(),
        linter(async (ev) => {
          const found = await serverDiagnostics(api, account, ev);
          setProblem(found[0] ? `line ${ev.state.doc.lineAt(found[0].from).number}: ${found[0].message}` : '');
          return found;
        }, { delay: 400 }),
        EditorView.cspNonce.of(document.querySelector('meta[name=csp-nonce]')?.getAttribute('content') ?? ''),
        EditorView.contentAttributes.of({ 'aria-label': 'Function code', 'aria-describedby': 'editor-problem' })
      ]
    });
    view.current = v;
    void load();
    return () => v.destroy();
  }, [account, functionId]);

  const save = async () => {
    if (!loaded || !view.current) return;
    setStatus('saving...');
    try {
      const answer = await api.call('PATCH', fnPath(account, functionId), { data: { function_js: view.current.state.doc.toString() } }, { 'if-match': loaded.revision });
      setLoaded({ ...loaded, code: answer.data.function_js, revision: answer.revision });
      setStatus(`saved (revision ${answer.revision.split('-')[0]})`);
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setConflict(true);
        setStatus('Someone saved this function since you opened it. Nothing was overwritten.');
      } else {
        setStatus(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
      }
    }
  };

  return (
    <section class="editor" aria-labelledby="editor-title">
      <h2 id="editor-title">{loaded?.name ?? 'Function'}</h2>
      <div class="cm-host" ref={host} />
      <p id="editor-problem" class="problem" role="status">{problem}</p>
      <div class="toolbar">
        <button onClick={save} disabled={!loaded}>Save</button>
        {conflict && <button onClick={load}>Reload the saved version</button>}
        <span class="save-status" role="status">{status}</span>
      </div>
    </section>
  );
}
