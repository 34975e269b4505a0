// couchfn's databases, by their role. A prefix lets several installs (or test
// files) share one CouchDB; with none, the names are Kazoo's (`functions`, as
// cf_function expects).
export type DatabaseRole = 'functions' | 'accounts' | 'system_data' | 'oauth_clients' | 'function_attempts'
  | 'lp_requests' | 'webhooks' | 'webhook_attempts' | 'events' | 'event_deliveries' | 'websockets' | 'function_installations';
export type DatabaseNames = Record<DatabaseRole, string>;

const ROLES: DatabaseRole[] = ['functions', 'accounts', 'system_data', 'oauth_clients', 'function_attempts',
  'lp_requests', 'webhooks', 'webhook_attempts', 'events', 'event_deliveries', 'websockets', 'function_installations'];

export function databaseNames(prefix = ''): DatabaseNames {
  return Object.fromEntries(ROLES.map((role) => [role, `${prefix}${role}`])) as DatabaseNames;
}
