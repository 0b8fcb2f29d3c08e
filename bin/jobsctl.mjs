#!/usr/bin/env node
// The `jobsctl` CLI (package.json "bin"). In this repository it runs from its TypeScript source,
// bin/jobsctl.ts: this shim registers tsx's ESM loader in this very process (no second Node process,
// so signals, stdio and exit codes are the CLI's own), and tsx resolves the extensionless imports of
// src/client. The published package has no bin/jobsctl.ts; it runs the build, dist/jobsctl.js.
import { existsSync } from 'node:fs';

const source = new URL('./jobsctl.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/jobsctl.js', import.meta.url).href);
}
