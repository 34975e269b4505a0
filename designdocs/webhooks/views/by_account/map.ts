// An account's webhooks, for its list route.
export default function map(doc: any): void {
  if (doc.pvt_type === 'webhook') emit(doc.pvt_account_id, null);
}
