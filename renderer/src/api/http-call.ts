import { ApiError } from '../../../electron/shared/contract';
import type { Method } from '../../../electron/shared/contract';
import { API_PREFIX } from '../../../electron/shared/wire';
import { toApiError } from './client';

export interface FetchResponseLike {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
}
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<FetchResponseLike>;

/** POST /api/<method> with the bearer token: the fallback when the WebSocket is not open. */
export async function httpCall(fetchFn: FetchLike, baseUrl: string, token: string, method: Method, input: unknown, timeoutMs: number): Promise<unknown> {
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  let res: FetchResponseLike;
  try {
    res = await fetchFn(`${baseUrl}${API_PREFIX}${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(input ?? {}),
      ...(controller ? { signal: controller.signal } : {}),
    });
  } catch {
    throw new ApiError('unavailable', 'The Outflow engine is unreachable.');
  } finally {
    if (timer) clearTimeout(timer);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.ok) return body;
  if (res.status === 401 || res.status === 403) {
    throw new ApiError('unauthorized', 'The engine refused the access token.');
  }
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (error) throw toApiError(error);
  throw new ApiError(res.status >= 500 ? 'internal' : 'invalid', `HTTP ${res.status} from ${method}`);
}
