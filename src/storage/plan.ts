// Kazoo's storage plan, as far as couchfn reads it: which CouchDB the
// `functions` database lives on, and how GET shows credentials.
import { fieldError } from '../errors.js';

export interface StorageConnection {
  driver: 'kazoo_couch';
  name?: string;
  settings: { ip: string; port: number; protocol?: 'http' | 'https'; credentials?: { username: string; password: string }; [k: string]: unknown };
}
interface PlanEntry { connection?: string; database?: { names?: string[] }; types?: Record<string, { connection?: string }> }
export interface StoragePlan {
  connections?: Record<string, StorageConnection>;
  plan?: Partial<Record<'account' | 'modb' | 'system' | 'aggregate', PlanEntry>>;
  [key: string]: unknown;
}

export const MASK = '********';

/** The connection id the plan sends `functions` to, or undefined for the main CouchDB. */
export function functionsConnectionId(plan: StoragePlan | null): string | undefined {
  const aggregate = plan?.plan?.aggregate;
  const byType = aggregate?.types?.function?.connection;
  if (byType) return byType;
  if (aggregate?.connection && aggregate.database?.names?.includes('functions')) return aggregate.connection;
  return undefined;
}

export function connectionUrl({ settings }: StorageConnection): string {
  const host = settings.ip.includes(':') ? `[${settings.ip}]` : settings.ip;
  const auth = settings.credentials
    ? `${encodeURIComponent(settings.credentials.username)}:${encodeURIComponent(settings.credentials.password)}@` : '';
  return `${settings.protocol ?? 'http'}://${auth}${host}:${settings.port}`;
}

/** Where `functions` goes under this plan: an id and a URL ("main" and the main URL by default). */
export function functionsTarget(plan: StoragePlan | null, mainUrl: string): { id: string; url: string } {
  const id = functionsConnectionId(plan);
  if (!id || id === 'local') return { id: 'main', url: mainUrl };
  return { id, url: connectionUrl(plan!.connections![id]) };
}

/** Kazoo's rule: every connection the plan names must be a key of connections. */
export function checkReferences(plan: StoragePlan): void {
  const known = new Set(Object.keys(plan.connections ?? {}));
  for (const [name, entry] of Object.entries(plan.plan ?? {})) {
    const refs: [string, string | undefined][] = [[`plan.${name}.connection`, entry?.connection],
      ...Object.entries(entry?.types ?? {}).map(([type, t]) => [`plan.${name}.types.${type}.connection`, t?.connection] as [string, string | undefined])];
    for (const [field, ref] of refs) {
      if (ref !== undefined && ref !== 'local' && !known.has(ref)) throw fieldError(field, 'invalid', `invalid reference '${ref}' to connections`);
    }
  }
}

/** The plan as GET shows it: credentials masked. */
export function masked(plan: StoragePlan): StoragePlan {
  const connections = Object.fromEntries(Object.entries(plan.connections ?? {}).map(([id, c]) => [id, {
    ...c, settings: { ...c.settings, ...(c.settings.credentials ? { credentials: { username: MASK, password: MASK } } : {}) }
  }]));
  return { ...plan, ...(plan.connections ? { connections } : {}) };
}

/** A plan sent back with masked credentials keeps the stored ones. */
export function unmasked(plan: StoragePlan, stored: StoragePlan | null): StoragePlan {
  if (!plan.connections) return plan;
  const connections = Object.fromEntries(Object.entries(plan.connections).map(([id, c]) => {
    const given = c.settings.credentials;
    const before = stored?.connections?.[id]?.settings.credentials;
    if (!given || !before) return [id, c];
    const credentials = { username: given.username === MASK ? before.username : given.username, password: given.password === MASK ? before.password : given.password };
    return [id, { ...c, settings: { ...c.settings, credentials } }];
  }));
  return { ...plan, connections };
}
