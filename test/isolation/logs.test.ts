// Function logs between hostile tenants, on CouchDB's show (the default engine).
import { logSuite } from './log-suite.js';

logSuite();
