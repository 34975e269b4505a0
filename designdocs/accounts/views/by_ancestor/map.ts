// Accounts by every one of their ancestors, for whole-branch operations.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'account' || !doc.pvt_tree) return;
  for (var i = 0; i < doc.pvt_tree.length; i++) emit(doc.pvt_tree[i], null);
}
