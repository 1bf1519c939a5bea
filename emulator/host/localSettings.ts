import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostError } from './HostError.js';

export interface LocalSettings {
  values: Record<string, string>;
  /** `Host.LocalHttpPort`, which `func start` uses when no port is given. */
  localHttpPort?: number;
}

/** Reads `<app>/local.settings.json` the way `func start` does; a missing file means no settings. */
export function readLocalSettings(appDir: string): LocalSettings {
  const path = join(appDir, 'local.settings.json');
  if (!existsSync(path)) return { values: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new HostError('InvalidLocalSettings', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new HostError('InvalidLocalSettings', `${path} must hold a JSON object.`);
  }
  const settings = parsed as { IsEncrypted?: unknown; Values?: unknown; Host?: { LocalHttpPort?: unknown } };
  if (settings.IsEncrypted === true) {
    throw new HostError(
      'InvalidLocalSettings',
      `${path} is encrypted; the local host reads plain settings only (set "IsEncrypted": false).`,
    );
  }
  const values: Record<string, string> = {};
  if (settings.Values !== undefined) {
    if (typeof settings.Values !== 'object' || settings.Values === null || Array.isArray(settings.Values)) {
      throw new HostError('InvalidLocalSettings', `"Values" in ${path} must be an object of strings.`);
    }
    for (const [name, value] of Object.entries(settings.Values)) {
      if (value === null || typeof value === 'object') {
        throw new HostError('InvalidLocalSettings', `"Values.${name}" in ${path} must be a string.`);
      }
      values[name] = String(value);
    }
  }
  const port = settings.Host?.LocalHttpPort;
  return { values, ...(typeof port === 'number' ? { localHttpPort: port } : {}) };
}

/** Like `func start`: a variable already set in the environment wins over local.settings.json. */
export function applySettingsToEnvironment(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const [name, value] of Object.entries(values)) {
    if (env[name] === undefined) env[name] = value;
  }
}

/** Reads `<app>/host.json` ({} when absent). */
export function readHostJson(appDir: string): Record<string, unknown> {
  const path = join(appDir, 'host.json');
  if (!existsSync(path)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new HostError('InvalidHostJson', `${path} is not a valid JSON object: ${(error as Error).message}`);
  }
}

/** `extensions.http.routePrefix` from host.json: 'api' by default, '' allowed. */
export function routePrefixOf(hostJson: Record<string, unknown>): string {
  const extensions = hostJson['extensions'] as { http?: { routePrefix?: unknown } } | undefined;
  const prefix = extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api';
}

/** Replaces `%NAME%` with the app setting NAME, as the host does for binding properties. */
export function resolveSettingReferences(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/%([^%]+)%/g, (whole, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new HostError(
        'InvalidLocalSettings',
        `The app setting "${name}" referenced as ${whole} is not set.`,
      );
    }
    return value;
  });
}
