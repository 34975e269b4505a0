// Bench child: what a customer would stand up instead of functions (Kazoo's
// Pivot model): a bare Node HTTP server that runs the same function in
// process and answers the callflow. The ceiling for one HTTP hop.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = process.argv[2];
const run = new Function('call', body) as (call: Record<string, string>) => unknown;
const server = createServer((req, res) => {
  const call: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams((req.url ?? '').split('?')[1] ?? '')) call[key] = value;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(run(call)));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => { server.close(); process.exit(0); });
