#!/usr/bin/env node
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { HostExtension } from './host/extension.js';
import { HostError } from './host/HostError.js';
import {
  loadDefaultExtensions,
  startFunctionHost,
  type RunningFunctionHost,
} from './host/startFunctionHost.js';
import { OUTPUT_PRESETS, type OutputPresetName } from '../src/jobs/outputSpecs.js';
import { runDemo } from './stack/runDemo.js';
import { runStack } from './stack/runStack.js';

const USAGE = `Usage:
  mediaferry start [--port <n>]
  mediaferry demo [--port <n>] [--preset streaming|archive|audio|frames]
  mediaferry host --app <dir> [--port <n>] [--data-dir <dir>] [--extension <module>]... [--no-durable]

  start  Runs the mediaferry app on the local Azure stack (Azurite, managed identity, ACI emulator,
         Functions + Durable host) until Ctrl-C. Default port 7071.
  demo   Starts the local stack, runs one job on a generated clip, prints the result, and stops.

  host   Runs a Node v4-model Azure Functions app locally, like \`func start\`.
         --app         the function app folder (package.json "main", host.json, local.settings.json)
         --port        HTTP port on 127.0.0.1; 0 picks a free one (default: Host.LocalHttpPort or 7071)
         --data-dir    state of the host and its extensions (default: <app>/.mediaferry)
         --extension   a module exporting createExtension({ dataDir }) => HostExtension (repeatable)
         --no-durable  do not load the durable engine
`;

async function runHost(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      extension: { type: 'string', multiple: true },
      'no-durable': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.app) throw new HostError('InvalidCommandLine', '--app <dir> is required.');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new HostError(
      'InvalidCommandLine',
      `--port must be an integer from 0 to 65535, not "${values.port}".`,
    );
  }
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
  });
  running.host = host;
  if (stopRequested) stopAndExit(host, stopRequested);
}

function stopAndExit(host: RunningFunctionHost, signal: NodeJS.Signals): void {
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

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

function parsePort(argv: string[]): number | undefined {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } }, strict: true });
  if (values.port === undefined) return undefined;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new HostError(
      'InvalidCommandLine',
      `--port must be an integer from 0 to 65535, not "${values.port}".`,
    );
  return port;
}

async function runStart(argv: string[]): Promise<void> {
  const port = parsePort(argv);
  await runStack({ appDir: REPO_ROOT, ...(port !== undefined ? { port } : {}) });
}

async function runDemoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, preset: { type: 'string' } },
    strict: true,
  });
  const port = parsePort(values.port === undefined ? [] : ['--port', values.port]);
  const preset = values.preset;
  if (preset !== undefined && !(preset in OUTPUT_PRESETS))
    throw new HostError(
      'InvalidCommandLine',
      `--preset must be one of ${Object.keys(OUTPUT_PRESETS).join(', ')}, not "${preset}".`,
    );
  process.exitCode = await runDemo({
    appDir: REPO_ROOT,
    ...(port !== undefined ? { port } : {}),
    ...(preset !== undefined ? { preset: preset as OutputPresetName } : {}),
  });
}

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  host: runHost,
  start: runStart,
  demo: runDemoCommand,
};

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const run = command ? commands[command] : undefined;
  if (!run) {
    process.stderr.write(
      command && command !== '--help' ? `Unknown command "${command}".\n\n${USAGE}` : USAGE,
    );
    process.exitCode = command && command !== '--help' ? 2 : 0;
    return;
  }
  await run(rest);
}

main().catch((error: unknown) => {
  if (error instanceof HostError) {
    process.stderr.write(`mediaferry: ${error.code}: ${error.message}\n`);
    process.exit(error.code === 'InvalidCommandLine' ? 2 : 1);
  }
  const message =
    (error as { code?: string })?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? (error as Error).message
      : undefined;
  if (message) {
    process.stderr.write(`mediaferry: ${message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`mediaferry: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
