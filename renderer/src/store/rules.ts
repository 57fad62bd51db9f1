import { create } from 'zustand';
import type { Rule } from '../../../electron/shared/types';
import type { RuleInput } from '../../../electron/shared/rule-input';
import type { RulesImportResult } from '../../../electron/shared/contract';
import { toApiError } from '../api/client';
import { api } from '../api/current';

export interface RulesState {
  rules: Rule[];
  loading: boolean;
  loaded: boolean;
  error: string | null;
  /** Rule ids with a request in flight, so their buttons show progress and do not double-fire. */
  busy: ReadonlySet<number>;

  load(): Promise<void>;
  setRules(rules: Rule[]): void;
  add(input: RuleInput): Promise<Rule>;
  remove(id: number): Promise<void>;
  setEnabled(id: number, enabled: boolean): Promise<void>;
  importRules(rules: RuleInput[], replace: boolean): Promise<RulesImportResult>;
  exportRules(): Promise<{ version: 1; rules: Rule[] }>;
}

const withBusy = (busy: ReadonlySet<number>, id: number, on: boolean): Set<number> => {
  const next = new Set(busy);
  if (on) next.add(id);
  else next.delete(id);
  return next;
};

export const useRulesStore = create<RulesState>()((set, get) => ({
  rules: [],
  loading: false,
  loaded: false,
  error: null,
  busy: new Set(),

  async load() {
    set({ loading: true });
    try {
      set({ rules: await api()['rules.list']({}), loading: false, loaded: true, error: null });
    } catch (err) {
      set({ loading: false, error: toApiError(err).message });
    }
  },

  setRules(rules) {
    set({ rules, loaded: true });
  },

  async add(input) {
    // Errors propagate: the block dialog shows them next to the choice that caused them.
    const rule = await api()['rules.add'](input);
    const rest = get().rules.filter((r) => r.id !== rule.id);
    set({ rules: [...rest, rule], error: null });
    return rule;
  },

  async remove(id) {
    set({ busy: withBusy(get().busy, id, true) });
    try {
      await api()['rules.remove']({ id });
      set({ rules: get().rules.filter((r) => r.id !== id), busy: withBusy(get().busy, id, false), error: null });
    } catch (err) {
      set({ busy: withBusy(get().busy, id, false), error: toApiError(err).message });
      throw toApiError(err);
    }
  },

  async setEnabled(id, enabled) {
    set({ busy: withBusy(get().busy, id, true) });
    try {
      const rule = await api()['rules.setEnabled']({ id, enabled });
      set({ rules: get().rules.map((r) => (r.id === id ? rule : r)), busy: withBusy(get().busy, id, false), error: null });
    } catch (err) {
      set({ busy: withBusy(get().busy, id, false), error: toApiError(err).message });
    }
  },

  async importRules(rules, replace) {
    const result = await api()['rules.import']({ rules, replace });
    set({ rules: result.rules, loaded: true, error: null });
    return result;
  },

  async exportRules() {
    return api()['rules.export']({});
  },
}));
