import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { HostExtension } from './extension.js';
import { HostError } from './HostError.js';
import {
  flushHostLogs,
  loadDefaultExtensions,
  startFunctionHost,
  type RunningFunctionHost,
} from './startFunctionHost.js';

/** Options of the host command, shared by `mediaferry-host` and `mediaferry host`. */
export const HOST_OPTIONS_USAGE = `  --app         the function app folder (package.json "main", host.json, local.settings.json)
  --port        HTTP port on 127.0.0.1; 0 picks a free one (default: Host.LocalHttpPort or 7071)
  --data-dir    state of the host and its extensions (default: <app>/.mediaferry)
  --extension   a module exporting createExtension({ dataDir }) => HostExtension (repeatable)
  --no-durable  do not load the durable engine
  --strict      refuse to start when a trigger or binding cannot run locally or a connection setting is missing
`;

/** A port option as a number; an InvalidCommandLine HostError when it is not one. */
export function parsePortOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new HostError('InvalidCommandLine', `--port must be an integer from 0 to 65535, not "${value}".`);
  return port;
}

/**
 * Prints a command-line failure and exits: 2 for a wrong command line, 1 for anything else.
 * `program` prefixes the message; `usage` follows an unknown option.
 */
export function exitOnCommandError(error: unknown, program: string, usage: string): never {
  flushHostLogs();
  if (error instanceof HostError) {
    process.stderr.write(`${program}: ${error.code}: ${error.message}\n`);
    process.exit(error.code === 'InvalidCommandLine' ? 2 : 1);
  }
  if ((error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`${program}: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  process.stderr.write(`${program}: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}

/** Runs a function app until SIGINT/SIGTERM, like `func start`; `usage` is printed for --help. */
export async function runHostCommand(argv: string[], usage: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      extension: { type: 'string', multiple: true },
      'no-durable': { type: 'boolean' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (!values.app) throw new HostError('InvalidCommandLine', '--app <dir> is required.');
  const port = parsePortOption(values.port);
  const appDir = resolve(values.app);
  const dataDir = resolve(values['data-dir'] ?? join(appDir, '.mediaferry'));
  const extensions: HostExtension[] = values['no-durable'] ? [] : await loadDefaultExtensions(dataDir);
  for (const modulePath of values.extension ?? [])
    extensions.push(await loadExtensionModule(modulePath, dataDir));

  // Handlers go in before start-up so a signal that arrives while starting still stops cleanly.
  const running: { host?: RunningFunctionHost } = {};
  let stopRequested: NodeJS.Signals | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopRequested) return;
    stopRequested = signal;
    if (running.host) stopAndExit(running.host, signal);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const host = await startFunctionHost({
    appDir,
    dataDir,
    extensions,
    ...(port !== undefined ? { port } : {}),
    ...(values.strict ? { strict: true } : {}),
  });
  running.host = host;
  if (stopRequested) stopAndExit(host, stopRequested);
}

function stopAndExit(host: RunningFunctionHost, signal: NodeJS.Signals): void {
  flushHostLogs();
  process.stdout.write(`Received ${signal}; stopping the host.\n`);
  host.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`Stopping the host failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

async function loadExtensionModule(modulePath: string, dataDir: string): Promise<HostExtension> {
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as {
    createExtension?: (options: { dataDir: string }) => HostExtension;
    default?: (options: { dataDir: string }) => HostExtension;
  };
  const create = loaded.createExtension ?? loaded.default;
  if (typeof create !== 'function') {
    throw new HostError(
      'ExtensionLoadFailed',
      `${modulePath} exports neither createExtension nor a default factory.`,
    );
  }
  return create({ dataDir });
}
