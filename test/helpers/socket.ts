// A real WebSocket client (the ws package) that keeps every message, answers
// requests by request_id, and waits for events.
import WebSocket from 'ws';
import { until } from './receiver.js';

export class SocketClient {
  readonly messages: any[] = [];
  private counter = 0;
  closed?: { code: number; reason: string };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
    ws.on('error', () => undefined);
  }

  static async connect(url: string): Promise<SocketClient> {
    const ws = new WebSocket(url);
    const client = new SocketClient(ws);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return client;
  }

  get socketId(): string | undefined {
    return this.messages.find((m) => m.action === 'connected')?.data.socket_id;
  }

  /** Sends a message and waits for the reply with its request_id. */
  async request(message: Record<string, unknown>): Promise<any> {
    const requestId = `r${++this.counter}`;
    this.ws.send(JSON.stringify({ ...message, request_id: requestId }));
    return until(() => this.messages.find((m) => m.action === 'reply' && m.request_id === requestId), 5000, `the reply to ${message.action}`);
  }

  subscribe(token: string, accountId: string, binding: string | string[]): Promise<any> {
    return this.request({ action: 'subscribe', auth_token: token, data: { account_id: accountId, ...(Array.isArray(binding) ? { bindings: binding } : { binding }) } });
  }

  events(): any[] {
    return this.messages.filter((m) => m.action === 'event');
  }

  /** Waits for an event that passes `test`. */
  event(test: (e: any) => boolean, ms = 10_000): Promise<any> {
    return until(() => this.events().find(test), ms, 'an event');
  }

  close(): void {
    this.ws.close();
  }
}
