// Accounts by the SHA-256 of their API key, for PUT /v2/api_auth.
export default function map(doc: any): void {
  if (doc.pvt_type === 'account' && doc.pvt_api_key_hash) emit(doc.pvt_api_key_hash, null);
}
