// Which JavaScript engine the functions connection runs, for GET /v2/functions.
import { describeServer } from '../couch/server.js';
import type { Routing } from '../couch/routing.js';

const CACHE_MS = 60_000;

export class EngineProbe {
  private cached?: { engine: string; until: number; connection: string };

  /** `sandbox`: how the proxy's own engine isolates calls (COUCHFN_ENGINE=sandbox); unset: CouchDB's show runs them */
  constructor(private readonly routing: Routing, private readonly sandbox?: 'function' | 'call') {}

  async engine(): Promise<string> {
    if (this.sandbox) return `quickjs (couchfn sandbox in the proxy, a context per ${this.sandbox === 'call' ? 'call' : 'function revision'})`;
    const connection = this.routing.functions();
    if (this.cached && this.cached.until > Date.now() && this.cached.connection === connection.id) return this.cached.engine;
    const engine = await this.detect().catch(() => 'unknown');
    this.cached = { engine, until: Date.now() + CACHE_MS, connection: connection.id };
    return engine;
  }

  private async detect(): Promise<string> {
    const server = await describeServer(this.routing.functions());
    if (server.embedded) return 'quickjs (couchfn embedded, sandboxed)';
    if (server.jsEngine) return `${server.jsEngine} (CouchDB ${server.version})`;
    return `spidermonkey (CouchDB ${server.version}; new Function needs couchjs --eval)`;
  }
}
