// IPC handlers generated from the contract: one `ipcMain.handle` per method, each checking the sender
// and the payload shape before `engine.call` validates the input against the method's schema.
import { ApiError, ipcChannel, methodNames, type ApiErrorBody, type ErrorCode, type Method } from '../shared/contract';
import type { EngineHandle } from '../engine/ports';
import type { InvokeEventLike, IpcMainLike, LogFn } from './electron-shape';
import { checkIpcPayload } from './ipc-payload';
import type { IpcReply } from './ipc-reply';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>(['invalid', 'not-found', 'conflict', 'unauthorized', 'unavailable', 'internal']);

const channelToMethod: ReadonlyMap<string, Method> = new Map(methodNames.map((m) => [ipcChannel(m), m]));

export function contractChannels(): string[] {
  return [...channelToMethod.keys()];
}

/** Whatever the engine threw, as a body safe to hand to the renderer (no stack, bounded message). */
export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof ApiError) return err.toBody();
  if (err && typeof err === 'object') {
    const o = err as { code?: unknown; message?: unknown; issues?: unknown };
    if (typeof o.code === 'string' && ERROR_CODES.has(o.code) && typeof o.message === 'string') {
      const body: ApiErrorBody = { code: o.code as ErrorCode, message: o.message.slice(0, 2000) };
      if (Array.isArray(o.issues)) body.issues = o.issues as ApiErrorBody['issues'];
      return body;
    }
    if (typeof o.message === 'string') return { code: 'internal', message: o.message.slice(0, 2000) };
  }
  return { code: 'internal', message: 'internal error' };
}

export interface IpcDispatcher {
  handle(channel: string, event: InvokeEventLike, args: unknown[]): Promise<IpcReply>;
}

export interface IpcDispatcherDeps {
  engine: Pick<EngineHandle, 'call'>;
  isTrustedSender(event: InvokeEventLike): boolean;
  log: LogFn;
}

export function createIpcDispatcher(deps: IpcDispatcherDeps): IpcDispatcher {
  return {
    async handle(channel, event, args) {
      const method = channelToMethod.get(channel);
      if (method === undefined) return { ok: false, error: { code: 'not-found', message: `unknown IPC channel ${JSON.stringify(channel.slice(0, 100))}` } };
      if (!deps.isTrustedSender(event)) {
        deps.log('warn', `refused ${channel} from an untrusted frame (${String(event.senderFrame?.url ?? 'none').slice(0, 200)})`);
        return { ok: false, error: { code: 'unauthorized', message: 'IPC from an unexpected frame was refused' } };
      }
      if (args.length > 1) return { ok: false, error: { code: 'invalid', message: `${method}: expected one argument, got ${args.length}` } };
      const payload = args[0];
      const bad = checkIpcPayload(payload);
      if (bad) return { ok: false, error: { ...bad, message: `${method}: ${bad.message}` } };
      try {
        return { ok: true, result: await deps.engine.call(method, payload) };
      } catch (err) {
        const error = toErrorBody(err);
        if (error.code === 'internal') deps.log('error', `${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return { ok: false, error };
      }
    },
  };
}

/** Registers one handler per contract method; returns a function that removes them again. */
export function registerIpcHandlers(ipcMain: IpcMainLike, dispatcher: IpcDispatcher): () => void {
  const channels = contractChannels();
  for (const channel of channels) {
    ipcMain.handle(channel, (event, ...args) => dispatcher.handle(channel, event, args));
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
