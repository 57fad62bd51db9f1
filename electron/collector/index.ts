import type { Collector } from '../engine/ports';
import { createDarwinCollector } from './darwin';
import { createLinuxCollector } from './linux';
import { createUnsupportedCollector } from './unsupported';
import { createWin32Collector } from './win32';
import { withPreciseMode } from './with-precise';

export interface PlatformCollectorOptions {
  /** Try precise mode (Linux, privileged) on top of polling; long-running engines only. */
  precise?: boolean;
  log?: (message: string) => void;
}

/** The collector for this OS; any other OS gets one that says, in its notes, that it is unsupported. */
export function createPlatformCollector(platform: NodeJS.Platform = process.platform, o: PlatformCollectorOptions = {}): Collector {
  switch (platform) {
    case 'linux':
    {
      // As root, UDP bytes from conntrack accounting where the kernel keeps it (never switched on for the user).
      const polling = createLinuxCollector({ conntrack: process.getuid?.() === 0 });
      return o.precise && process.env.OUTFLOW_PRECISE !== '0' ? withPreciseMode({ polling, log: o.log }) : polling;
    }
    case 'darwin':
      return createDarwinCollector();
    case 'win32':
      return createWin32Collector();
    default:
      return createUnsupportedCollector(platform);
  }
}
