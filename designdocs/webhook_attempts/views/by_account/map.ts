// Each hook's attempts doc by its account.
export default function map(doc: any): void {
  if (doc.pvt_type === 'webhook_attempts') emit(doc.account_id, null);
}
