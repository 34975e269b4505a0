// Installations of reseller functions by the account that registered them.
export default function map(doc: any): void {
  if (doc.pvt_type === 'installation') emit(doc.pvt_account_id, null);
}
