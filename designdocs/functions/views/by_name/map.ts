// Functions by [account, name]: a descendant's own function that overrides a
// global one of the same name, and a reseller's global function by its name.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'function' || typeof doc.name !== 'string') return;
  emit([doc.pvt_account_id, doc.name], doc.global === true ? { global: true } : null);
}
