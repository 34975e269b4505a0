// Function logs between hostile tenants, on the proxy's sandbox engine.
import { logSuite } from './log-suite.js';

logSuite({ COUCHFN_ENGINE: 'sandbox' });
