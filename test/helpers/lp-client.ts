// Drives liveperson-functions-client in a child process (lp-driver.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export interface LpError { name: string; message: string }
type Settle = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class LpClients {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, Settle>();
  private next = 0;

  constructor(caFile: string, gatewayPort: number) {
    const driver = fileURLToPath(new URL('./lp-driver.js', import.meta.url));
    this.child = spawn(process.execPath, [driver], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, LP_GATEWAY_PORT: String(gatewayPort) }, stdio: ['pipe', 'pipe', 'inherit']
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const { id, value, error } = JSON.parse(line) as { id: number; value?: unknown; error?: LpError };
      const settle = this.waiting.get(id)!;
      this.waiting.delete(id);
      if (error) settle.reject(Object.assign(new Error(error.message), { name: error.name }));
      else settle.resolve(value);
    });
  }

  send<T = any>(command: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  /** A client named `name`; `services` fixes what discovery answers, else `discovery` is couchfn's CSDS route. */
  client(name: string, config: Record<string, unknown>, where: { services?: Record<string, string>; discovery?: string }): Promise<void> {
    return this.send({ op: 'client', client: name, config, ...where });
  }

  call<T = any>(client: string, op: 'invoke' | 'isImplemented' | 'getLambdas' | 'getFunctions', args: unknown): Promise<T> {
    return this.send<T>({ op, client, args });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.stdin!.end();
    const exited = once(this.child, 'exit');
    this.child.kill();
    await exited;
  }
}
