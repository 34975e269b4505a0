// Kazoo blackhole's websocket protocol at /v2/websocket (on the API port, and
// on COUCHFN_WEBSOCKET_PORT when set), and its REST views: GET /v2/websockets
// (bindings by category), /v2/accounts/{A}/websockets[/{id}] (live sockets,
// in every process). A subscription needs a token allowed for the account
// (the account itself or an ancestor); it ends when that token expires. A
// socket that does not read what it is sent is cut off, never buffered
// without bound.
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { bindingsByCategory, isKnownBinding } from '../events/event.js';
import type { Subscription } from '../events/sockets.js';
import { DomainError, badIdentifier } from '../errors.js';
import { success } from '../http/envelope.js';
import { resource } from '../http/resource.js';
import { accountParams } from '../http/schemas.js';
import type { Services } from '../http/services.js';
import { isKazooId, kazooId } from '../schemas/index.js';

export const WEBSOCKET_PATH = '/v2/websocket';
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_SUBSCRIPTIONS = 100;
const HEARTBEAT_MS = 30_000;

const socketParams = { type: 'object', required: ['accountId', 'socketId'], properties: { accountId: kazooId, socketId: kazooId } } as const;

export function websocketsResource(app: FastifyInstance, { sockets }: Services): void {
  resource(app, '/v2/websockets', 'websockets', {
    GET: {
      schema: { summary: 'The bindings a websocket can subscribe to, by category' },
      handler: async (request) => success(request, bindingsByCategory())
    }
  });
  resource(app, '/v2/accounts/:accountId/websockets', 'websockets', {
    GET: {
      schema: { summary: 'The ids of the live websockets subscribed to the account\'s events (every process)', params: accountParams },
      handler: async (request) => success(request, sockets.sessionsOf(request.account!._id).map((s) => s.id))
    }
  });
  resource(app, '/v2/accounts/:accountId/websockets/:socketId', 'websockets', {
    GET: {
      schema: { summary: 'One websocket\'s bindings on the account', params: socketParams },
      handler: async (request) => {
        const { socketId } = request.params;
        const found = sockets.session(request.account!._id, socketId);
        if (!found) throw badIdentifier(socketId);
        return success(request, found);
      }
    }
  });
}

interface ClientMessage {
  action?: unknown;
  auth_token?: unknown;
  request_id?: unknown;
  data?: { account_id?: unknown; binding?: unknown; bindings?: unknown };
}

class ProtocolError extends Error {}

function describe(err: unknown): string {
  if (err instanceof ProtocolError) return err.message;
  if (err instanceof DomainError) {
    const cause = typeof err.data.cause === 'string' ? `: ${err.data.cause}` : '';
    return `${err.kind}${cause}`;
  }
  return 'the request could not be handled';
}

/** The websocket endpoint: one per process, attached to the API's server
 * (and to a port of its own when configured). */
export class WebsocketEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  private ownServer?: Server;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(private readonly services: Services, private readonly log: FastifyBaseLogger) {
    this.wss.on('connection', (ws) => this.connected(ws));
    // a peer that vanished without closing is found by its missing pong
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) { ws.terminate(); continue; }
        this.alive.delete(ws);
        ws.ping();
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Takes over upgrades of `server` to WEBSOCKET_PATH; other upgrades are refused. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0].replace(/\/$/, '');
      if (path !== WEBSOCKET_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
  }

  /** A port of its own, as Kazoo's blackhole (5555). */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((_req, res) => { res.writeHead(426, { 'content-type': 'text/plain' }).end(`websockets only: connect to ${WEBSOCKET_PATH}\n`); });
    this.attach(server);
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
    this.ownServer = server;
    return (server.address() as { port: number }).port;
  }

  private connected(ws: WebSocket): void {
    const { sockets } = this.services;
    const id = sockets.newSessionId();
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    const send = (message: unknown) => {
      if (ws.readyState !== ws.OPEN) return;
      // a reader this far behind is cut off: what it has not read is not kept for it
      if (ws.bufferedAmount > this.services.config.websocketMaxBufferBytes) {
        this.log.info({ socket: id, buffered: ws.bufferedAmount }, 'websocket too slow: cut off (COUCHFN_WEBSOCKET_MAX_BUFFER_BYTES)');
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(message));
    };
    sockets.open({
      id, subscriptions: [], created: new Date().toISOString(), send,
      expired: (ended, why) => send({
        action: 'unsubscribed', status: 'error',
        data: { errors: [why ?? 'the auth token expired: subscribe again with a new one'], unsubscribed: ended.map((s) => s.binding), account_id: ended[0]?.account_id }
      })
    });
    ws.on('close', () => sockets.close(id));
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => {
      void this.handle(id, isBinary ? '' : raw.toString(), send);
    });
    send({ action: 'connected', data: { socket_id: id } });
  }

  private async handle(id: string, text: string, send: (m: unknown) => void): Promise<void> {
    let message: ClientMessage;
    try {
      message = JSON.parse(text) as ClientMessage;
      if (!message || typeof message !== 'object' || Array.isArray(message)) throw new Error('not an object');
    } catch {
      send({ action: 'reply', status: 'error', data: { errors: ['send one JSON object per message: {"action":"subscribe"|"unsubscribe"|"ping",...}'] } });
      return;
    }
    const requestId = typeof message.request_id === 'string' ? message.request_id : undefined;
    const reply = (status: 'success' | 'error', data: Record<string, unknown>) => send({ action: 'reply', ...(requestId ? { request_id: requestId } : {}), status, data });
    try {
      switch (message.action) {
        case 'ping': return reply('success', { response: 'pong' });
        case 'subscribe': return reply('success', { subscribed: await this.subscribe(id, message) });
        case 'unsubscribe': return reply('success', { unsubscribed: this.unsubscribe(id, message) });
        default: throw new ProtocolError(`unknown action ${JSON.stringify(message.action)}: subscribe, unsubscribe or ping`);
      }
    } catch (err) {
      reply('error', { errors: [describe(err)] });
    }
  }

  private bindingsOf(message: ClientMessage, required: boolean): string[] | undefined {
    const data = message.data ?? {};
    const given = data.bindings ?? (data.binding === undefined ? undefined : [data.binding]);
    if (given === undefined) {
      if (required) throw new ProtocolError('data.binding (or data.bindings) is required');
      return undefined;
    }
    if (!Array.isArray(given) || given.length === 0 || !given.every((b) => typeof b === 'string')) throw new ProtocolError('data.bindings must be a list of binding strings');
    return given as string[];
  }

  private async subscribe(id: string, message: ClientMessage): Promise<string[]> {
    const { tokens, accounts, oauthClients, sockets } = this.services;
    if (typeof message.auth_token !== 'string' || !message.auth_token) throw new ProtocolError('auth_token is required');
    const accountId = message.data?.account_id;
    if (typeof accountId !== 'string' || !isKazooId(accountId)) throw new ProtocolError('data.account_id must be an account id (32 hex characters)');
    // who asks comes first: nothing of the request is worked on for an unknown caller
    const claims = await tokens.verify(message.auth_token);
    const bindings = this.bindingsOf(message, true)!;
    const unknown = bindings.filter((b) => !isKnownBinding(b));
    if (unknown.length > 0) throw new ProtocolError(`unknown binding ${unknown.join(', ')}: GET /v2/websockets lists them`);
    if (claims.clientId && !(await oauthClients.isActive(claims.clientId))) throw new ProtocolError('the client was revoked');
    if (claims.scope && !claims.scope.includes('functions.read')) throw new ProtocolError('the token\'s scope does not allow this (it needs functions.read)');
    const caller = await accounts.find(claims.accountId);
    if (!caller || caller.enabled === false) throw new ProtocolError('the token\'s account is missing or disabled');
    await accounts.authorize(caller, accountId);
    const session = sockets.sessionsOf(accountId).find((s) => s.id === id);
    if ((session?.bindings.length ?? 0) + bindings.length > MAX_SUBSCRIPTIONS) throw new ProtocolError(`at most ${MAX_SUBSCRIPTIONS} bindings per account on one socket`);
    const subscriptions: (Subscription & { token_expires: number; client_id?: string })[] = bindings.map((binding) => ({
      account_id: accountId, binding, auth_account_id: caller._id, token_expires: claims.exp * 1000,
      ...(claims.clientId ? { client_id: claims.clientId } : {})
    }));
    return sockets.subscribe(id, subscriptions);
  }

  private unsubscribe(id: string, message: ClientMessage): string[] {
    const accountId = typeof message.data?.account_id === 'string' ? message.data.account_id : undefined;
    return this.services.sockets.unsubscribe(id, accountId, this.bindingsOf(message, false));
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(1001, 'server stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
    if (this.ownServer) await new Promise<void>((resolve) => this.ownServer!.close(() => resolve()));
  }
}
