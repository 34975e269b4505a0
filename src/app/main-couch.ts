// The main CouchDB: COUCHDB_URL when given, else the embedded server.
import type { Config } from '../config.js';
import { readDesignDocs } from '../build/designdocs.js';
import { deployDesignDocs } from '../couch/deploy.js';
import { startEmbeddedCouch } from '../embedded/server.js';
import { compiledDesignDocs } from '../paths.js';

export interface MainCouch {
  /** with admin credentials */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function startMainCouch(config: Config): Promise<MainCouch> {
  const docs = readDesignDocs(compiledDesignDocs);
  if (config.couchdbUrl) {
    // the probe writes a throwaway function: only when the design docs changed, not at every start
    await deployDesignDocs(config.couchdbUrl, docs, { prefix: config.dbPrefix, probe: 'if-changed' });
    return { url: config.couchdbUrl, embedded: false, close: async () => {} };
  }
  const couch = await startEmbeddedCouch({
    dataDir: config.dataDir, port: config.embeddedPort,
    show: { timeoutMs: config.showTimeoutMs, workers: config.showWorkers, perAccount: config.accountConcurrency }
  }).catch((err) => {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    throw new Error(`the embedded CouchDB cannot listen on 127.0.0.1:${config.embeddedPort}: the port is taken `
      + '(COUCHFN_EMBEDDED_COUCH_PORT); leave it unset to pick a free port, or set COUCHDB_URL to use the CouchDB that is there');
  });
  try {
    await deployDesignDocs(couch.url, docs, { prefix: config.dbPrefix, probe: 'if-changed' });
    return { url: couch.url, embedded: true, close: () => couch.close() };
  } catch (err) {
    await couch.close();
    throw err;
  }
}
