// Says which CouchDB the integration tests ran on, in the test output.
import test from 'ava';
import { openConnection } from '../src/couch/connection.js';
import { describeServer } from '../src/couch/server.js';
import { startTestCouch } from './helpers/couch.js';

test('the CouchDB the suite runs on', async (t) => {
  const couch = await startTestCouch();
  const connection = openConnection('suite', couch.url);
  try {
    const server = await describeServer(connection);
    const what = server.embedded ? 'the embedded CouchDB (express-pouchdb, QuickJS sandbox)'
      : `Apache CouchDB ${server.version}, js_engine ${server.jsEngine ?? 'spidermonkey (default)'}${couch.kind === 'container' ? ', in a container' : ''}`;
    t.log(`backend: ${what}`);
    console.log(`tests run on ${what}`);
    t.true(server.embedded || server.couchdb);
  } finally {
    await connection.close();
    await couch.stop();
  }
});
