import { ApiError, type ApiErrorBody, type Method, type MethodResults } from '../shared/contract';
import { API_PREFIX } from '../shared/wire';
import type { RuntimeInfo } from '../store/runtime-file';

/** Calls the running engine's HTTP API (the CLI's path when `outflow serve` owns the database). */
export async function callRemote<M extends Method>(rt: RuntimeInfo, method: M, input: unknown): Promise<MethodResults[M]> {
  const base = new URL(rt.url);
  const res = await fetch(new URL(API_PREFIX + method, base.origin), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${rt.token}` },
    body: JSON.stringify(input ?? {}),
  });
  const body = (await res.json()) as { error?: ApiErrorBody } | MethodResults[M];
  if (!res.ok) {
    const e = (body as { error?: ApiErrorBody }).error;
    throw new ApiError(e?.code ?? 'internal', e?.message ?? `HTTP ${res.status}`, e?.issues);
  }
  return body as MethodResults[M];
}
