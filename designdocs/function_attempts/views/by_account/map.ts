// Each function's attempts doc by its account, newest attempt first within.
export default function map(doc: any): void {
  if (doc.pvt_type === 'function_attempts') emit(doc.account_id, null);
}
