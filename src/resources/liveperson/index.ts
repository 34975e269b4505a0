// The LivePerson-compatible gateway: LivePerson Functions' routes, so that
// its published client (liveperson-functions-client) works unchanged against
// couchfn's accounts, OAuth clients, functions and events. Its routes share
// one error handler that answers in LivePerson's shapes; the rest of the API
// keeps Kazoo's envelope.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../http/services.js';
import { appTokenResource } from './app-token.js';
import { handleLpError } from './errors.js';
import { eventImplementedResource } from './event-implemented.js';
import { eventInvocationResource } from './event-invocation.js';
import { lambdaInvocationResource } from './lambda-invocation.js';
import { lambdasResource } from './lambdas.js';
import { serviceDiscoveryResource } from './service-discovery.js';

const gatewayResources = [serviceDiscoveryResource, appTokenResource, lambdaInvocationResource, eventInvocationResource, eventImplementedResource, lambdasResource];

export function livepersonGateway(app: FastifyInstance, services: Services): void {
  if (!services.config.lpGateway) return;
  void app.register(async (gateway) => {
    gateway.setErrorHandler(handleLpError);
    for (const register of gatewayResources) register(gateway, services);
  });
}
