// A reseller's global functions by [reseller, name], with what descendants
// are shown of them and how the public route resolves an installation.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'function' || doc.global !== true) return;
  emit([doc.pvt_account_id, doc.name], {
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
