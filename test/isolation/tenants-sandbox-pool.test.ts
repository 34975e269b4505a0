// The hostile-tenant suite on the sandbox engine with its fast lane off:
// every call in the worker pool, a context per function revision.
import { tenantSuite } from './tenant-suite.js';

tenantSuite({ COUCHFN_ENGINE: 'sandbox', COUCHFN_SANDBOX_FAST_LANE_MS: '0' });
