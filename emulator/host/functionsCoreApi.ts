import Module from 'node:module';
import { HostError } from './HostError.js';
import type { BindingInfo } from './extension.js';

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
const HOOK_NAMES: readonly HookName[] = [
  'appStart',
  'appTerminate',
  'preInvocation',
  'postInvocation',
  'log',
];

export type HookCallback = (context: Record<string, unknown>) => unknown;
export type FunctionCallback = (...args: unknown[]) => unknown;

/** What `@azure/functions` hands to `registerFunction`. */
export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
  [property: string]: unknown;
}

/** The programming model `@azure/functions` installs with `setProgrammingModel`. */
export interface CoreProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): CoreInvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface CoreInvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<CoreInvocationResponse>;
}

export interface CoreInvocationResponse {
  invocationId?: string;
  outputData?: { name: string; data: unknown }[];
  returnValue?: unknown;
}

export interface RegisteredCallback {
  metadata: CoreFunctionMetadata;
  callback: FunctionCallback;
}

class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): void {
    this.#callOnDispose?.();
    this.#callOnDispose = undefined;
  }
}

/**
 * Our implementation of the `@azure/functions-core` module the real Node worker provides: it records
 * the app's functions, hooks and programming model so the host can invoke them the worker's way.
 */
export class FunctionsCoreApi {
  readonly functions = new Map<string, RegisteredCallback>();
  readonly hooks = new Map<HookName, HookCallback[]>(HOOK_NAMES.map((name) => [name, []]));
  programmingModel: CoreProgrammingModel | undefined;
  /** Set once the app has started: real workers refuse registrations after that. */
  appStarted = false;

  constructor(private readonly writeLog: (level: string, category: string, message: string) => void) {}

  /** The object `require('@azure/functions-core')` returns inside the app. */
  createModuleExports(): Record<string, unknown> {
    return {
      version: '3.11.0',
      hostVersion: '4.1037.0',
      Disposable,
      registerFunction: (metadata: CoreFunctionMetadata, callback: FunctionCallback) =>
        this.registerFunction(metadata, callback),
      registerHook: (name: string, callback: HookCallback) => this.registerHook(name, callback),
      setProgrammingModel: (model: CoreProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
      log: (level: string, category: string, message: string) => this.writeLog(level, category, message),
    };
  }

  registerFunction(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.appStarted) {
      throw new HostError('UnsupportedAppFeature', 'A function can only be registered during app startup.');
    }
    const key = metadata.name.toLowerCase();
    if (this.functions.has(key)) {
      throw new HostError(
        'DuplicateFunction',
        `A function with the name "${metadata.name}" is already registered.`,
      );
    }
    this.functions.set(key, { metadata, callback });
    return new Disposable(() => this.functions.delete(key));
  }

  registerHook(name: string, callback: HookCallback): Disposable {
    const callbacks = this.hooks.get(name as HookName);
    if (!callbacks) {
      // The library turns this RangeError into its "requires a newer host" message.
      const error = new RangeError(`Unrecognized hook "${name}"`) as RangeError & {
        isAzureFunctionsSystemError?: boolean;
      };
      error.isAzureFunctionsSystemError = true;
      throw error;
    }
    callbacks.push(callback);
    return new Disposable(() => {
      const index = callbacks.indexOf(callback);
      if (index >= 0) callbacks.splice(index, 1);
    });
  }

  /** Whether the app registered any hook of this kind. */
  hasHooks(name: HookName): boolean {
    return (this.hooks.get(name)?.length ?? 0) > 0;
  }

  /** Runs hooks in registration order, as the worker does; a throwing hook stops the rest. */
  async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const callback of [...(this.hooks.get(name) ?? [])]) {
      await callback(context);
    }
  }
}

const VIRTUAL_MODULE_ID = '/virtual/mediaferry/@azure/functions-core/index.js';
let installed: FunctionsCoreApi | undefined;

/**
 * Makes `require('@azure/functions-core')` (and so the app's `@azure/functions`) see `api`, the way the
 * worker does. One per process: the library keeps it in a module-level singleton.
 */
export function installFunctionsCoreModule(api: FunctionsCoreApi): void {
  if (installed) {
    if (installed === api) return;
    throw new HostError(
      'UnsupportedAppFeature',
      'Only one function app can be loaded per process; start another host process for another app.',
    );
  }
  installed = api;
  const moduleInternals = Module as unknown as {
    _resolveFilename(request: string, ...rest: unknown[]): string;
    _cache: Record<string, unknown>;
  };
  const originalResolve = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function resolveWithFunctionsCore(request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return VIRTUAL_MODULE_ID;
    return originalResolve.call(this, request, ...rest);
  };
  const virtual = new Module(VIRTUAL_MODULE_ID);
  virtual.filename = VIRTUAL_MODULE_ID;
  virtual.loaded = true;
  virtual.exports = api.createModuleExports();
  moduleInternals._cache[VIRTUAL_MODULE_ID] = virtual;
}
