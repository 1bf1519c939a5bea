#!/usr/bin/env node
import { exitOnCommandError, HOST_OPTIONS_USAGE, runHostCommand } from './hostCommand.js';

const USAGE = `Usage: mediaferry-host --app <dir> [--port <n>] [--data-dir <dir>] [--extension <module>]... [--no-durable]

Runs a Node v4-model Azure Functions app locally, like \`func start\`.
${HOST_OPTIONS_USAGE}`;

runHostCommand(process.argv.slice(2), USAGE).catch((error: unknown) =>
  exitOnCommandError(error, 'mediaferry-host', USAGE),
);
