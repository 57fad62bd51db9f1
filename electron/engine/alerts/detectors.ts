import type { Db } from '../../store/db';
import { BinaryHasher, type BinaryHasherOptions } from './binary-hasher';
import { createBlockedDetector } from './blocked';
import { createChangedBinaryDetector } from './changed-binary';
import { createEnforcementLostDetector } from './enforcement-lost';
import { detectNewApps } from './new-app';
import { createNewDestinationDetector, type NewDestinationOptions } from './new-destination';
import type { FirewallDetector, TickDetector } from './service';
import { createSpikeDetector, type SpikeOptions } from './spike';

// Every detector, assembled for the alerts service: one call in the composition root.

export interface DetectorSet {
  tickDetectors: TickDetector[];
  firewallDetectors: FirewallDetector[];
  hasher: BinaryHasher;
  /** Stops background hashing (engine stop). */
  close(): void;
}

export interface DetectorOptions {
  newDestination?: NewDestinationOptions;
  spike?: SpikeOptions;
  hasher?: BinaryHasherOptions;
}

export function createDetectors(db: Db, o: DetectorOptions = {}): DetectorSet {
  const hasher = new BinaryHasher(o.hasher);
  return {
    tickDetectors: [
      detectNewApps,
      createNewDestinationDetector(db, o.newDestination),
      createSpikeDetector(db, o.spike),
      createChangedBinaryDetector(db, hasher),
    ],
    firewallDetectors: [createEnforcementLostDetector(db), createBlockedDetector(db)],
    hasher,
    close: () => hasher.close(),
  };
}
