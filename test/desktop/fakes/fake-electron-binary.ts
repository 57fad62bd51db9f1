// A stand-in for the Electron executable with a real fuse wire: @electron/fuses finds the sentinel,
// checks the wire version and flips bytes exactly as in a real binary. Electron 45's defaults.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadFromAsar, V8Snapshot, GrantFileProtocol. */
export const ELECTRON_DEFAULT_WIRE = '10110001';

export function fakeElectronBinary(file: string, wire = ELECTRON_DEFAULT_WIRE): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const head = Buffer.from([0x7f, 0x45, 0x4c, 0x46, ...Array.from({ length: 60 }, (_, i) => i)]);
  writeFileSync(
    file,
    Buffer.concat([head, Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, wire.length]), Buffer.from(wire, 'latin1'), Buffer.alloc(64)]),
    { mode: 0o755 },
  );
  return file;
}
