// Which JavaScript engine the functions connection runs, for GET /v2/functions.
import type { Routing } from '../couch/routing.js';

const CACHE_MS = 60_000;

export class EngineProbe {
  private cached?: { engine: string; until: number; connection: string };

  constructor(private readonly routing: Routing) {}

  async engine(): Promise<string> {
    const connection = this.routing.functions();
    if (this.cached && this.cached.until > Date.now() && this.cached.connection === connection.id) return this.cached.engine;
    const engine = await this.detect().catch(() => 'unknown');
    this.cached = { engine, until: Date.now() + CACHE_MS, connection: connection.id };
    return engine;
  }

  private async detect(): Promise<string> {
    const server = this.routing.functions().server;
    const root = (await server.request({ path: '' })) as { version?: string; vendor?: { name?: string } };
    if (/pouchdb/i.test(root.vendor?.name ?? '')) return 'quickjs (couchfn embedded, sandboxed)';
    const configured = await server.request({ path: '_node/_local/_config/couchdb/js_engine' }).catch(() => null);
    if (typeof configured === 'string' && configured) return `${configured} (CouchDB ${root.version})`;
    return `spidermonkey (CouchDB ${root.version}; new Function needs couchjs --eval)`;
  }
}
