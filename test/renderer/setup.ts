// Shared by every renderer test: jsdom lacks layout, so give elements a size (the virtualized
// tables render what fits), and reset every store and the active client between tests.
import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { setClient } from '../../renderer/src/api/current';
import { resetStores } from '../../renderer/src/store/reset';

const SIZE = { offsetHeight: 800, offsetWidth: 1400, clientHeight: 800, clientWidth: 1400 } as const;
for (const [prop, value] of Object.entries(SIZE)) {
  Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
}

if (typeof globalThis.matchMedia !== 'function') {
  globalThis.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  })) as unknown as typeof matchMedia;
}

beforeEach(() => {
  resetStores();
  setClient(null);
});

afterEach(() => {
  cleanup();
  resetStores();
  setClient(null);
});
