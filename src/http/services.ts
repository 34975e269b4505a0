// The services routes use, made once at start and shared by every request.
import type { AccountDirectory } from '../accounts/directory.js';
import type { OAuthClients } from '../auth/oauth-clients.js';
import type { Tokens } from '../auth/tokens.js';
import type { EngineProbe } from '../catalog/engine.js';
import type { Config } from '../config.js';
import type { Routing } from '../couch/routing.js';
import type { FunctionStore } from '../functions/store.js';
import type { FunctionVersions } from '../functions/versions.js';
import type { GlobalFunctions } from '../globals/catalog.js';
import type { AttemptLog } from '../invoke/attempts.js';
import type { EventDispatcher } from '../invoke/events.js';
import type { Invoker } from '../invoke/invoker.js';
import type { FunctionEngine } from '../invoke/engine.js';
import type { StorageService } from '../storage/service.js';

import type { CallRate, GuessingLimit } from '../auth/guessing.js';
import type { EventHub } from '../events/hub.js';
import type { NetworkPolicy } from '../events/networks.js';
import type { SocketRegistry } from '../events/sockets.js';
import type { HookAttempts } from '../events/webhook-attempts.js';
import type { WebhookStore } from '../events/webhooks.js';
import type { DatabaseNames } from '../couch/names.js';
import type { RequestLog } from '../gateway/requests.js';

export interface Services {
  config: Config;
  routing: Routing;
  accounts: AccountDirectory;
  tokens: Tokens;
  functions: FunctionStore;
  invoker: Invoker;
  /** what runs functions: CouchDB's show or the proxy's sandbox (COUCHFN_ENGINE) */
  functionEngine: FunctionEngine;
  attempts: AttemptLog;
  engine: EngineProbe;
  storage: StorageService;
  oauthClients: OAuthClients;
  events: EventDispatcher;
  /** the database of each role, prefixed (COUCHFN_DB_PREFIX) */
  names: DatabaseNames;
  guessing: GuessingLimit;
  /** X-Request-IDs of the LivePerson gateway's invocations (exactly once under retries) */
  lpRequests: RequestLog;
  webhooks: WebhookStore;
  webhookAttempts: HookAttempts;
  /** where webhooks may send requests (COUCHFN_WEBHOOK_ALLOWED_NETWORKS) */
  networks: NetworkPolicy;
  sockets: SocketRegistry;
  /** live events: the changes feeds, webhook delivery, sockets */
  hub: EventHub;
  /** published versions of functions, and which one runs */
  versions: FunctionVersions;
  /** resellers' global functions and their installations */
  globals: GlobalFunctions;
  /** calls of the public route, per reseller (COUCHFN_GLOBAL_CALLS_PER_SECOND) */
  globalRate: CallRate;
}
