// The hostile-tenant suite on CouchDB's show (the default engine).
import { tenantSuite } from './tenant-suite.js';

tenantSuite();
