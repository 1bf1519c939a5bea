import { randomUUID } from 'node:crypto';
import type { TypedData } from './extension.js';
import { BindingExpressionError } from './BindingExpressionError.js';

/** Binding data of one invocation: what `{name}` in a binding's path can refer to. */
export type BindingData = Record<string, unknown>;

/**
 * Binding data the way the Functions host builds it: the trigger's own values (trigger metadata),
 * then the top-level properties of a JSON trigger payload that do not clash with those (arrays
 * left out), as the host's `ApplyBindingData` adds them for activity and queue inputs.
 */
export function bindingDataOf(trigger: {
  data: TypedData;
  metadata?: Record<string, TypedData>;
}): BindingData {
  const data: BindingData = {};
  for (const [name, value] of Object.entries(trigger.metadata ?? {})) data[name] = typedDataValue(value);
  const payload = typedDataValue(trigger.data);
  let parsed: unknown;
  if (typeof payload === 'string') {
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (value === null || value === undefined || Array.isArray(value)) continue;
      if (findKey(data, name) === undefined) data[name] = value;
    }
  }
  return data;
}

/**
 * Resolves a binding expression such as `backups/{backupPath}`: `%Setting%` from app settings,
 * `{name}` or `{a.b}` from binding data (names case-insensitive), and the built-ins the host
 * offers when binding data has no such name — `{rand-guid}` (`{rand-guid:N}` without dashes) and
 * `{DateTime}` (UTC, `yyyy-MM-ddTHH-mm-ssZ`, or `{DateTime:<format>}`). A name with no value fails
 * with the host's own message, `No value for named parameter '<name>'.`
 */
export function resolveBindingExpression(
  template: string,
  bindingData: BindingData,
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): string {
  const withSettings = template.replace(/%([^%]+)%/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new BindingExpressionError(
        `'%${name}%' does not resolve to a value: the app setting ${name} is not set.`,
      );
    }
    return value;
  });
  let result = '';
  let index = 0;
  while (index < withSettings.length) {
    const open = withSettings.indexOf('{', index);
    if (open < 0) {
      result += withSettings.slice(index);
      break;
    }
    const close = withSettings.indexOf('}', open);
    if (close < 0) throw new BindingExpressionError(`Missing closing bracket in '${template}'.`);
    result += withSettings.slice(index, open);
    result += evaluate(withSettings.slice(open + 1, close).trim(), bindingData, now);
    index = close + 1;
  }
  return result;
}

function evaluate(expression: string, bindingData: BindingData, now: () => Date): string {
  if (expression === '') throw new BindingExpressionError('Invalid template expression: empty braces.');
  const builtin = /^(rand-guid|datetime)(?::(.*))?$/i.exec(expression);
  const colon = expression.indexOf(':');
  const path = (builtin ? expression : colon > 0 ? expression.slice(0, colon) : expression).split('.');
  const format = builtin ? undefined : colon > 0 ? expression.slice(colon + 1) : undefined;
  const rootKey = findKey(bindingData, path[0] ?? '');
  if (rootKey !== undefined) {
    let current: unknown = bindingData[rootKey];
    for (const part of path.slice(1)) {
      const key =
        current !== null && typeof current === 'object'
          ? findKey(current as Record<string, unknown>, part)
          : undefined;
      if (key === undefined) {
        throw new BindingExpressionError(`Error while accessing '${part}': property doesn't exist.`);
      }
      current = (current as Record<string, unknown>)[key];
    }
    return toPathString(current, format);
  }
  if (builtin) {
    const [, name = '', builtinFormat] = builtin;
    if (name.toLowerCase() === 'rand-guid') return formatGuid(randomUUID(), builtinFormat);
    return formatDateTime(now(), builtinFormat ?? 'yyyy-MM-ddTHH-mm-ssZ');
  }
  throw new BindingExpressionError(`No value for named parameter '${path[0]}'.`);
}

function toPathString(value: unknown, format: string | undefined): string {
  if (value === null || value === undefined) return '';
  if (format !== undefined && typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
    return formatDateTime(new Date(value), format);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatGuid(guid: string, format: string | undefined): string {
  switch ((format ?? 'D').toUpperCase()) {
    case 'D':
      return guid;
    case 'N':
      return guid.replace(/-/g, '');
    case 'B':
      return `{${guid}}`;
    case 'P':
      return `(${guid})`;
    default:
      throw new BindingExpressionError(`Unsupported GUID format '${format}' in {rand-guid:${format}}.`);
  }
}

/** .NET custom date format with the specifiers binding paths use (UTC). */
function formatDateTime(date: Date, format: string): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const tokens: Record<string, () => string> = {
    yyyy: () => pad(date.getUTCFullYear(), 4),
    yy: () => pad(date.getUTCFullYear() % 100),
    MM: () => pad(date.getUTCMonth() + 1),
    dd: () => pad(date.getUTCDate()),
    HH: () => pad(date.getUTCHours()),
    mm: () => pad(date.getUTCMinutes()),
    ss: () => pad(date.getUTCSeconds()),
    fff: () => pad(date.getUTCMilliseconds(), 3),
  };
  return format.replace(/yyyy|yy|MM|dd|HH|mm|ss|fff/g, (token) => tokens[token]?.() ?? token);
}

function findKey(record: Record<string, unknown>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lower);
}

function typedDataValue(data: TypedData): unknown {
  if ('string' in data) return data.string;
  if ('json' in data) {
    try {
      return JSON.parse(data.json) as unknown;
    } catch {
      return data.json;
    }
  }
  if ('int' in data) return data.int;
  if ('double' in data) return data.double;
  return undefined;
}
