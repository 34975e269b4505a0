// Accounts by their parent (the last of their ancestors), for children lists.
export default function map(doc: any): void {
  if (doc.pvt_type !== 'account' || !doc.pvt_tree || doc.pvt_tree.length === 0) return;
  emit(doc.pvt_tree[doc.pvt_tree.length - 1], doc.name);
}
