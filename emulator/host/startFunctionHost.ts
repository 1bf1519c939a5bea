import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type {
  FunctionHost,
  HostExtension,
  HostLogLevel,
  RegisteredFunction,
  TypedData,
} from './extension.js';
import {
  buildFunctionCatalog,
  describeFunctions,
  httpRoutesInMatchOrder,
  toRegisteredFunction,
  type CatalogEntry,
} from './functionCatalog.js';
import { FunctionInvoker } from './FunctionInvoker.js';
import { FunctionsCoreApi, installFunctionsCoreModule } from './functionsCoreApi.js';
import { HostError } from './HostError.js';
import { functionTimeoutOf, validateHostJsonVersion } from './hostJsonRules.js';
import { missingConnectionErrors, unsupportedBindingWarnings } from './bindingSupport.js';
import { loadFunctionApp } from './loadFunctionApp.js';
import {
  applySettingsToEnvironment,
  readHostJson,
  readLocalSettings,
  routePrefixOf,
} from './localSettings.js';
import { fromTypedData } from './rpcTypedData.js';
import { TimerTriggerRunner } from './TimerTriggerRunner.js';
import { createBlobTriggerExtension } from './blobTrigger/BlobTriggerExtension.js';
import { EmulatorError } from '../shared/EmulatorError.js';
import { LineWriter } from '../shared/lineWriter.js';
import { closeServer, listenOnLoopback } from '../shared/http.js';
import { createHostRequestHandler } from './hostRequestHandler.js';

export interface FunctionHostOptions {
  /** Folder of the function app (holds package.json, host.json, local.settings.json). */
  appDir: string;
  /** 0 picks a free port; default is local.settings.json `Host.LocalHttpPort`, else 7071. */
  port?: number;
  /** State of the host and its extensions; default `<appDir>/.mediaferry`. */
  dataDir?: string;
  /** Extensions to load; default is the durable engine. Pass [] for none. */
  extensions?: HostExtension[];
  /** Set in the environment before local.settings.json is applied, so these win. */
  env?: Record<string, string>;
  /** Refuse to start when a trigger or binding cannot run here or a connection setting is missing. */
  strict?: boolean;
  /** Where log lines go; default stdout/stderr. */
  writeLine?: (line: string, level: HostLogLevel) => void;
}

export interface RunningFunctionHost {
  /** e.g. http://127.0.0.1:7071 */
  readonly origin: string;
  readonly port: number;
  readonly functions: readonly RegisteredFunction[];
  /** Runs appTerminate hooks, stops extensions and timers, closes the server. Safe to call twice. */
  stop(): Promise<void>;
}

const READINESS_PREFIX = 'Host started: ';

/**
 * Runs a Node v4-model function app locally the way `func start` does: supplies
 * `@azure/functions-core`, loads the app, routes HTTP, fires timers, and hands durable triggers and
 * webhooks to extensions. Only one app per process (the library keeps a singleton).
 */
export async function startFunctionHost(options: FunctionHostOptions): Promise<RunningFunctionHost> {
  const appDir = resolve(options.appDir);
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) {
    throw new HostError('AppNotFound', `The app folder ${appDir} does not exist.`);
  }
  const writeLine = options.writeLine ?? defaultWriteLine;
  const log = (level: HostLogLevel, message: string): void =>
    writeLine(`[${new Date().toISOString()}] ${message}`, level);

  for (const [name, value] of Object.entries(options.env ?? {})) process.env[name] = value;
  const settings = readLocalSettings(appDir);
  applySettingsToEnvironment(settings.values);
  const hostJson = readHostJson(appDir);
  if (existsSync(join(appDir, 'host.json'))) validateHostJsonVersion(hostJson, join(appDir, 'host.json'));
  const functionTimeoutMs = functionTimeoutOf(hostJson);
  const routePrefix = routePrefixOf(hostJson);
  const dataDir = resolve(options.dataDir ?? join(appDir, '.mediaferry'));
  mkdirSync(dataDir, { recursive: true });

  const core = new FunctionsCoreApi((level, _category, message) => log(toHostLogLevel(level), message));
  installFunctionsCoreModule(core);

  const extensions = [...(options.extensions ?? (await loadDefaultExtensions(dataDir, log)))];
  // Blob triggers are built in (polling, as Azurite emits no events) unless an extension drives them.
  if (!extensions.some((extension) => extension.triggerTypes.some((type) => /^blobtrigger$/i.test(type))))
    extensions.push(createBlobTriggerExtension({ dataDir }));
  const appHookData: Record<string, unknown> = {};
  const invoker = new FunctionInvoker(
    core,
    extensions,
    appHookData,
    (level, message) => log(toHostLogLevel(level), message),
    functionTimeoutMs,
  );
  let catalog: CatalogEntry[] = [];
  let routes: ReturnType<typeof httpRoutesInMatchOrder> = [];
  let ready = false;

  const handleRequest = createHostRequestHandler({
    isReady: () => ready,
    routes: () => routes,
    extensions,
    invoker,
    log,
    fallbackHost: (): string => `127.0.0.1:${port}`,
    port: (): number => port,
  });
  const server = createServer((req, res) => {
    if (!options.writeLine) logsGoOutBeforeAnswer(res);
    handleRequest(req, res);
  });

  const requestedPort = options.port ?? settings.localHttpPort ?? 7071;
  await listen(server, requestedPort);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  // durable-functions rewrites management URLs to localhost:7071 unless this names the real host.
  process.env['WEBSITE_HOSTNAME'] = `localhost:${port}`;

  const timers = new TimerTriggerRunner((fn, data, reason) => invoker.invoke(fn, { data }, reason));
  let stopping: Promise<void> | undefined;
  const startedExtensions: HostExtension[] = [];

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      await timers.stop();
      try {
        await withTimeout(
          core.runHooks('appTerminate', { hookData: {}, appHookData }),
          10_000,
          'appTerminate hooks',
        );
      } catch (error) {
        log('error', `An appTerminate hook failed: ${(error as Error)?.stack ?? String(error)}`);
      }
      for (const extension of [...startedExtensions].reverse()) {
        try {
          await withTimeout(extension.stop(), 10_000, `extension "${extension.name}" stop`);
        } catch (error) {
          log(
            'error',
            `Stopping extension "${extension.name}" failed: ${(error as Error)?.message ?? String(error)}`,
          );
        }
      }
      await closeServer(server, 5_000);
    })();
    return stopping;
  };

  try {
    const loadedFiles = await loadFunctionApp(appDir);
    log('debug', `Loaded ${loadedFiles.join(', ')}`);
    if (!core.programmingModel && core.functions.size === 0) {
      throw new HostError(
        'NoFunctionsRegistered',
        `${appDir} registered no functions; the app must use the Node v4 programming model (@azure/functions 4.x).`,
      );
    }
    const capabilities = (await core.programmingModel?.getCapabilities?.({})) ?? {};
    if (capabilities['HttpUri']) {
      throw new HostError(
        'UnsupportedAppFeature',
        'HTTP streaming (app.setup({ enableHttpStream: true })) is not supported locally.',
      );
    }
    const functions = [...core.functions.values()].map(({ metadata }) => toRegisteredFunction(metadata));
    catalog = buildFunctionCatalog(functions, extensions, routePrefix, process.env);
    routes = httpRoutesInMatchOrder(catalog);
    // Function names are case-insensitive, as in the Functions host.
    const byName = new Map(catalog.map((entry) => [entry.fn.name.toLowerCase(), entry]));
    const timerEntries = catalog.filter((entry) => entry.driver.kind === 'timer' && !entry.disabled);
    const schedules = TimerTriggerRunner.schedulesOf(
      timerEntries.map((entry) => entry.fn),
      process.env,
    );

    core.appStarted = true;
    await core.runHooks('appStart', { hookData: {}, appHookData, functionAppDirectory: appDir });

    const functionMap = new Map(
      catalog.filter((entry) => !entry.disabled).map((entry) => [entry.fn.name, entry.fn]),
    );
    const host: FunctionHost = {
      functions: functionMap,
      origin,
      hostJson,
      dataDir,
      async invoke(functionName, trigger) {
        const entry = byName.get(functionName.toLowerCase());
        if (!entry || entry.disabled) {
          return {
            returnValue: undefined,
            error: new HostError(
              'FunctionNotFound',
              `Function "${functionName}" is not registered or is disabled.`,
            ),
          };
        }
        const outcome = await invoker.invoke(entry.fn, trigger, triggerReason(entry));
        return {
          returnValue: fromTypedData(outcome.response?.returnValue),
          ...(outcome.error ? { error: outcome.error } : {}),
        };
      },
      log,
    };
    for (const extension of extensions) {
      await extension.start(host);
      startedExtensions.push(extension);
    }

    const warnings = unsupportedBindingWarnings(catalog, extensions);
    const connectionErrors = missingConnectionErrors(catalog, process.env);
    if (options.strict && warnings.length + connectionErrors.length > 0) {
      throw new HostError(
        'UnsupportedAppFeature',
        `--strict: the app uses what the local host cannot run:\n${[...connectionErrors, ...warnings].join('\n')}`,
      );
    }
    for (const warning of warnings) log('warning', warning);
    for (const error of connectionErrors) log('error', error);
    writeLine(`\n${describeFunctions(catalog, `http://localhost:${port}`)}`, 'information');
    ready = true;
    writeLine(`${READINESS_PREFIX}${origin}`, 'information');
    for (const entry of timerEntries) {
      const schedule = schedules.get(entry.fn.name);
      if (schedule) timers.start(entry.fn, schedule);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return { origin, port, functions: catalog.map((entry) => entry.fn), stop };
}

/** The durable engine is the default extension; until it is built, the host runs without it. */
export async function loadDefaultExtensions(
  dataDir: string,
  log: (level: HostLogLevel, message: string) => void = (level, message) => defaultWriteLine(message, level),
): Promise<HostExtension[]> {
  const moduleUrl = new URL('../durable/index.js', import.meta.url);
  let loaded: { createDurableExtension?: (options: { dataDir: string }) => HostExtension };
  try {
    loaded = (await import(moduleUrl.href)) as typeof loaded;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(moduleUrl.pathname)) {
      log('warning', 'The durable extension is not built; durable triggers are not supported in this run.');
      return [];
    }
    throw new HostError(
      'ExtensionLoadFailed',
      `Loading the durable extension failed: ${(error as Error).message}`,
      false,
      {
        cause: error,
      },
    );
  }
  if (typeof loaded.createDurableExtension !== 'function') {
    throw new HostError(
      'ExtensionLoadFailed',
      `${moduleUrl.pathname} does not export createDurableExtension.`,
    );
  }
  return [loaded.createDurableExtension({ dataDir })];
}

function triggerReason(entry: CatalogEntry): string {
  return entry.driver.kind === 'extension'
    ? `New ${entry.fn.trigger.type} invocation from extension "${entry.driver.extension.name}"`
    : 'This function was programmatically called via the host APIs.';
}

function toHostLogLevel(level: string): HostLogLevel {
  const normalized = level.toLowerCase();
  if (
    normalized === 'trace' ||
    normalized === 'debug' ||
    normalized === 'warning' ||
    normalized === 'error'
  ) {
    return normalized;
  }
  if (normalized === 'critical') return 'critical';
  return 'information';
}

let standardStreams: { out: LineWriter; err: LineWriter } | undefined;

/** Writes what the host logged so far, before a line written directly (a fatal error, a signal). */
export function flushHostLogs(): void {
  standardStreams?.out.flush();
  standardStreams?.err.flush();
}

/**
 * Log lines go out once per event-loop turn, but what a request logged goes out before its answer
 * (whose head every answer writes, explicitly or through end()), as a caller reading logs expects.
 */
function logsGoOutBeforeAnswer(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    flushHostLogs();
    return writeHead(...args);
  }) as typeof res.writeHead;
}

function defaultWriteLine(line: string, level: HostLogLevel): void {
  if (level === 'debug' || level === 'trace') {
    if (!process.env['MEDIAFERRY_HOST_DEBUG']) return;
  }
  standardStreams ??= { out: new LineWriter(process.stdout), err: new LineWriter(process.stderr) };
  if (level === 'error' || level === 'critical' || level === 'warning') standardStreams.err.write(line);
  else standardStreams.out.write(line);
}

/** Listens on loopback; a port in use is the caller's choice to change, so it is a command-line error. */
async function listen(server: Server, port: number): Promise<void> {
  try {
    await listenOnLoopback(server, port);
  } catch (error) {
    if (error instanceof EmulatorError && error.code === 'PortInUse')
      throw new HostError(
        'InvalidCommandLine',
        `Port ${port} is in use; pass another --port (0 picks a free one).`,
        true,
      );
    throw error;
  }
}

async function withTimeout<T>(work: Promise<T> | T, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type { TypedData };
