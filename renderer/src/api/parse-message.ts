import type { ApiErrorBody, EngineEvent } from '../../../electron/shared/contract';

export type ParsedMessage =
  | { kind: 'event'; event: EngineEvent }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: ApiErrorBody };

const EVENT_TYPES = new Set(['live', 'status', 'alert', 'rules', 'settings']);

/** Check the envelope of a server message; anything malformed is dropped rather than trusted. */
export function parseServerMessage(data: unknown): ParsedMessage | null {
  if (typeof data !== 'string') return null;
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return null;
  const o = msg as Record<string, unknown>;
  if ('event' in o) {
    const ev = o.event as { type?: unknown; data?: unknown } | null;
    if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string' || !EVENT_TYPES.has(ev.type)) return null;
    if (ev.data === null || typeof ev.data !== 'object') return null;
    return { kind: 'event', event: ev as EngineEvent };
  }
  if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id)) return null;
  if ('error' in o) {
    const e = o.error as { code?: unknown; message?: unknown } | null;
    const body: ApiErrorBody = {
      code: (typeof e?.code === 'string' ? e.code : 'internal') as ApiErrorBody['code'],
      message: typeof e?.message === 'string' ? e.message : 'The engine reported an error.',
    };
    const issues = (e as { issues?: unknown } | null)?.issues;
    if (Array.isArray(issues)) body.issues = issues as ApiErrorBody['issues'];
    return { kind: 'error', id: o.id, error: body };
  }
  if ('result' in o) return { kind: 'result', id: o.id, result: o.result };
  return null;
}
