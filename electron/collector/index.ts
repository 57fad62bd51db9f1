import type { Collector } from '../engine/ports';
import { createDarwinCollector } from './darwin';
import { createLinuxCollector } from './linux';
import { createUnsupportedCollector } from './unsupported';
import { createWin32Collector } from './win32';

/** The collector for this OS; any other OS gets one that says, in its notes, that it is unsupported. */
export function createPlatformCollector(platform: NodeJS.Platform = process.platform): Collector {
  switch (platform) {
    case 'linux':
      return createLinuxCollector();
    case 'darwin':
      return createDarwinCollector();
    case 'win32':
      return createWin32Collector();
    default:
      return createUnsupportedCollector(platform);
  }
}
