#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exitOnCommandError,
  HOST_OPTIONS_USAGE,
  parsePortOption,
  runHostCommand,
} from '../host/hostCommand.js';
import { OUTPUT_PRESETS, type OutputPresetName } from '../../src/shared/outputSpecs.js';
import { HostError } from '../host/HostError.js';
import { runDemo } from './runDemo.js';
import { runStack } from './runStack.js';

const USAGE = `Usage:
  mediaferry start [--port <n>]
  mediaferry demo [--port <n>] [--preset streaming|archive|audio|frames]
  mediaferry host --app <dir> [--port <n>] [--data-dir <dir>] [--extension <module>]... [--no-durable]

  start  Runs the mediaferry app on the local Azure stack (Azurite, managed identity, ACI emulator,
         Functions + Durable host) until Ctrl-C. Default port 7071.
  demo   Starts the local stack, runs one job on a generated clip, prints the result, and stops.

  host   Runs a Node v4-model Azure Functions app locally, like \`func start\`.
${HOST_OPTIONS_USAGE.replace(/^ {2}/gm, '         ')}`;

// Compiled, this file is dist/emulator/stack/cli.js.
const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

function parsePort(argv: string[]): number | undefined {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } }, strict: true });
  return parsePortOption(values.port);
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
  const port = parsePortOption(values.port);
  const preset = values.preset;
  if (preset !== undefined && !Object.hasOwn(OUTPUT_PRESETS, preset))
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
  host: (argv) => runHostCommand(argv, USAGE),
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

main().catch((error: unknown) => exitOnCommandError(error, 'mediaferry', USAGE));
