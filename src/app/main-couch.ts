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
    await deployDesignDocs(config.couchdbUrl, docs);
    return { url: config.couchdbUrl, embedded: false, close: async () => {} };
  }
  const couch = await startEmbeddedCouch({ dataDir: config.dataDir, port: config.embeddedPort, show: { timeoutMs: config.showTimeoutMs, workers: config.showWorkers, perAccount: config.accountConcurrency } });
  try {
    await deployDesignDocs(couch.url, docs);
    return { url: couch.url, embedded: true, close: () => couch.close() };
  } catch (err) {
    await couch.close();
    throw err;
  }
}
