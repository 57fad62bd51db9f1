#!/usr/bin/env node
// Renders the icons in assets/ from the SVG sources in assets/svg/: app PNGs 16..1024 (assets/icons/NxN.png,
// the layout electron-builder takes for Linux), outflow.ico (Windows), outflow.icns (macOS) and the tray
// images per state. Rasterising needs `rsvg-convert` (Debian: apt-get install librsvg2-bin); the .ico and
// .icns containers are written here. The outputs are committed, so building the app needs none of this.
//
//   node scripts/make-icons.js [--out DIR]
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
const SVG_DIR = path.join(ROOT, 'assets', 'svg');
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const TRAY_STATES = ['normal', 'alert', 'not-enforcing'];
const TRAY_SIZES = [16, 24, 32, 48];
const TEMPLATE_SIZES = [16, 32];
/** ICNS element types holding PNG data, by pixel size (the retina "@2x" types reuse the bigger renders). */
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width, height, bit depth, colour type and interlace from a PNG's IHDR. */
function pngHeader(buf) {
  if (buf.length < 33 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), bitDepth: buf[24], colorType: buf[25], interlace: buf[28] };
}

/** Decode an 8-bit RGBA, non-interlaced PNG (what rsvg-convert writes) into raw RGBA rows. */
function decodePng(buf) {
  const h = pngHeader(buf);
  if (h.bitDepth !== 8 || h.colorType !== 6 || h.interlace !== 0) throw new Error('decodePng: only 8-bit RGBA non-interlaced PNGs');
  const idat = [];
  for (let off = 8; off < buf.length; ) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = h.width * 4;
  const out = Buffer.alloc(stride * h.height);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? out.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? row[x - 4] : 0;
      const b = prev ? prev[x] : 0;
      const c = prev && x >= 4 ? prev[x - 4] : 0;
      let v = line[x];
      switch (filter) {
        case 0:
          break;
        case 1:
          v += a;
          break;
        case 2:
          v += b;
          break;
        case 3:
          v += (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`decodePng: bad filter ${filter}`);
      }
      row[x] = v & 0xff;
    }
  }
  return { width: h.width, height: h.height, rgba: out };
}

/** A classic 32-bit DIB icon image (BGRA bottom-up + 1-bit AND mask): read by every Windows and by NSIS. */
function dibImage(png) {
  const { width, height, rgba } = decodePng(png);
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(width, 4);
  header.writeInt32LE(height * 2, 8); // colour + mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(width * height * 4);
  const maskStride = Math.ceil(width / 32) * 4;
  const mask = Buffer.alloc(maskStride * height);
  for (let y = 0; y < height; y++) {
    const dstY = height - 1 - y;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = (dstY * width + x) * 4;
      pixels[d] = rgba[s + 2];
      pixels[d + 1] = rgba[s + 1];
      pixels[d + 2] = rgba[s];
      pixels[d + 3] = rgba[s + 3];
      if (rgba[s + 3] === 0) mask[dstY * maskStride + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  header.writeUInt32LE(pixels.length + mask.length, 20);
  return Buffer.concat([header, pixels, mask]);
}

/** ICO container: DIB entries below 256 px, PNG for 256 px (Vista+), as Windows' own icons do. */
function buildIco(pngsBySize) {
  const sizes = Object.keys(pngsBySize).map(Number).sort((a, b) => a - b);
  const images = sizes.map((s) => (s >= 256 ? pngsBySize[s] : dibImage(pngsBySize[s])));
  const dir = Buffer.alloc(6 + 16 * sizes.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(sizes.length, 4);
  let offset = dir.length;
  sizes.forEach((s, i) => {
    const e = 6 + 16 * i;
    dir[e] = s >= 256 ? 0 : s;
    dir[e + 1] = s >= 256 ? 0 : s;
    dir.writeUInt16LE(1, e + 4);
    dir.writeUInt16LE(32, e + 6);
    dir.writeUInt32LE(images[i].length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += images[i].length;
  });
  return Buffer.concat([dir, ...images]);
}

/** ICNS container with PNG-encoded elements. */
function buildIcns(pngsBySize) {
  const parts = ICNS_TYPES.map(([type, size]) => {
    const png = pngsBySize[size];
    if (!png) throw new Error(`buildIcns: no ${size}px image for ${type}`);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

function render(svg, size) {
  const out = execFileSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--format', 'png', '--', svg], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const h = pngHeader(out);
  if (h.width !== size || h.height !== size) throw new Error(`${svg}: rendered ${h.width}x${h.height}, wanted ${size}`);
  return out;
}

function makeIcons(outRoot) {
  const icons = path.join(outRoot, 'icons');
  const tray = path.join(outRoot, 'tray');
  fs.mkdirSync(icons, { recursive: true });
  fs.mkdirSync(tray, { recursive: true });
  const app = {};
  for (const size of APP_SIZES) {
    app[size] = render(path.join(SVG_DIR, 'app.svg'), size);
    fs.writeFileSync(path.join(icons, `${size}x${size}.png`), app[size]);
  }
  fs.writeFileSync(path.join(icons, 'outflow.ico'), buildIco(Object.fromEntries(ICO_SIZES.map((s) => [s, app[s]]))));
  fs.writeFileSync(path.join(icons, 'outflow.icns'), buildIcns(app));
  for (const state of TRAY_STATES) {
    for (const size of TRAY_SIZES) {
      fs.writeFileSync(path.join(tray, `tray-${state}-${size}.png`), render(path.join(SVG_DIR, `tray-${state}.svg`), size));
    }
    for (const size of TEMPLATE_SIZES) {
      fs.writeFileSync(path.join(tray, `tray-${state}-template-${size}.png`), render(path.join(SVG_DIR, `tray-${state}-template.svg`), size));
    }
  }
  return { icons, tray };
}

module.exports = { APP_SIZES, ICO_SIZES, ICNS_TYPES, TRAY_STATES, TRAY_SIZES, TEMPLATE_SIZES, pngHeader, decodePng, dibImage, buildIco, buildIcns };

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : path.join(ROOT, 'assets');
  const where = makeIcons(out);
  console.log(`icons written to ${where.icons} and ${where.tray}`);
}
