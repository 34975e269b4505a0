// The REST API as one fastify instance: envelopes, auth, validation, routes.
// Tests build it and call it with inject; scripts/start.ts only listens.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Services } from '../http/services.js';
import { accountsResource } from '../resources/accounts.js';
import { apiAuthResource } from '../resources/api-auth.js';
import { functionAttemptsResource } from '../resources/function-attempts.js';
import { functionCatalogResource } from '../resources/function-catalog.js';
import { functionInvocationResource } from '../resources/function-invocation.js';
import { functionsResource } from '../resources/functions.js';
import { functionValidationResource } from '../resources/function-validation.js';
import { consoleSite } from './console-site.js';
import { eventsResource } from '../resources/events.js';
import { healthResource } from '../resources/health.js';
import { oauthClientsResource } from '../resources/oauth-clients.js';
import { oauthTokenResource } from '../resources/oauth-token.js';
import { openapiResource } from '../resources/openapi.js';
import { storageResource } from '../resources/storage.js';
import { livepersonGateway } from '../resources/liveperson/index.js';
import { cors } from '../http/cors.js';
import { tlsOptions } from './tls.js';
import { webhooksResource } from '../resources/webhooks.js';
import { websocketsResource } from '../resources/websockets.js';
import { accountResellerResource } from '../resources/account-reseller.js';
import { functionVersionsResource } from '../resources/function-versions.js';
import { globalFunctionsResource } from '../resources/global-functions.js';
import { installationsResource } from '../resources/installations.js';
import { version } from '../version.js';
import { authenticate } from '../http/auth.js';
import { failure } from '../http/envelope.js';
import { ApiError } from '../http/errors.js';
import { handleError } from '../http/error-handler.js';
import { parseForm } from '../http/form.js';
import { bodyAjv, paramAjv } from '../schemas/validate.js';

export const resources = [
  apiAuthResource, accountsResource, functionsResource, functionInvocationResource, functionAttemptsResource,
  eventsResource, webhooksResource, websocketsResource, oauthClientsResource, oauthTokenResource, functionCatalogResource, storageResource, healthResource,
  openapiResource, functionValidationResource, livepersonGateway, accountResellerResource, functionVersionsResource, installationsResource, globalFunctionsResource
];

function requestId(req: { headers: Record<string, unknown> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID().replace(/-/g, '');
}

export async function buildApp(services: Services, loggerInstance?: FastifyBaseLogger): Promise<FastifyInstance> {
  const https = tlsOptions(services.config);
  const app = Fastify({
    ...(https ? { https } : {}),
    // requests are not logged one by one: that is the hot path; failures are
    ...(loggerInstance ? { loggerInstance } : {}), logController: new LogController({ disableRequestLogging: true }), genReqId: requestId, bodyLimit: services.config.bodyLimitBytes,
    return503OnClosing: true, routerOptions: { ignoreTrailingSlash: true }, trustProxy: services.config.trustProxy
  }) as unknown as FastifyInstance; // an https server when TLS is set; the routes do not care
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema));
  await app.register(swagger, {
    openapi: {
      info: { title: 'couchfn', description: 'Kazoo-compatible functions API', version },
      servers: [{ url: `${https ? 'https' : 'http'}://${services.config.host.includes(':') ? `[${services.config.host}]` : services.config.host}:${services.config.port}`, description: 'this couchfn (COUCHFN_HOST, COUCHFN_PORT)' }],
      components: {
        securitySchemes: {
          authToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'from PUT /v2/api_auth' },
          bearer: { type: 'http', scheme: 'bearer', description: 'an OAuth client-credentials token from POST /oauth/token' }
        }
      },
      security: [{ authToken: [] }, { bearer: [] }]
    }
  });
  // JSON or a form, nothing else: a JSON body sent as text/plain answers 415 with what to send
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseForm(body as string)));
  app.decorate('echoAuthToken', services.config.echoAuthToken);
  if (services.config.corsOrigins.length > 0) app.addHook('onRequest', cors(services.config.corsOrigins));
  app.decorateRequest('authToken', null);
  app.decorateRequest('caller', null);
  app.decorateRequest('account', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(failure(request, new ApiError(404, 'not_found', { cause: `no route ${request.method} ${request.url.split('?')[0]}` })));
  });
  app.addHook('preValidation', authenticate(services.tokens, services.accounts, services.oauthClients));
  for (const register of resources) register(app, services);
  consoleSite(app);
  return app;
}
