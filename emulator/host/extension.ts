import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Contract between the local Functions host and the extensions it loads (the durable engine first).
 * The host loads the app, owns the HTTP server and invokes functions through the programming model;
 * an extension drives the triggers it owns, fills the input bindings it owns, and serves
 * `/runtime/webhooks/<name>/...`. Members may be added; existing ones keep their meaning.
 */

/** RPC typed data, as the Functions worker protocol carries it. */
export type TypedData =
  | { string: string }
  | { json: string }
  | { bytes: Uint8Array }
  | { http: unknown }
  | { int: number }
  | { double: number };

export interface BindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

export interface RegisteredFunction {
  name: string;
  bindings: Record<string, BindingInfo>;
  triggerBindingName: string;
  trigger: BindingInfo;
  retryOptions?: unknown;
}

export interface InvocationOutcome {
  /** The function's return value, decoded from RPC typed data (`json` parsed, `string` as text). */
  returnValue: unknown;
  /** Set when the function threw or rejected; the host does not throw from invoke(). */
  error?: Error;
}

export type HostLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

export interface FunctionHost {
  readonly functions: ReadonlyMap<string, RegisteredFunction>;
  /** Origin of the host's HTTP server, e.g. http://127.0.0.1:7071 (what WEBSITE_HOSTNAME names). */
  readonly origin: string;
  /** Parsed host.json of the app ({} when absent). */
  readonly hostJson: Record<string, unknown>;
  /** Folder for the host's and extensions' state (e.g. <app>/.mediaferry). */
  readonly dataDir: string;
  /** Invokes through the library's invocation model; other input bindings are filled by extensions. */
  invoke(
    functionName: string,
    trigger: { data: TypedData; metadata?: Record<string, TypedData> },
  ): Promise<InvocationOutcome>;
  log(level: HostLogLevel, message: string): void;
}

export interface HostExtension {
  /** Also the webhook path segment: /runtime/webhooks/<name>/ */
  readonly name: string;
  /** Trigger binding types this extension drives (these functions get no HTTP route). */
  readonly triggerTypes: readonly string[];
  /** Input binding types this extension supplies, e.g. 'durableClient'. */
  readonly inputBindingTypes: readonly string[];
  /** Data for one input binding of an invocation. */
  provideInput(binding: BindingInfo, fn: RegisteredFunction): TypedData;
  /** Serves a request under /runtime/webhooks/<name>/; `subPath` is the part after that prefix. */
  handleWebhook?(req: IncomingMessage, res: ServerResponse, subPath: string, url: URL): Promise<void>;
  /** Called after the app is loaded and the HTTP server listens. */
  start(host: FunctionHost): Promise<void>;
  /** Stops timers and workers; pending work stays persisted for the next start. */
  stop(): Promise<void>;
}
