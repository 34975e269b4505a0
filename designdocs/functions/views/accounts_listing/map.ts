// How many functions each account has (reduce: _count).
export default function map(doc: any): void {
  if (doc.pvt_type === 'function') emit(doc.pvt_account_id, null);
}
