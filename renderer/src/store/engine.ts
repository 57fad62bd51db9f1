import { create } from 'zustand';
import type { EngineStatus, Overview } from '../../../electron/shared/types';
import type { ConnectionState } from '../api/client';
import { toApiError } from '../api/client';
import { api } from '../api/current';

// Link to the engine, its status (collector mode, firewall enforcement) and the overview header.
export interface EngineState {
  connection: ConnectionState;
  status: EngineStatus | null;
  overview: Overview | null;
  error: string | null;
  setConnection(state: ConnectionState): void;
  setStatus(status: EngineStatus): void;
  refreshStatus(): Promise<void>;
  refreshOverview(): Promise<void>;
}

export const useEngineStore = create<EngineState>()((set) => ({
  connection: { status: 'connecting', attempt: 0 },
  status: null,
  overview: null,
  error: null,
  setConnection(connection) {
    set({ connection });
  },
  setStatus(status) {
    set({ status });
  },
  async refreshStatus() {
    try {
      set({ status: await api()['status.get']({}), error: null });
    } catch (err) {
      set({ error: toApiError(err).message });
    }
  },
  async refreshOverview() {
    try {
      set({ overview: await api()['overview.get']({}), error: null });
    } catch (err) {
      set({ error: toApiError(err).message });
    }
  },
}));
