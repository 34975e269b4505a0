// The accounts the signed-in key may manage: its own and every descendant,
// read through /children, shown as one indented list to switch between.
import { useEffect, useState } from 'preact/hooks';
import type { Api, Session } from './api';

interface Node { id: string; name: string; depth: number }
const MAX_ACCOUNTS = 500;

async function tree(api: Api, root: Session): Promise<Node[]> {
  const out: Node[] = [{ id: root.accountId, name: root.accountName, depth: 0 }];
  for (let i = 0; i < out.length && out.length < MAX_ACCOUNTS; i++) {
    const children: { id: string; name: string }[] = (await api.get(`/v2/accounts/${encodeURIComponent(out[i].id)}/children`)).data;
    out.splice(i + 1, 0, ...children.map((c) => ({ ...c, depth: out[i].depth + 1 })));
  }
  return out;
}

export function AccountPicker({ api, session, current, onPick }: { api: Api; session: Session; current: string; onPick: (id: string) => void }) {
  const [nodes, setNodes] = useState<Node[]>([{ id: session.accountId, name: session.accountName, depth: 0 }]);
  useEffect(() => { tree(api, session).then(setNodes, () => undefined); }, [session.accountId]);
  return (
    <label class="account-picker">
      Account{' '}
      <select id="account" value={current} onChange={(e) => onPick((e.target as HTMLSelectElement).value)}>
        {nodes.map((n) => <option key={n.id} value={n.id}>{'\u00a0\u00a0'.repeat(n.depth) + n.name}</option>)}
      </select>
    </label>
  );
}
