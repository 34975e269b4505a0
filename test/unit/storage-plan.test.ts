// Kazoo's storage plan as couchfn reads it: where `functions` lives, which
// references are valid, and how credentials are hidden and kept.
import test from 'ava';
import {
  checkReferences, connectionUrl, functionsConnectionId, functionsTarget, masked, MASK, unmasked,
  type StorageConnection, type StoragePlan
} from '../../src/storage/plan.js';

const ID = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const MAIN = 'http://admin:main@127.0.0.1:5984';

const conn = (settings: Partial<StorageConnection['settings']> = {}): StorageConnection => ({
  driver: 'kazoo_couch', name: 'functions server',
  settings: { ip: '10.0.0.7', port: 5984, credentials: { username: 'fn', password: 'secret' }, ...settings }
});

test('no plan, or a plan that does not mention functions, keeps them on the main CouchDB', (t) => {
  t.is(functionsConnectionId(null), undefined);
  t.is(functionsConnectionId({}), undefined);
  t.is(functionsConnectionId({ plan: { account: { connection: ID } } }), undefined);
  t.is(functionsConnectionId({ plan: { aggregate: { connection: ID } } }), undefined, 'aggregate without functions in database.names');
  t.is(functionsConnectionId({ plan: { aggregate: { connection: ID, database: { names: ['accounts'] } } } }), undefined);
  t.deepEqual(functionsTarget(null, MAIN), { id: 'main', url: MAIN });
  t.deepEqual(functionsTarget({ connections: { [ID]: conn() } }, MAIN), { id: 'main', url: MAIN });
});

test('functions follow aggregate.types.function, or aggregate.connection when database.names lists functions', (t) => {
  t.is(functionsConnectionId({ plan: { aggregate: { types: { function: { connection: ID } } } } }), ID);
  t.is(functionsConnectionId({ plan: { aggregate: { connection: ID, database: { names: ['accounts', 'functions'] } } } }), ID);
  t.is(functionsConnectionId({ plan: { aggregate: { connection: OTHER, database: { names: ['functions'] }, types: { function: { connection: ID } } } } }), ID,
    'the type-specific connection wins');
});

test('the target is the named connection\'s URL; "local" means the main CouchDB', (t) => {
  const plan: StoragePlan = { connections: { [ID]: conn() }, plan: { aggregate: { types: { function: { connection: ID } } } } };
  t.deepEqual(functionsTarget(plan, MAIN), { id: ID, url: 'http://fn:secret@10.0.0.7:5984' });
  t.deepEqual(functionsTarget({ plan: { aggregate: { types: { function: { connection: 'local' } } } } }, MAIN), { id: 'main', url: MAIN });
});

test('connection URLs: http by default, https when asked, IPv6 in brackets, no credentials when none', (t) => {
  t.is(connectionUrl(conn({ credentials: undefined })), 'http://10.0.0.7:5984');
  t.is(connectionUrl(conn({ protocol: 'https', port: 6984 })), 'https://fn:secret@10.0.0.7:6984');
  const v6 = new URL(connectionUrl(conn({ ip: '::1', credentials: undefined })));
  t.is(v6.hostname, '[::1]');
  t.is(v6.port, '5984');
});

test('credentials with URL characters survive the trip into the URL', (t) => {
  const credentials = { username: 'fn@acme:1', password: 'p@ss:w/rd?#%' };
  const url = new URL(connectionUrl(conn({ credentials })));
  t.is(url.hostname, '10.0.0.7');
  t.is(url.port, '5984');
  t.is(decodeURIComponent(url.username), credentials.username);
  t.is(decodeURIComponent(url.password), credentials.password);
});

test('every connection the plan names must be defined, as Kazoo refuses it', (t) => {
  const refused = (plan: StoragePlan) => (t.throws(() => checkReferences(plan)) as Error & { data?: unknown }).data;
  t.deepEqual(refused({ connections: {}, plan: { aggregate: { types: { function: { connection: ID } } } } }),
    { 'plan.aggregate.types.function.connection': { invalid: { message: `invalid reference '${ID}' to connections` } } });
  t.deepEqual(refused({ connections: { [ID]: conn() }, plan: { account: { connection: OTHER } } }),
    { 'plan.account.connection': { invalid: { message: `invalid reference '${OTHER}' to connections` } } });
  t.deepEqual(refused({ plan: { modb: { types: { mailbox: { connection: OTHER } } } } }),
    { 'plan.modb.types.mailbox.connection': { invalid: { message: `invalid reference '${OTHER}' to connections` } } });
});

test('defined connections, "local" and plans without references are accepted', (t) => {
  t.notThrows(() => checkReferences({}));
  t.notThrows(() => checkReferences({ connections: { [ID]: conn() } }));
  t.notThrows(() => checkReferences({ plan: { aggregate: { connection: 'local', types: { function: { connection: 'local' } } } } }));
  t.notThrows(() => checkReferences({
    connections: { [ID]: conn(), [OTHER]: conn() },
    plan: { aggregate: { connection: OTHER, types: { function: { connection: ID } } }, account: { database: { names: ['x'] } } }
  }));
});

test('GET shows the plan with every username and password masked, and the stored plan untouched', (t) => {
  const plan: StoragePlan = {
    name: 'dedicated', connections: { [ID]: conn(), [OTHER]: conn({ credentials: undefined, ip: '10.0.0.8' }) },
    plan: { aggregate: { types: { function: { connection: ID } } } }
  };
  const before = structuredClone(plan);
  const shown = masked(plan);
  t.deepEqual(shown, {
    name: 'dedicated',
    connections: {
      [ID]: { driver: 'kazoo_couch', name: 'functions server', settings: { ip: '10.0.0.7', port: 5984, credentials: { username: MASK, password: MASK } } },
      [OTHER]: { driver: 'kazoo_couch', name: 'functions server', settings: { ip: '10.0.0.8', port: 5984, credentials: undefined } }
    },
    plan: { aggregate: { types: { function: { connection: ID } } } }
  });
  t.false(JSON.stringify(shown).includes('secret'));
  t.deepEqual(plan, before);
  t.deepEqual(masked({ name: 'x' }), { name: 'x' }, 'no connections key is invented');
});

test('a shown plan sent back unchanged keeps the stored credentials', (t) => {
  const stored: StoragePlan = { connections: { [ID]: conn() }, plan: { aggregate: { types: { function: { connection: ID } } } } };
  t.deepEqual(unmasked(masked(stored), stored), stored);
  t.deepEqual(unmasked({ ...masked(stored), name: 'renamed' }, stored), { ...stored, name: 'renamed' });
});

test('a credential that is sent in clear replaces the stored one; masked halves are kept', (t) => {
  const stored: StoragePlan = { connections: { [ID]: conn() } };
  const newPassword = unmasked({ connections: { [ID]: conn({ credentials: { username: MASK, password: 'rotated' } }) } }, stored);
  t.deepEqual(newPassword.connections?.[ID].settings.credentials, { username: 'fn', password: 'rotated' });
  const newUser = unmasked({ connections: { [ID]: conn({ credentials: { username: 'other', password: MASK } }) } }, stored);
  t.deepEqual(newUser.connections?.[ID].settings.credentials, { username: 'other', password: 'secret' });
  const cleared = unmasked({ connections: { [ID]: conn({ credentials: undefined }) } }, stored);
  t.is(cleared.connections?.[ID].settings.credentials, undefined, 'dropping the credentials drops them');
  t.deepEqual(unmasked({ name: 'no connections' }, stored), { name: 'no connections' });
  t.deepEqual(unmasked({ connections: { [OTHER]: conn() } }, null), { connections: { [OTHER]: conn() } });
});
