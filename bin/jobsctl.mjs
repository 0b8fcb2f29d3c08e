#!/usr/bin/env node
// The `jobsctl` CLI (package.json "bin") is TypeScript: bin/jobsctl.ts. This shim registers tsx's ESM
// loader in this very process (no second Node process, so signals, stdio and exit codes are the
// CLI's own) and then imports it; tsx also resolves the extensionless imports of src/client.
import { register } from 'tsx/esm/api';

register();
await import('./jobsctl.ts');
