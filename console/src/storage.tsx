// For the master account: where functions are stored, and the last move.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';

export function Storage({ api }: { api: Api }) {
  const [plan, setPlan] = useState<any>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const answer = await api.get('/v2/storage');
        if (live) setPlan(answer.data);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
      // a move under way is followed as it goes
      if (live) timer = window.setTimeout(poll, 3000);
    };
    void poll();
    return () => { live = false; window.clearTimeout(timer); };
  }, []);
  const migration = plan?.migration;
  return (
    <section class="storage" aria-labelledby="storage-title">
      <h2 id="storage-title">Storage</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {plan && (
        <>
          <p>Functions are stored on <strong>{plan.plan?.aggregate?.types?.function?.connection ?? plan.plan?.aggregate?.connection ?? 'the main CouchDB'}</strong>.</p>
          {migration ? (
            <dl class="migration">
              <dt>Last move</dt><dd>{migration.from} → {migration.to}</dd>
              <dt>State</dt><dd data-testid="migration-state">{migration.state} ({migration.step})</dd>
              <dt>Copied / verified</dt><dd>{migration.copied} / {migration.verified}</dd>
              <dt>Updated</dt><dd>{migration.updated}</dd>
              {migration.error && <><dt>Error</dt><dd>{migration.error.step}: {migration.error.cause}</dd></>}
            </dl>
          ) : <p class="empty">No move has run.</p>}
          <details><summary>The plan as JSON</summary><pre>{JSON.stringify(plan, null, 2)}</pre></details>
        </>
      )}
    </section>
  );
}
