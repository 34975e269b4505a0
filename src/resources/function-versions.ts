// /v2/accounts/{A}/functions/{F}/versions[/{version}]: publish an immutable
// version (PUT), list them newest first, read one. Which one runs is the
// function's business: the highest release (else pre-release), unless
// `pinned_version` says otherwise (PATCH the function to roll back).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import semver from 'semver';
import type { Services } from '../http/services.js';
import type { FunctionDoc } from '../functions/store.js';
import type { VersionDoc } from '../functions/versions.js';
import { checkVersionCode } from '../functions/rules.js';
import { fieldError } from '../errors.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { embedded, functionParams, requestBody } from '../http/schemas.js';
import { functionVersionSchema, kazooId } from '../schemas/index.js';

const versionSchema = embedded(functionVersionSchema);
const versionParams = {
  type: 'object', required: ['accountId', 'functionId', 'version'],
  properties: { accountId: kazooId, functionId: kazooId, version: versionSchema.properties.version }
} as const;

/** A version as the API shows it, and whether it is the one that runs. */
function versionView(doc: VersionDoc, fn: FunctionDoc, withCode: boolean) {
  return {
    version: doc.version, ...(withCode ? { function_js: doc.function_js } : {}), ...(doc.notes !== undefined ? { notes: doc.notes } : {}),
    published_at: doc.published_at, running: fn.pvt_version === doc.version
  };
}

/** semver's own grammar, which its pattern only approximates. */
function semanticVersion({ body }: { body: { data: { version: string } } }): void {
  if (!semver.valid(body.data.version)) throw fieldError('version', 'pattern', 'not a semantic version (semver.org), e.g. 1.2.0 or 1.3.0-beta.1');
}

export function functionVersionsResource(app: FastifyInstance, { functions, versions, config }: Services): void {
  /** The account's own function the versions are of: 404 otherwise. */
  const fn = (request: FastifyRequest & { params: { functionId: string } }) => functions.get(request.account!._id, request.params.functionId);

  resource(app, '/v2/accounts/:accountId/functions/:functionId/versions', 'versions', { params: functionParams, exists: fn }, {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'The function\'s published versions, newest first (without their code)' },
      handler: async (request, doc) => success(request, (await versions.list(doc)).map((v) => versionView(v, doc, false)), { revision: doc._rev })
    },
    PUT: {
      scope: 'functions.write',
      status: 201,
      schema: { summary: 'Publish an immutable version (409 when it exists); the function then runs the chosen one', body: requestBody(versionSchema) },
      rules: [semanticVersion, ({ body }) => checkVersionCode(body.data.function_js, config.maxFunctionBytes)],
      handler: async (request, doc) => {
        const published = await versions.publish(doc, request.body.data);
        // this process runs the new choice at once (others follow the changes feed)
        functions.forget(published.fn._id);
        return success(request, { ...versionView(published.version, published.fn, true), running_version: published.fn.pvt_version },
          { revision: published.fn._rev });
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId/versions/:version', 'versions', { params: versionParams, exists: fn }, {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'One published version, with its code' },
      handler: async (request, doc) => success(request, versionView(await versions.get(doc, request.params.version), doc, true))
    }
  });
}
