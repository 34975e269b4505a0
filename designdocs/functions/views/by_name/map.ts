// Functions by [account, name]: a descendant's own function that overrides a
// global one of the same name, and a reseller's global functions (their
// summary as descendants are shown it; null for any other function). One
// view for both: a view is one more index to build on a new server.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'function' || typeof doc.name !== 'string') return;
  emit([doc.pvt_account_id, doc.name], doc.global !== true ? null : {
    name: doc.name,
    enabled: doc.enabled !== false,
    disable_reason: doc.pvt_disable_reason,
    language_pack: doc.language_pack || 'javascript',
    events: doc.events || [],
    version: doc.pvt_version,
    global: true,
    allow_overrides: doc.allow_overrides !== false,
    created: doc.pvt_created,
    modified: doc.pvt_modified
  });
}
