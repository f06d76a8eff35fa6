/**
 * Perceptual colour maps for image previews, as 256-entry RGB tables from d3-scale-chromatic
 * (matplotlib's viridis and magma: uniform in lightness, readable in grey and by colour-blind
 * readers, unlike a rainbow or the old black-red-yellow ramp). The view draws its colour bars from
 * the same tables, so a bar and its image cannot disagree.
 */
import {interpolateMagma, interpolateViridis} from 'd3-scale-chromatic';

export type ColourMapName = 'viridis' | 'magma';

const INTERPOLATORS: Record<ColourMapName, (t: number) => string> = {viridis: interpolateViridis, magma: interpolateMagma};
const tables = new Map<ColourMapName, Uint8Array>();

/** The map as 256 RGB triples (index 0 = the low end). */
export function colourTable(name: ColourMapName): Uint8Array {
  let t = tables.get(name);
  if (!t) {
    t = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const hex = INTERPOLATORS[name](i / 255);
      for (let c = 0; c < 3; c++) t[3 * i + c] = parseInt(hex.slice(1 + 2 * c, 3 + 2 * c), 16);
    }
    tables.set(name, t);
  }
  return t;
}

/** `#rrggbb` of entry i of the map. */
export function colourHex(name: ColourMapName, i: number): string {
  const t = colourTable(name);
  return `#${[0, 1, 2].map((c) => t[3 * i + c].toString(16).padStart(2, '0')).join('')}`;
}
