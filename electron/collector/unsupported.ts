// The collector for any platform without an adapter (FreeBSD, AIX, …): it says so and reports nothing,
// so the app still starts, shows its history and explains why the live view is empty.
import type { Clock, Collector, CollectorCapabilities, Snapshot } from '../engine/ports';
import { systemClock } from '../engine/ports';

export function createUnsupportedCollector(platform: string, clock: Clock = systemClock): Collector {
  const name = /^[\w.-]{1,40}$/.test(platform) ? platform : 'this platform';
  return {
    start: async (): Promise<CollectorCapabilities> => ({
      mode: 'unsupported',
      platform,
      notes: [
        `Connection monitoring is not supported on ${name}: Outflow can list connections on Linux, macOS and Windows only. ` +
          'History, rules and settings still work.',
      ],
      seesClosedSockets: false,
      udpBytes: false,
    }),
    snapshot: async (): Promise<Snapshot> => ({
      at: clock.now(),
      sockets: [],
      closed: [],
      precise: null,
      machine: null,
      dropped: 0,
    }),
    stop: async () => undefined,
  };
}
