// @ts-check
/**
 * Usage: node guard.mjs <command> [args…]
 * Runs the command as our child and makes sure it dies with its owner:
 * when our stdin closes (the Node process that spawned us exited, even by SIGKILL)
 * or on SIGTERM/SIGINT, the child gets SIGTERM, then SIGKILL after a grace period.
 * Needed for programs such as java that do not watch their parent themselves.
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node guard.mjs <command> [args…]');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;

function stopChild() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 2000);
}

process.stdin.on('end', stopChild);
process.stdin.on('close', stopChild);
process.stdin.on('error', stopChild);
process.stdin.resume();
process.on('SIGTERM', stopChild);
process.on('SIGINT', stopChild);
child.on('error', (error) => {
  console.error(`guard: cannot start ${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
