// The hostile-tenant suite on the proxy's sandbox engine, a context per function revision.
import { tenantSuite } from './tenant-suite.js';

tenantSuite({ COUCHFN_ENGINE: 'sandbox' });
