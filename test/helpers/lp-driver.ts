// A child process that runs the published liveperson-functions-client, as a
// customer's service would: it trusts couchfn's self-signed certificate the
// way Node is told to (NODE_EXTRA_CA_CERTS), and reaches the gateway, which
// the client insists is on port 443, where the test's couchfn listens (as DNS
// and a port 443 would in production). Commands and answers are JSON lines.
import { createRequire } from 'node:module';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';

const port = Number(process.env.LP_GATEWAY_PORT);

// port 443 on any host is this test's couchfn on loopback; the TLS name checked stays the one asked for
class LoopbackAgent extends https.Agent {
  override createConnection(options: https.RequestOptions & { port?: number | string }, callback?: (err: Error | null, socket: Socket) => void) {
    const to443 = options.port === undefined || Number(options.port) === 443;
    // @ts-expect-error createConnection is there at run time, not in the types
    return super.createConnection(to443 ? { ...options, host: '127.0.0.1', port } : options, callback);
  }
}
https.globalAgent = new LoopbackAgent({ keepAlive: true });

const { Client } = createRequire(import.meta.url)('liveperson-functions-client');

interface Command { id: number; op: string; client?: string; config?: Record<string, unknown>; services?: Record<string, string>; discovery?: string; args?: unknown }

const clients = new Map<string, any>();

async function discovered(url: string, service: string): Promise<string> {
  const res = await fetch(url);
  const { baseURIs } = (await res.json()) as { baseURIs: { service: string; baseURI: string }[] };
  const found = baseURIs.find((b) => b.service === service);
  if (!found) throw new Error(`no ${service} in discovery`);
  return found.baseURI;
}

async function run(command: Command): Promise<unknown> {
  if (command.op === 'client') {
    // its own discovery hook: fixed services, or couchfn's discovery route
    const getCsdsEntry = async (_account: string, service: string) =>
      command.services?.[service] ?? discovered(command.discovery!, service);
    clients.set(command.client!, new Client(command.config, { getCsdsEntry }));
    return null;
  }
  const client = clients.get(command.client!);
  const answer = await client[command.op](command.args);
  // a response object (invoke, getLambdas) or a plain value (isImplemented)
  return answer && typeof answer === 'object' && 'status' in answer ? { ok: answer.ok, status: answer.status, body: answer.body } : answer;
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  run(command).then(
    (value) => process.stdout.write(`${JSON.stringify({ id: command.id, value: value ?? null })}\n`),
    (err: Error) => process.stdout.write(`${JSON.stringify({ id: command.id, error: { name: err.name, message: err.message } })}\n`)
  );
}
