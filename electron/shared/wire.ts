// The browser transport's wire format (HTTP + WebSocket on 127.0.0.1), shared by server and client.
//
// - The printed URL is `http://127.0.0.1:<port>/#token=<token>`: the token travels in the fragment,
//   so it is never sent in a request line or logged; the page moves it to sessionStorage.
// - Static UI: GET / and /assets/* without a token (it holds no data).
// - Calls: POST /api/<method> with a JSON body (the method's input) and
//   `Authorization: Bearer <token>`; 200 with the JSON result, or 4xx/5xx with { error: ApiErrorBody }.
// - Events and calls: WebSocket at /ws, token in the `Sec-WebSocket-Protocol` header as
//   `outflow.v1, token.<token>` (browsers cannot set other headers on a WebSocket). The server pushes
//   `WireEvent`s; the client may send `WireCall`s and gets `WireReply`s.
import type { ApiErrorBody, EngineEvent, Method } from './contract';

export const WS_PATH = '/ws';
export const API_PREFIX = '/api/';
export const WS_PROTOCOL = 'outflow.v1';
export const WS_TOKEN_PREFIX = 'token.';
/** Request bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface WireCall {
  id: number;
  method: Method;
  input: unknown;
}

export type WireReply = { id: number; result: unknown } | { id: number; error: ApiErrorBody };

export interface WireEvent {
  event: EngineEvent;
}

export type ServerMessage = WireReply | WireEvent;
