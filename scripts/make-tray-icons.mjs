#!/usr/bin/env node
// Draws the tray icons (running, stopped, error, over budget) and the favicon with a tiny PNG encoder, so the assets
// can be regenerated without an image editor: `node scripts/make-tray-icons.mjs`, then commit assets/.
// Each icon is a rounded square in the state's colour with a white glyph and a thin dark rim: the saturated fill
// stands out on dark panels, the rim on light ones, and the glyph (not only the colour) tells the states apart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

// ---- PNG encoding (RGBA, 8 bit, no filtering) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An .ico holding PNG images (understood since Windows Vista). */
function encodeIco(pngs) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = 6 + 16 * pngs.length;
  const entries = pngs.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...pngs.map((p) => p.data)]);
}

// ---- Shapes in unit coordinates (0..1 across the icon), tested per sample point ----
const roundedSquare = (inset, radius) => (x, y) => {
  const lo = inset + radius;
  const hi = 1 - inset - radius;
  const dx = Math.max(lo - x, 0, x - hi);
  const dy = Math.max(lo - y, 0, y - hi);
  return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
};
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const disc = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r, w) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r + w / 2 && d >= r - w / 2;
};
const triangle = (ax, ay, bx, by, cx, cy) => (x, y) => {
  const s = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = s(ax, ay, bx, by);
  const d2 = s(bx, by, cx, cy);
  const d3 = s(cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
const union = (...shapes) => (x, y) => shapes.some((shape) => shape(x, y));
/** A glyph from a bitmap (rows of '#' and '.') placed in a box. */
const bitmap = (rows, x0, y0, x1, y1) => (x, y) => {
  if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
  const col = Math.floor(((x - x0) / (x1 - x0)) * rows[0].length);
  const row = Math.floor(((y - y0) / (y1 - y0)) * rows.length);
  return rows[row][col] === '#';
};

const DOLLAR = ['...#...', '.######', '##.#...', '##.#...', '.#####.', '...#.##', '...#.##', '######.', '...#...'];

const GLYPHS = {
  running: triangle(0.36, 0.26, 0.36, 0.74, 0.76, 0.5),
  stopped: rect(0.31, 0.31, 0.69, 0.69),
  error: union(rect(0.42, 0.2, 0.58, 0.6), disc(0.5, 0.75, 0.085)),
  over_budget: bitmap(DOLLAR, 0.25, 0.15, 0.75, 0.85),
};
const COLOURS = {
  running: [26, 127, 55],
  stopped: [101, 109, 118],
  error: [207, 34, 46],
  over_budget: [188, 76, 0],
};
const RIM = [0, 0, 0, 150];
const WHITE = [255, 255, 255, 255];

/** Renders layers (bottom first) with 8×8 supersampling; each layer is [shape, rgba]. */
function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  const n = 8;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let colour = [0, 0, 0, 0];
          for (const [shape, rgba] of layers) if (shape(x, y)) colour = rgba;
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      out[i + 3] = Math.round((a / (n * n)) * 255);
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
    }
  }
  return out;
}

function stateIcon(state, size) {
  const rim = 1 / 22;
  return render(size, [
    [roundedSquare(0.5 / 22, 0.24), RIM],
    [roundedSquare(0.5 / 22 + rim, 0.24 - rim), [...COLOURS[state], 255]],
    [GLYPHS[state], WHITE],
  ]);
}

/** The brand mark of assets/favicon.svg: a blue rounded square, a white ring and a T. */
function favicon(size) {
  return render(size, [
    [roundedSquare(0, 14 / 64), [31, 111, 235, 255]],
    [ring(0.5, 0.5, 17 / 64, 6 / 64), WHITE],
    [union(rect(29.5 / 64, 22 / 64, 34.5 / 64, 42 / 64), rect(26 / 64, 25.5 / 64, 38 / 64, 30.5 / 64)), WHITE],
  ]);
}

function write(name, data) {
  const path = join(ASSETS, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  console.log(`wrote assets/${name} (${data.length} bytes)`);
}

for (const state of Object.keys(COLOURS)) {
  const name = state.replace('_', '-');
  for (const size of [22, 44]) write(`tray/${name}-${size}.png`, encodePng(size, stateIcon(state, size)));
  write(`tray/${name}.ico`, encodeIco([16, 32, 48].map((size) => ({ size, data: encodePng(size, stateIcon(state, size)) }))));
}
write('favicon-32.png', encodePng(32, favicon(32)));
write('favicon.ico', encodeIco([16, 32, 48].map((size) => ({ size, data: encodePng(size, favicon(size)) }))));
