/**
 * `npx local-stack [folder]`: runs the CDK app in a folder with a cdk.json (default: the current
 * one) until Ctrl+C. Prints the startup report, the URL and the emulators' endpoints.
 */
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStackOptions } from './index';

const USAGE = `Usage: local-stack [folder] [options]

Runs the CDK app in folder (default: the current folder; it needs a cdk.json) on this machine:
its Lambda functions, REST APIs, SQS and DynamoDB stream event sources and scheduled rules,
against DynamoDB Local (needs Java 17+) and fauxqs. Ctrl+C stops everything.

Options:
  --port N             HTTP port of the REST API (default $PORT or 3000; 0 = a free port)
  --synth              always run the app first (default: only when its sources or context changed
                       since the local stack last synthesized them into cdk.out)
  --no-synth           use the existing cdk.out instead of running the app first
  --no-schedules       run scheduled rules only when fired (POST /_local/rules/{rule}/fire with x-local-admin: 1)
  --stack NAME         which stack of the cloud assembly (default: the first)
  --api-key KEY        a key accepted by methods with ApiKeyRequired (repeatable)
  --context KEY=VALUE  CDK context for the synthesis (repeatable)
  --pass-env PREFIX    pass this process's variables named PREFIX* into every function (repeatable)
  --data-dir DIR       keep tables, queues, messages and stream positions in DIR and resume from them
                       on the next start (default: in memory, gone on exit)
  --help               this text`;

/** The options a command line asks for, or the usage text (for --help or a mistake). */
export function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { options: LocalStackOptions } | { usage: string; error?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        port: { type: 'string' },
        synth: { type: 'boolean' },
        schedules: { type: 'boolean', default: true },
        stack: { type: 'string' },
        'api-key': { type: 'string', multiple: true, default: [] },
        context: { type: 'string', multiple: true, default: [] },
        'pass-env': { type: 'string', multiple: true, default: [] },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return { usage: USAGE, error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { usage: USAGE };
  if (positionals.length > 1) return { usage: USAGE, error: `One folder at most, got ${positionals.join(' ')}` };
  const port = Number(values.port ?? env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return { usage: USAGE, error: `--port must be a port number, got ${values.port ?? env.PORT}` };
  const context: Record<string, string> = {};
  for (const pair of values.context) {
    const equals = pair.indexOf('=');
    if (equals < 1) return { usage: USAGE, error: `--context needs KEY=VALUE, got ${pair}` };
    context[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return {
    options: {
      appDir: positionals[0] ?? process.cwd(),
      port,
      synth: values.synth ?? 'auto',
      schedules: values.schedules,
      ...(values.stack !== undefined ? { stackName: values.stack } : {}),
      apiKeys: values['api-key'],
      context,
      environmentPrefixes: values['pass-env'],
      ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    },
  };
}

/** Runs the command line until SIGINT or SIGTERM; exits 0 then, 1 when the stack cannot start, 2 on a usage error. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const command = parseCommandLine(argv);
  if ('usage' in command) {
    if (command.error) console.error(`${command.error}\n`);
    console[command.error ? 'error' : 'log'](command.usage);
    process.exit(command.error ? 2 : 0);
  }
  const { options } = command;
  console.log(
    `${options.synth === false ? 'Reading the cdk.out of' : 'Synthesizing (when changed)'} ${options.appDir}, starting the emulators…`,
  );
  let stack;
  try {
    stack = await startLocalStack(options);
  } catch (error) {
    console.error(`local-stack: ${(error as Error).message}`);
    process.exit(1);
  }
  const { dynamodb, sqs, region } = stack.emulators;
  console.log(`DynamoDB Local: ${dynamodb}   SQS (fauxqs): ${sqs}   region ${region}`);
  console.log(
    `(AWS CLI: --endpoint-url one of those, AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local.) Ctrl+C stops everything.`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
