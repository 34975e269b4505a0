// Deliveries claimed and not finished, by when their claim runs out: a
// process that died mid-delivery leaves one here for another to take over.
export default function map(doc: any): void {
  if (doc.pvt_type === 'delivery' && doc.state === 'claimed') emit(doc.lease_until, null);
}
