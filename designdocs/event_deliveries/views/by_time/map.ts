// Finished deliveries by when they were claimed, so old ones can be removed.
export default function map(doc: any): void {
  if (doc.pvt_type === 'delivery' && doc.state !== 'claimed') emit(doc.claimed_at, null);
}
