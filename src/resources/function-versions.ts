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
  properties: { accountId: kazooId, functionId: kazooId, version: (versionSchema.properties as Record<string, unknown>).version }
} as const;

/** A version as the API shows it, and whether it is the one that runs. */
function versionView(doc: VersionDoc, fn: FunctionDoc, withCode: boolean) {
  return {
    version: doc.version, ...(withCode ? { function_js: doc.function_js } : {}), ...(doc.notes !== undefined ? { notes: doc.notes } : {}),
    published_at: doc.published_at, running: fn.pvt_version === doc.version
  };
}

export function functionVersionsResource(app: FastifyInstance, { functions, versions, config }: Services): void {
  const fn = (request: FastifyRequest) => {
    const { functionId } = request.params as { functionId: string };
    return functions.get(request.account!._id, functionId);
  };

  resource(app, '/v2/accounts/:accountId/functions/:functionId/versions', 'versions', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'The function\'s published versions, newest first (without their code)', params: functionParams },
      handler: async (request) => {
        const doc = await fn(request);
        return success(request, (await versions.list(doc)).map((v) => versionView(v, doc, false)), { revision: doc._rev });
      }
    },
    PUT: {
      scope: 'functions.write',
      status: 201,
      schema: { summary: 'Publish an immutable version (409 when it exists); the function then runs the chosen one', params: functionParams, body: requestBody(versionSchema) },
      handler: async (request) => {
        const fields = (request.body as { data: { version: string; function_js: string; notes?: string } }).data;
        if (!semver.valid(fields.version)) throw fieldError('version', 'pattern', 'not a semantic version (semver.org), e.g. 1.2.0 or 1.3.0-beta.1');
        checkVersionCode(fields.function_js, config.maxFunctionBytes);
        const published = await versions.publish(await fn(request), fields);
        // this process runs the new choice at once (others follow the changes feed)
        functions.forget(published.fn._id);
        return success(request, { ...versionView(published.version, published.fn, true), running_version: published.fn.pvt_version },
          { revision: published.fn._rev });
      }
    }
  });

  resource(app, '/v2/accounts/:accountId/functions/:functionId/versions/:version', 'versions', {
    GET: {
      scope: 'functions.read',
      schema: { summary: 'One published version, with its code', params: versionParams },
      handler: async (request) => {
        const doc = await fn(request);
        const { version } = request.params as { version: string };
        return success(request, versionView(await versions.get(doc, version), doc, true));
      }
    }
  });
}
