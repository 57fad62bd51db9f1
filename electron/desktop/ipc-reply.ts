// What every IPC handler resolves with. Errors travel as data: Electron turns a thrown error into a
// bare message string, and contextBridge drops custom properties from Error objects, so `code` and
// `issues` would be lost.
import type { ApiErrorBody } from '../shared/contract';

export type IpcReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorBody };
