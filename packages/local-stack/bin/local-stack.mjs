#!/usr/bin/env node
// @ts-check
/**
 * `npx local-stack [folder]`: see src/cli.ts (`--help`). The package ships TypeScript sources;
 * tsx loads them.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main();
