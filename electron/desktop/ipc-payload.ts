// First gate for anything arriving over IPC, before the contract schema sees it: plain JSON-like data
// only (structured clone can carry Maps, Dates, typed arrays, cycles), bounded depth and size, and no
// prototype-polluting keys. Same byte limit as the HTTP transport.
import type { ApiErrorBody } from '../shared/contract';
import { MAX_BODY_BYTES } from '../shared/wire';

export const MAX_IPC_PAYLOAD_BYTES = MAX_BODY_BYTES;
export const MAX_IPC_PAYLOAD_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function invalid(path: string, message: string): ApiErrorBody {
  return { code: 'invalid', message: path ? `${path}: ${message}` : message, issues: [{ path, message }] };
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Null when the payload may go on to schema validation, else the reason as an `invalid` error body. */
export function checkIpcPayload(payload: unknown, maxBytes: number = MAX_IPC_PAYLOAD_BYTES): ApiErrorBody | null {
  let budget = maxBytes;
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: payload, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || value === undefined || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return invalid(path, 'numbers must be finite');
      continue;
    }
    if (typeof value === 'string') {
      budget -= value.length;
      if (budget < 0) return { code: 'invalid', message: `payload larger than ${maxBytes} bytes` };
      continue;
    }
    if (typeof value !== 'object') return invalid(path, `unsupported value of type ${typeof value}`);
    if (depth >= MAX_IPC_PAYLOAD_DEPTH) return invalid(path, `nested deeper than ${MAX_IPC_PAYLOAD_DEPTH} levels`);
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return invalid(path, 'unsupported array type');
      budget -= value.length;
      if (budget < 0) return { code: 'invalid', message: `payload larger than ${maxBytes} bytes` };
      value.forEach((item, i) => stack.push({ value: item, path: path ? `${path}.${i}` : String(i), depth: depth + 1 }));
      continue;
    }
    if (!isPlainObject(value)) return invalid(path, 'only plain objects are accepted');
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') return invalid(path, 'symbol keys are not accepted');
      if (FORBIDDEN_KEYS.has(key)) return invalid(path ? `${path}.${key}` : key, `forbidden key "${key}"`);
      budget -= key.length;
      if (budget < 0) return { code: 'invalid', message: `payload larger than ${maxBytes} bytes` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  // The walk bounded the work; now measure what the engine would see, in bytes of JSON.
  if (payload !== undefined && Buffer.byteLength(JSON.stringify(payload), 'utf8') > maxBytes) {
    return { code: 'invalid', message: `payload larger than ${maxBytes} bytes` };
  }
  return null;
}
