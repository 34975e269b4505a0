// The couchfn console: sign in, pick an account, list its functions, edit,
// test and watch one. Everything goes through the REST API with the token
// in a header; the page itself holds no secret in its URL.
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Api, loadSession, saveSession, type Session } from './api';
import { SignIn } from './sign-in';
import { AccountPicker } from './accounts';
import { FunctionList } from './functions';
import { Editor } from './editor';
import { TestPanel } from './test-panel';
import { Attempts } from './attempts';
import { Storage } from './storage';

function App() {
  const [session, setSession] = useState<Session | null>(loadSession());
  const [account, setAccount] = useState<string | null>(session?.accountId ?? null);
  const [selected, setSelected] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [notice, setNotice] = useState('');
  const [tab, setTab] = useState<'functions' | 'storage'>('functions');
  const changeSession = (next: Session | null) => {
    saveSession(next);
    setSession(next);
    if (!next) { setAccount(null); setSelected(null); }
  };
  const api = useMemo(() => (session ? new Api(session, changeSession) : null), [session?.token]);
  if (!session || !api) return <SignIn onSignedIn={(s) => { changeSession(s); setAccount(s.accountId); }} />;
  const current = account ?? session.accountId;
  const bump = () => setRefresh((n) => n + 1);

  return (
    <div class="app">
      <header>
        <h1>couchfn</h1>
        <AccountPicker api={api} session={session} current={current} onPick={(id) => { setAccount(id); setSelected(null); setNotice(''); }} />
        {session.master && (
          <nav aria-label="Sections">
            <button aria-pressed={tab === 'functions'} onClick={() => setTab('functions')}>Functions</button>
            <button aria-pressed={tab === 'storage'} onClick={() => setTab('storage')}>Storage</button>
          </nav>
        )}
        <span class="who">{session.accountName}</span>
        <button onClick={() => changeSession(null)}>Sign out</button>
      </header>
      {notice && <p role="alert" class="error notice">{notice} <button class="link" onClick={() => setNotice('')}>dismiss</button></p>}
      {tab === 'storage' && session.master ? <main><Storage api={api} /></main> : (
        <main class="workspace">
          <FunctionList api={api} account={current} selected={selected} onSelect={setSelected} refresh={refresh} onChanged={bump} onError={setNotice} />
          {selected ? (
            <div class="detail">
              <Editor api={api} account={current} functionId={selected} onSaved={bump} />
              <TestPanel api={api} account={current} functionId={selected} onRan={bump} />
              <Attempts api={api} account={current} functionId={selected} refresh={refresh} />
            </div>
          ) : <p class="detail empty">Choose a function, or create one.</p>}
        </main>
      )}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
