import { HostError } from './HostError.js';
import type { BindingInfo, HostExtension, RegisteredFunction } from './extension.js';
import type { CoreFunctionMetadata } from './functionsCoreApi.js';
import { compareRoutePrecedence, parseRouteTemplate, type RouteTemplate } from './routeTemplate.js';

export const ALL_HTTP_METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
] as const;

/** How the local host drives one function. */
export type FunctionKind =
  | { kind: 'http'; route: RouteTemplate; methods: readonly string[] }
  | { kind: 'timer' }
  | { kind: 'extension'; extension: HostExtension }
  | { kind: 'unsupported'; reason: string };

export interface CatalogEntry {
  fn: RegisteredFunction;
  driver: FunctionKind;
  disabled: boolean;
}

/** Finds the trigger the way the library does: the `in` binding whose type ends in "Trigger". */
export function toRegisteredFunction(metadata: CoreFunctionMetadata): RegisteredFunction {
  const triggerEntry = Object.entries(metadata.bindings).find(
    ([, binding]) => binding.direction === 'in' && /trigger$/i.test(binding.type),
  );
  if (!triggerEntry) {
    throw new HostError('UnsupportedAppFeature', `Function "${metadata.name}" has no trigger binding.`);
  }
  return {
    name: metadata.name,
    bindings: metadata.bindings,
    triggerBindingName: triggerEntry[0],
    trigger: triggerEntry[1],
    ...(metadata.retryOptions !== undefined ? { retryOptions: metadata.retryOptions } : {}),
  };
}

/** Builds the catalog of functions: which ones are HTTP routes, timers, extension-driven or unsupported. */
export function buildFunctionCatalog(
  functions: readonly RegisteredFunction[],
  extensions: readonly HostExtension[],
  routePrefix: string,
  env: NodeJS.ProcessEnv,
): CatalogEntry[] {
  const triggerOwners = new Map<string, HostExtension>();
  for (const extension of extensions) {
    for (const type of extension.triggerTypes) {
      const owner = triggerOwners.get(type.toLowerCase());
      if (owner) {
        throw new HostError(
          'ExtensionConflict',
          `Extensions "${owner.name}" and "${extension.name}" both claim the trigger type "${type}".`,
        );
      }
      triggerOwners.set(type.toLowerCase(), extension);
    }
  }
  return functions.map((fn) => {
    const type = fn.trigger.type.toLowerCase();
    const disabledSetting =
      env[`AzureWebJobs.${fn.name}.Disabled`] ?? env[`AzureWebJobs_${fn.name}_Disabled`];
    const disabled = disabledSetting !== undefined && /^(true|1)$/i.test(disabledSetting.trim());
    const extension = triggerOwners.get(type);
    let driver: FunctionKind;
    if (type === 'httptrigger') {
      const route =
        typeof fn.trigger['route'] === 'string' && fn.trigger['route'] !== '' ? fn.trigger['route'] : fn.name;
      const methods = Array.isArray(fn.trigger['methods'])
        ? (fn.trigger['methods'] as unknown[]).map((method) => String(method).toUpperCase())
        : [...ALL_HTTP_METHODS];
      driver = {
        kind: 'http',
        route: parseRouteTemplate([routePrefix, route.replace(/^\/+/, '')].filter(Boolean).join('/')),
        methods,
      };
    } else if (type === 'timertrigger') {
      driver = { kind: 'timer' };
    } else if (extension) {
      driver = { kind: 'extension', extension };
    } else {
      driver = { kind: 'unsupported', reason: `${fn.trigger.type} is not supported locally` };
    }
    return { fn, driver, disabled };
  });
}

/** HTTP functions in matching order: most specific route first, registration order among equals. */
export function httpRoutesInMatchOrder(
  catalog: readonly CatalogEntry[],
): (CatalogEntry & { driver: { kind: 'http'; route: RouteTemplate; methods: readonly string[] } })[] {
  return catalog
    .filter(
      (entry): entry is CatalogEntry & { driver: Extract<FunctionKind, { kind: 'http' }> } =>
        entry.driver.kind === 'http' && !entry.disabled,
    )
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => compareRoutePrecedence(a.entry.driver.route, b.entry.driver.route) || a.index - b.index)
    .map(({ entry }) => entry);
}

/** Input bindings (not the trigger) that no extension fills: the function sees undefined for them. */
export function unfilledInputBindings(
  fn: RegisteredFunction,
  extensions: readonly HostExtension[],
): BindingInfo[] {
  return Object.entries(fn.bindings)
    .filter(([name, binding]) => name !== fn.triggerBindingName && binding.direction === 'in')
    .filter(([, binding]) => !extensions.some((extension) => claimsInput(extension, binding)))
    .map(([, binding]) => binding);
}

export function claimsInput(extension: HostExtension, binding: BindingInfo): boolean {
  return extension.inputBindingTypes.some((type) => type.toLowerCase() === binding.type.toLowerCase());
}

/** The start-up listing, in the shape `func start` prints. */
export function describeFunctions(catalog: readonly CatalogEntry[], publicOrigin: string): string {
  const lines = catalog.map(({ fn, driver, disabled }) => {
    const suffix = disabled ? ' (disabled)' : '';
    if (driver.kind === 'http') {
      return `\t${fn.name}: [${driver.methods.join(',')}] ${publicOrigin}/${driver.route.text}${suffix}`;
    }
    if (driver.kind === 'unsupported') return `\t${fn.name}: ${fn.trigger.type} (not supported locally)`;
    return `\t${fn.name}: ${fn.trigger.type}${suffix}`;
  });
  return lines.length === 0 ? 'No job functions found.' : `Functions:\n\n${lines.join('\n\n')}\n`;
}
