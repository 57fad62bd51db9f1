import { ApiError } from '../../../electron/shared/contract';
import type { OutflowApi } from '../../../electron/shared/contract';
import type { OutflowClient } from './client';

// The active client, set once at start (or by a test). Store actions reach the engine through here.
let current: OutflowClient | null = null;

export function setClient(client: OutflowClient | null): void {
  current = client;
}

export function getClient(): OutflowClient | null {
  return current;
}

/** The API of the active client; throws a clear error before a client is connected. */
export function api(): OutflowApi {
  if (!current) throw new ApiError('unavailable', 'Not connected to the engine yet.');
  return current.api;
}
