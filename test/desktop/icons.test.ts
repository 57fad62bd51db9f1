// The committed icons: every file the shell and electron-builder load exists, has the right pixel size,
// and the .ico/.icns containers are well formed. Decoding uses scripts/make-icons.js's own PNG reader.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppIcon, loadTrayIcons, trayIconFiles } from '../../electron/desktop/tray-icons';
import { TRAY_ICON_STATES } from '../../electron/desktop/tray-model';
import { FakeImage, fakeNativeImage } from './fakes/fake-electron';

const ROOT = path.resolve(__dirname, '../..');
const ASSETS = path.join(ROOT, 'assets');
const icons = createRequire(__filename)('../../scripts/make-icons.js') as {
  APP_SIZES: number[];
  ICO_SIZES: number[];
  ICNS_TYPES: Array<[string, number]>;
  pngHeader(buf: Buffer): { width: number; height: number; bitDepth: number; colorType: number };
  decodePng(buf: Buffer): { width: number; height: number; rgba: Buffer };
  buildIco(pngs: Record<number, Buffer>): Buffer;
  buildIcns(pngs: Record<number, Buffer>): Buffer;
};
const png = (f: string) => readFileSync(path.join(ASSETS, f));

describe('app icons', () => {
  it('PNG at every size electron-builder and the window use', () => {
    for (const s of icons.APP_SIZES) {
      const h = icons.pngHeader(png(`icons/${s}x${s}.png`));
      expect([h.width, h.height], `${s}`).toEqual([s, s]);
    }
    expect(existsSync(path.join(ASSETS, 'svg', 'app.svg'))).toBe(true);
  });

  it('outflow.ico: one image per size, small ones as 32-bit DIBs, 256 as PNG', () => {
    const ico = png('icons/outflow.ico');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const count = ico.readUInt16LE(4);
    expect(count).toBe(icons.ICO_SIZES.length);
    const seen: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      const size = ico[e] === 0 ? 256 : ico[e]!;
      const bytes = ico.readUInt32LE(e + 8);
      const offset = ico.readUInt32LE(e + 12);
      expect(offset + bytes).toBeLessThanOrEqual(ico.length);
      const data = ico.subarray(offset, offset + bytes);
      if (size === 256) {
        expect(icons.pngHeader(data).width).toBe(256);
      } else {
        expect(data.readUInt32LE(0)).toBe(40); // BITMAPINFOHEADER
        expect(data.readInt32LE(4)).toBe(size);
        expect(data.readInt32LE(8)).toBe(size * 2);
        expect(data.readUInt16LE(14)).toBe(32);
        expect(bytes).toBe(40 + size * size * 4 + Math.ceil(size / 32) * 4 * size);
      }
      seen.push(size);
    }
    expect(seen).toEqual(icons.ICO_SIZES);
  });

  it('outflow.icns: valid container whose elements are PNGs of the sizes their types mean', () => {
    const icns = png('icons/outflow.icns');
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const found: Array<[string, number]> = [];
    for (let off = 8; off < icns.length; ) {
      const type = icns.toString('latin1', off, off + 4);
      const len = icns.readUInt32BE(off + 4);
      found.push([type, icons.pngHeader(icns.subarray(off + 8, off + len)).width]);
      off += len;
    }
    expect(found).toEqual(icons.ICNS_TYPES);
  });

  it('the container writers round-trip the PNG decoder’s pixels', () => {
    const p16 = png('icons/16x16.png');
    const ico = icons.buildIco({ 16: p16 });
    const dib = ico.subarray(ico.readUInt32LE(6 + 12));
    const { rgba } = icons.decodePng(p16);
    // Top-left pixel of the PNG is the bottom-left row of the DIB (stored bottom-up, BGRA).
    const dibTopLeft = 40 + 15 * 16 * 4;
    expect([dib[dibTopLeft + 2], dib[dibTopLeft + 1], dib[dibTopLeft], dib[dibTopLeft + 3]]).toEqual([...rgba.subarray(0, 4)]);
    expect(() => icons.buildIcns({ 16: p16 })).toThrow(/no 32px image/);
  });
});

describe('tray icons', () => {
  it('exist for every state and platform at 1x and 2x', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      for (const state of TRAY_ICON_STATES) {
        const files = trayIconFiles(ASSETS, platform, state);
        const w1 = icons.pngHeader(readFileSync(files.x1)).width;
        const w2 = icons.pngHeader(readFileSync(files.x2)).width;
        expect(w2, `${platform} ${state}`).toBe(w1 * 2);
        expect(w1).toBe(platform === 'linux' ? 24 : 16);
      }
    }
  });

  it('macOS templates are black with alpha only; the coloured ones are not', () => {
    for (const state of TRAY_ICON_STATES) {
      const { rgba } = icons.decodePng(png(`tray/tray-${state}-template-32.png`));
      let opaque = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if (rgba[i + 3]! === 0) continue;
        opaque += 1;
        expect([rgba[i], rgba[i + 1], rgba[i + 2]], state).toEqual([0, 0, 0]);
      }
      expect(opaque, state).toBeGreaterThan(100);
      const colour = icons.decodePng(png(`tray/tray-${state}-32.png`)).rgba;
      let coloured = 0;
      for (let i = 0; i < colour.length; i += 4) if (colour[i + 3]! > 0 && (colour[i] !== colour[i + 1] || colour[i + 1] !== colour[i + 2])) coloured += 1;
      expect(coloured, state).toBeGreaterThan(50);
    }
  });

  it('the states look different from each other', () => {
    for (const suffix of ['-24.png', '-template-32.png']) {
      const pixels = TRAY_ICON_STATES.map((s) => icons.decodePng(png(`tray/tray-${s}${suffix}`)).rgba.toString('hex'));
      expect(new Set(pixels).size, suffix).toBe(3);
    }
  });

  it('load into native images with a 2x representation, as templates on macOS', () => {
    const mac = loadTrayIcons(fakeNativeImage, ASSETS, 'darwin');
    const linux = loadTrayIcons(fakeNativeImage, ASSETS, 'linux');
    for (const state of TRAY_ICON_STATES) {
      const m = mac[state] as unknown as FakeImage;
      const l = linux[state] as unknown as FakeImage;
      expect(m.reps.map((r) => r.scaleFactor)).toEqual([1, 2]);
      expect(m.template).toBe(true);
      expect(l.template).toBe(false);
    }
    expect((loadAppIcon(fakeNativeImage, ASSETS) as unknown as FakeImage).reps).toHaveLength(2);
  });
});
