// Which CouchDB each database lives on. Everything goes to the main CouchDB
// unless a storage plan sends the `functions` database elsewhere. While the
// functions move, writes to them wait here, so none lands on the old copy
// after it was copied.
import type { Connection } from './connection.js';

// How long an old connection stays open for requests already under way.
const RETIRE_AFTER_MS = 30_000;

export class Routing {
  private functionsConnection: Connection;
  private held: Promise<void> = Promise.resolve();

  constructor(readonly main: Connection) {
    this.functionsConnection = main;
  }

  /** The connection of the `functions` database. */
  functions(): Connection {
    return this.functionsConnection;
  }

  routeFunctions(connection: Connection): void {
    const old = this.functionsConnection;
    this.functionsConnection = connection;
    if (old !== this.main && old !== connection) setTimeout(() => { void old.close(); }, RETIRE_AFTER_MS).unref();
  }

  /** Resolves when function writes may go ahead. */
  writable(): Promise<void> {
    return this.held;
  }

  /** Holds function writes until the returned release is called. */
  holdWrites(): () => void {
    let release!: () => void;
    const previous = this.held;
    this.held = new Promise<void>((resolve) => { release = resolve; }).then(() => previous);
    return release;
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([this.main, this.functionsConnection])].map((c) => c.close()));
  }
}
