// resource()'s fixed phases, on a bare fastify app with a resource of notes:
// which answer a client gets when a request is wrong in more than one way,
// and what a handler is given.
import test from 'ava';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AccountDoc } from '../../src/accounts/directory.js';
import { badIdentifier, fieldError } from '../../src/errors.js';
import { success } from '../../src/http/envelope.js';
import { handleError } from '../../src/http/error-handler.js';
import { resource } from '../../src/http/resource.js';
import { requestBody } from '../../src/http/schemas.js';
import { bodyAjv, paramAjv } from '../../src/schemas/validate.js';

interface Note { _id: string; _rev: string; text: string }

const noteParams = { type: 'object', required: ['noteId'], properties: { noteId: { type: 'string', pattern: '^[a-z]+$' } } } as const;
const noteBody = requestBody({ type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 20 } } } as const);

const account = (master: boolean): AccountDoc => ({
  _id: master ? 'master' : 'someone', name: 'a', pvt_type: 'account', pvt_tree: [], pvt_api_key_hash: '', pvt_superduper_admin: master
});

async function notesApp(): Promise<FastifyInstance> {
  const notes = new Map<string, Note>([['one', { _id: 'one', _rev: '1-a', text: 'first' }]]);
  const app = Fastify();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema));
  app.setErrorHandler(handleError);
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => { request.caller = account(request.headers['x-master'] === 'yes'); });
  resource(app, '/notes/:noteId', 'notes', {
    params: noteParams,
    exists: async (request) => {
      const note = notes.get(request.params.noteId);
      if (!note) throw badIdentifier(request.params.noteId);
      return note;
    }
  }, {
    GET: { schema: { summary: 'Read a note' }, handler: async (request, note) => success(request, note) },
    PUT: {
      schema: { summary: 'Replace a note', body: noteBody },
      rules: [({ body }) => { if (body.data.text === 'rude') throw fieldError('text', 'invalid', 'be kind'); }],
      revision: true,
      handler: async (request, note) => {
        const saved = { ...note, _rev: '2-b', text: request.body.data.text };
        notes.set(note._id, saved);
        return success(request, saved);
      }
    },
    DELETE: { master: true, revision: true, handler: async (request, note) => { notes.delete(note._id); return success(request, note); } }
  });
  await app.ready();
  return app;
}

async function call(app: FastifyInstance, method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, options: { body?: object; headers?: Record<string, string> } = {}) {
  const res = await app.inject({ method, url, headers: options.headers, ...(options.body ? { payload: options.body } : {}) });
  return { status: res.statusCode, body: res.json() };
}

test('the handler is given what exists loaded; the path parameters are the entity\'s', async (t) => {
  const app = await notesApp();
  const read = await call(app, 'GET', '/notes/one');
  t.is(read.status, 200);
  t.like(read.body.data, { _id: 'one', text: 'first' });
  t.is((await call(app, 'GET', '/notes/absent')).status, 404);
  const badId = await call(app, 'GET', '/notes/NOT-AN-ID');
  t.is(badId.status, 400, 'the params schema is the resource\'s, for every verb');
  t.truthy(badId.body.data['params.noteId']);
});

test('a request that names nothing there is 404, whatever else is wrong with it (after its schema)', async (t) => {
  const app = await notesApp();
  const stale = { 'if-match': '0-stale' };
  t.is((await call(app, 'PUT', '/notes/absent', { body: { data: { text: 'rude' } }, headers: stale })).status, 404, 'exists before the rules and the revision');
  t.is((await call(app, 'PUT', '/notes/absent', { body: { data: { text: 'x'.repeat(21) } } })).status, 400, 'the schema before exists');
});

test('a rule refuses before the revision is looked at', async (t) => {
  const app = await notesApp();
  const rude = await call(app, 'PUT', '/notes/one', { body: { data: { text: 'rude' } }, headers: { 'if-match': '0-stale' } });
  t.is(rude.status, 400);
  t.deepEqual(rude.body.data, { text: { invalid: { message: 'be kind' } } });
});

test('a stale revision is 409 and changes nothing; the current one, or none, is accepted', async (t) => {
  const app = await notesApp();
  const stale = await call(app, 'PUT', '/notes/one', { body: { data: { text: 'second' } }, headers: { 'if-match': '"0-stale"' } });
  t.is(stale.status, 409);
  t.is((await call(app, 'GET', '/notes/one')).body.data.text, 'first');
  t.is((await call(app, 'PUT', '/notes/one', { body: { data: { text: 'second' }, revision: '0-stale' } })).status, 409, '`revision` in the body too');
  t.is((await call(app, 'PUT', '/notes/one', { body: { data: { text: 'second' } }, headers: { 'if-match': '"1-a"' } })).status, 200);
  t.is((await call(app, 'PUT', '/notes/one', { body: { data: { text: 'third' } } })).status, 200, 'no revision named: last write wins');
});

test('master-only is 403 before anything is loaded; the master gets the other answers', async (t) => {
  const app = await notesApp();
  t.is((await call(app, 'DELETE', '/notes/absent')).status, 403);
  t.is((await call(app, 'DELETE', '/notes/one')).status, 403);
  t.is((await call(app, 'DELETE', '/notes/absent', { headers: { 'x-master': 'yes' } })).status, 404);
  t.is((await call(app, 'DELETE', '/notes/one', { headers: { 'x-master': 'yes', 'if-match': '0-stale' } })).status, 409);
  t.is((await call(app, 'DELETE', '/notes/one', { headers: { 'x-master': 'yes' } })).status, 200);
  t.is((await call(app, 'GET', '/notes/one')).status, 404);
});

test('a verb not declared is 405 with the allowed ones', async (t) => {
  const app = await notesApp();
  const res = await call(app, 'POST', '/notes/one', { body: { data: { text: 'x' } } });
  t.is(res.status, 405);
  t.deepEqual(res.body.data.allowed, ['GET', 'PUT', 'DELETE']);
});
