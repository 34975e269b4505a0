// Request records by when they leave the window, so that old ones are swept
// in order without a scan.
export default function map(doc: any): void {
  if (doc.pvt_type === 'lp_request') emit(doc.expires, null);
}
