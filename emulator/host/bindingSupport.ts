import type { BindingInfo, HostExtension, RegisteredFunction } from './extension.js';
import { claimsInput, type CatalogEntry } from './functionCatalog.js';

/** Output binding types the host itself delivers (the HTTP response, blobs). */
const HOST_OUTPUT_TYPES = new Set(['http', 'blob']);
/** Input binding types the host itself fills. */
const HOST_INPUT_TYPES = new Set(['blob']);
/** Storage bindings that use AzureWebJobsStorage when they name no connection, as in the Storage extension. */
const DEFAULT_STORAGE_CONNECTION_TYPES = /^(blob|blobtrigger|storageblob|queue|queuetrigger|table)$/i;

/** Output bindings of a function that nothing here delivers (their writes are refused at run time). */
export function undeliverableOutputBindings(fn: RegisteredFunction): Array<[string, BindingInfo]> {
  return Object.entries(fn.bindings).filter(
    ([, binding]) => binding.direction === 'out' && !HOST_OUTPUT_TYPES.has(binding.type.toLowerCase()),
  );
}

/**
 * One line per trigger, input or output binding the local host cannot run, naming the function,
 * so an app that would silently do less here than in Azure says so at start.
 */
export function unsupportedBindingWarnings(
  catalog: readonly CatalogEntry[],
  extensions: readonly HostExtension[],
): string[] {
  const warnings: string[] = [];
  for (const { fn, driver } of catalog) {
    if (driver.kind === 'unsupported') {
      warnings.push(
        `Function "${fn.name}": trigger type "${fn.trigger.type}" is not supported locally; the function never runs here.`,
      );
    }
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (name === fn.triggerBindingName || binding.direction !== 'in') continue;
      if (HOST_INPUT_TYPES.has(binding.type.toLowerCase())) continue;
      if (!extensions.some((extension) => claimsInput(extension, binding))) {
        warnings.push(
          `Function "${fn.name}": input binding type "${binding.type}" is not supported locally; binding "${name}" is left empty.`,
        );
      }
    }
    for (const [name, binding] of undeliverableOutputBindings(fn)) {
      warnings.push(
        `Function "${fn.name}": output binding "${name}" of type "${binding.type}" is not supported locally; ` +
          'an invocation that writes to it fails instead of dropping the write.',
      );
    }
  }
  return warnings;
}

/** Whether an app setting names a connection: the setting itself, `AzureWebJobs<name>`, or `<name>__…` (identity-based). */
export function connectionIsConfigured(connection: string, env: NodeJS.ProcessEnv): boolean {
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  if (isSet(connection) || isSet(`AzureWebJobs${connection}`)) return true;
  const prefix = `${connection}__`.toLowerCase();
  return Object.entries(env).some(
    ([key, value]) => key.toLowerCase().startsWith(prefix) && (value ?? '') !== '',
  );
}

/**
 * One line per binding whose connection setting is not set, as the Functions host reports at
 * indexing ("... does not exist. Make sure that it is a defined App Setting.").
 */
export function missingConnectionErrors(catalog: readonly CatalogEntry[], env: NodeJS.ProcessEnv): string[] {
  const errors: string[] = [];
  for (const { fn, disabled } of catalog) {
    if (disabled) continue;
    for (const [name, binding] of Object.entries(fn.bindings)) {
      const declared = binding['connection'] ?? binding['connectionStringSetting'];
      let connection: string | undefined;
      if (typeof declared === 'string' && declared.trim() !== '') connection = declared.trim();
      else if (DEFAULT_STORAGE_CONNECTION_TYPES.test(binding.type)) connection = 'AzureWebJobsStorage';
      if (connection === undefined || connectionIsConfigured(connection, env)) continue;
      errors.push(
        `Function "${fn.name}" is in error: binding "${name}" (${binding.type}) uses the connection ` +
          `'${connection}', which does not exist. Make sure that it is a defined App Setting ` +
          `(local.settings.json Values: ${connection}, or ${connection}__serviceUri for an identity-based connection).`,
      );
    }
  }
  return errors;
}
