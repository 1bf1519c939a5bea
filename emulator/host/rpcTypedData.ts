import type { TypedData } from './extension.js';

/** Decodes RPC typed data the way the host hands values on: `json` parsed, `string` as text. */
export function fromTypedData(data: unknown): unknown {
  if (data === null || data === undefined || typeof data !== 'object') return undefined;
  const typed = data as Partial<Record<string, unknown>>;
  if (typeof typed['string'] === 'string') return typed['string'];
  if (typeof typed['json'] === 'string') return JSON.parse(typed['json']);
  if (typed['bytes'] instanceof Uint8Array) return Buffer.from(typed['bytes']);
  if (typeof typed['int'] === 'number') return typed['int'];
  if (typeof typed['double'] === 'number') return typed['double'];
  if (typed['http'] !== undefined) return typed['http'];
  return undefined;
}

/** Bytes of RPC typed data used as an HTTP body. */
export function typedDataToBytes(data: unknown): Buffer {
  if (data === null || data === undefined || typeof data !== 'object') return Buffer.alloc(0);
  const typed = data as Partial<Record<string, unknown>>;
  if (typed['bytes'] instanceof Uint8Array) return Buffer.from(typed['bytes']);
  if (typeof typed['string'] === 'string') return Buffer.from(typed['string'], 'utf8');
  if (typeof typed['json'] === 'string') return Buffer.from(typed['json'], 'utf8');
  if (typeof typed['int'] === 'number') return Buffer.from(String(typed['int']));
  if (typeof typed['double'] === 'number') return Buffer.from(String(typed['double']));
  return Buffer.alloc(0);
}

export function isTypedData(value: unknown): value is TypedData {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}
