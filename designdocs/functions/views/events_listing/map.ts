// Enabled functions by [account, event], for invocation by event.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'function' || doc.enabled === false || !doc.events) return;
  for (var i = 0; i < doc.events.length; i++) emit([doc.pvt_account_id, doc.events[i]], null);
}
