// What couchfn tells the outside world, in Kazoo's words: an event has a
// name (`object.doc_created.function`, `function.failed`), a routing key that
// blackhole bindings are matched against (`function.failed.{function id}`),
// the account it happened in (and that account's ancestors, for hooks with
// include_subaccounts), and a payload. One table says every kind, which
// webhook `hook` carries it, and which bindings select it.

export type ObjectAction = 'doc_created' | 'doc_edited' | 'doc_deleted';
export type FunctionAction = 'invoked' | 'failed' | 'disabled' | 'enabled';

export interface LiveEvent {
  /** the same in every process: a delivery is claimed by it */
  id: string;
  /** `object.doc_created.function`, `function.failed`... */
  name: string;
  /** what blackhole bindings match: `object.doc_created.function`, `function.failed.{id}` */
  routing_key: string;
  /** the account the event happened in */
  account_id: string;
  /** its ancestors, root first */
  account_tree: string[];
  /** ISO 8601 */
  timestamp: string;
  /** what listeners get: account id, function id, name, timestamp and the event's own fields */
  data: Record<string, unknown>;
}

export interface EventKind {
  name: string;
  /** the webhook `hook` that carries it */
  hook: string;
  /** the blackhole binding that selects every event of this kind */
  binding: string;
  description: string;
}

export const EVENT_KINDS: EventKind[] = [
  { name: 'object.doc_created.function', hook: 'object', binding: 'object.doc_created.function', description: 'A function was created' },
  { name: 'object.doc_edited.function', hook: 'object', binding: 'object.doc_edited.function', description: 'A function was changed (any save, enabling and disabling included)' },
  { name: 'object.doc_deleted.function', hook: 'object', binding: 'object.doc_deleted.function', description: 'A function was deleted' },
  { name: 'function.invoked', hook: 'function_invoked', binding: 'function.invoked.*', description: 'A function ran: its result (success or failure), kind and duration' },
  { name: 'function.failed', hook: 'function_failed', binding: 'function.failed.*', description: 'A function failed by its own fault (threw, returned no callflow, ran too long): kind and message' },
  { name: 'function.disabled', hook: 'function_disabled', binding: 'function.disabled.*', description: 'A function was disabled, automatically or by its owner: disable_reason' },
  { name: 'function.enabled', hook: 'function_enabled', binding: 'function.enabled.*', description: 'A disabled function was enabled again' }
];

const BY_NAME = new Map(EVENT_KINDS.map((k) => [k.name, k]));

/** The webhook `hook` names, `all` first (it carries every event, as Kazoo's). */
export const HOOKS = ['all', ...new Set(EVENT_KINDS.map((k) => k.hook))];

/** The hook that carries an event. */
export function hookOf(eventName: string): string | undefined {
  return BY_NAME.get(eventName)?.hook;
}

export function objectRoutingKey(action: ObjectAction): string {
  return `object.${action}.function`;
}

export function functionRoutingKey(action: FunctionAction, functionId: string): string {
  return `function.${action}.${functionId}`;
}

/** The event's short name, as blackhole's `name` (`doc_created`, `failed`). */
export function shortName(event: LiveEvent): string {
  return event.routing_key.split('.')[1];
}

/** AMQP topic matching, as Kazoo's bindings: words split on `.`, `*` is
 * exactly one word, `#` zero or more. One pass over the key per pattern word
 * (a table of which key positions are reachable), so no binding, however
 * many `#` it holds, costs more than words x words steps. */
export function bindingMatches(binding: string, routingKey: string): boolean {
  // a run of `#` matches what one `#` matches
  const pattern = binding.split('.').filter((word, i, all) => !(word === '#' && all[i - 1] === '#'));
  const words = routingKey.split('.');
  // reachable[w]: the pattern so far can end having used the first w words
  let reachable = Array.from({ length: words.length + 1 }, (_, w) => w === 0);
  for (const word of pattern) {
    const next = new Array<boolean>(words.length + 1).fill(false);
    for (let w = 0; w <= words.length; w++) {
      if (!reachable[w]) continue;
      if (word === '#') {
        for (let rest = w; rest <= words.length; rest++) next[rest] = true;
        break; // every later position is reachable already
      }
      if (w < words.length && (word === '*' || word === words[w])) next[w + 1] = true;
    }
    reachable = next;
  }
  return reachable[words.length];
}

/** At most this many words in a binding: couchfn's routing keys have three. */
const MAX_BINDING_WORDS = 8;

const BINDING = /^[a-z_*#]+(\.([a-z0-9_*#]+))*$/;

/** Whether a binding can select any event couchfn sends: every routing key
 * couchfn makes is tried, with the binding's own function id in it. */
export function isKnownBinding(binding: string): boolean {
  if (binding.length > 200 || !BINDING.test(binding) || binding.split('.').length > MAX_BINDING_WORDS) return false;
  const id = binding.split('.').find((w) => /^[0-9a-f]{32}$/.test(w)) ?? '0'.repeat(32);
  const keys = [
    ...(['doc_created', 'doc_edited', 'doc_deleted'] as const).map(objectRoutingKey),
    ...(['invoked', 'failed', 'disabled', 'enabled'] as const).map((a) => functionRoutingKey(a, id))
  ];
  return keys.some((key) => bindingMatches(binding, key));
}

/** GET /v2/websockets: the bindings by category, as Kazoo lists them. */
export function bindingsByCategory(): Record<string, { event: string; binding: string; description: string }[]> {
  const categories: Record<string, { event: string; binding: string; description: string }[]> = {};
  for (const kind of EVENT_KINDS) {
    const category = kind.name.split('.')[0];
    (categories[category] ??= []).push({ event: kind.name, binding: kind.binding, description: kind.description });
  }
  return categories;
}

const FUNCTION_ID_MODIFIER = { type: 'array', items: { type: 'string' }, description: 'Only these functions' };

/** GET /v2/webhooks: every hook, with the modifiers that narrow it, as Kazoo lists them. */
export const HOOK_CATALOG: { id: string; name: string; description: string; modifiers: Record<string, unknown> }[] = [
  { id: 'all', name: 'all', description: 'Every event below', modifiers: {} },
  {
    id: 'object', name: 'object', description: 'Function documents created, changed or deleted (Kazoo\'s object events); custom_data type and action filter, as Kazoo\'s',
    modifiers: {
      type: { type: 'array', items: ['function'], description: 'A list of object types to handle' },
      action: { type: 'array', items: ['doc_created', 'doc_edited', 'doc_deleted', 'all'], description: 'A list of object actions to handle' }
    }
  },
  {
    id: 'function_invoked', name: 'function_invoked', description: 'A function ran',
    modifiers: { result: { type: 'array', items: ['success', 'failure'] }, function_id: FUNCTION_ID_MODIFIER }
  },
  {
    id: 'function_failed', name: 'function_failed', description: 'A function failed by its own fault, with kind and message',
    modifiers: { kind: { type: 'array', items: ['function_error', 'invalid_callflow', 'timeout'] }, function_id: FUNCTION_ID_MODIFIER }
  },
  {
    id: 'function_disabled', name: 'function_disabled', description: 'A function was disabled, with disable_reason',
    modifiers: { disabled_by: { type: 'array', items: ['auto', 'owner'] }, function_id: FUNCTION_ID_MODIFIER }
  },
  { id: 'function_enabled', name: 'function_enabled', description: 'A disabled function was enabled again', modifiers: { function_id: FUNCTION_ID_MODIFIER } }
];
