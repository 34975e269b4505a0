// Which CouchDB each database lives on. Everything goes to the main CouchDB
// unless a storage plan sends the `functions` database elsewhere.
import type { Connection } from './connection.js';

export class Routing {
  private functionsConnection: Connection;

  constructor(readonly main: Connection) {
    this.functionsConnection = main;
  }

  /** The connection of the `functions` database. */
  functions(): Connection {
    return this.functionsConnection;
  }

  routeFunctions(connection: Connection): void {
    this.functionsConnection = connection;
  }
}
