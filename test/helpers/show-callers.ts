// The ways to ask the `wh` show for an answer, so that the design doc's own
// suites run on every engine: over HTTP on the test CouchDB (as Kazoo's
// cf_function does), and in the proxy's sandbox engine on the same documents.
import { readDesignDocs } from '../../src/build/designdocs.js';
import { openConnection, type Connection } from '../../src/couch/connection.js';
import { Routing } from '../../src/couch/routing.js';
import { ShowEngine as ShowPool } from '../../src/embedded/show-engine.js';
import { FunctionStore } from '../../src/functions/store.js';
import { SandboxEngine, whShow } from '../../src/invoke/sandbox-engine.js';
import { compiledDesignDocs } from '../../src/paths.js';
import { callShow, type ShowAnswer, type TestCouch } from './couch.js';

export interface ShowCaller {
  name: string;
  call(couch: TestCouch, id: string, query?: string): Promise<ShowAnswer>;
  title(what: string): string;
  close(): Promise<void>;
}

function sandboxCaller(): ShowCaller {
  let state: { connection: Connection; store: FunctionStore; engine: SandboxEngine } | undefined;
  return {
    name: 'sandbox',
    title: (what) => `sandbox: ${what}`,
    async call(couch, id, query = '') {
      state ??= (() => {
        const connection = openConnection('show-caller', couch.url);
        const store = new FunctionStore(new Routing(connection), 'functions');
        // as many workers as the embedded CouchDB has, so that both meet the same load alike
        const pool = new ShowPool({ workers: 4, isolation: 'function' });
        return { connection, store, engine: new SandboxEngine(store, pool, whShow(readDesignDocs(compiledDesignDocs)), 'functions') };
      })();
      // the tests write documents behind the store's back: read them fresh, as the changes feed would have it
      state.store.forget(id);
      const { status, text } = await state.engine.answer(id, query);
      let body: unknown;
      try { body = JSON.parse(text); } catch { body = undefined; }
      return { status, body, text };
    },
    async close() {
      await state?.engine.close();
      await state?.connection.close();
    }
  };
}

export function showCallers(): ShowCaller[] {
  return [
    { name: 'show', title: (what) => what, call: callShow, close: async () => undefined },
    sandboxCaller()
  ];
}
