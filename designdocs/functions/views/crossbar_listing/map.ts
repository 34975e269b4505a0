// The summary Kazoo's list route shows, by [account, function id].
// Not by_name's rows, though alike: the list pages by id (Kazoo's order; start_key is an id), by_name is read by name.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'function') return;
  emit([doc.pvt_account_id, doc._id], {
    name: doc.name,
    enabled: doc.enabled !== false,
    disable_reason: doc.pvt_disable_reason,
    language_pack: doc.language_pack || 'javascript',
    events: doc.events || [],
    // absent (left out of the row) for functions that use neither
    version: doc.pvt_version,
    global: doc.global === true ? true : undefined,
    created: doc.pvt_created,
    modified: doc.pvt_modified
  });
}
