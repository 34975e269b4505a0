// Sign in with an account's API key (or a token). The key is typed, never
// put in a URL, and kept in this tab's sessionStorage only.
import { useState } from 'preact/hooks';
import { signIn, type Session } from './api';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(secret));
    } catch (err) {
      setError((err as Error).message || 'sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>couchfn console</h1>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <label for="secret">API key or token</label>
        <input id="secret" name="secret" type="password" autocomplete="off" required value={secret}
          onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
        <p id="sign-in-help" class="help">Kept in this tab only (sessionStorage); closing the tab signs you out.</p>
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}
