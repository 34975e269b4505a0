// The hostile-tenant suite on the proxy's sandbox engine as it runs by default:
// a context per function revision, calls on the proxy's thread first (the fast lane).
import { tenantSuite } from './tenant-suite.js';

tenantSuite({ COUCHFN_ENGINE: 'sandbox' });
