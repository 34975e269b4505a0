// OAuth clients by the account that owns them.
export default function map(doc: any): void {
  if (doc.pvt_type === 'oauth_client') emit(doc.pvt_account_id, null);
}
