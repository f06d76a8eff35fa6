/**
 * Plots as inline SVG, drawn by Vega-Lite specifications that vega renders server-side (a
 * headless View with renderer 'none'; no browser, no canvas). vega and vega-lite load on the first
 * plot only, so commands that write no page never pay for them.
 */
import type {TopLevelSpec} from 'vega-lite';

import {colourHex, type ColourMapName} from '../images/colour-maps.js';

type Libs = {vega: typeof import('vega'); vl: typeof import('vega-lite')};
let libs: Promise<Libs> | undefined;
const load = (): Promise<Libs> => (libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({vega, vl})));

const FONT = 'system-ui, sans-serif';
// Vega-Lite's advice (e.g. on channel choices) is for spec authors: never on the user's terminal
const quiet = () => SILENT;
const SILENT = {level: quiet, error: quiet, warn: quiet, info: quiet, debug: quiet} as unknown as NonNullable<Parameters<typeof import('vega-lite').compile>[1]>['logger'];

/**
 * Plots drawn already, by their specification. An image comparison's page draws the same colour
 * bar six times (reference and test share a scale, the zoom repeats the whole frame's), and a
 * campaign draws hundreds of pages; a plot costs 15-30 ms of CPU. Only plots without clip paths
 * are kept: vega numbers those from a process-wide counter, so a repeated one would repeat ids.
 */
const drawn = new Map<string, string>();
const DRAWN_MAX = 256;

/** A Vega-Lite specification as an SVG element (deterministic: same spec, same bytes). */
export async function svgOf(spec: TopLevelSpec): Promise<string> {
  const key = JSON.stringify(spec);
  const kept = drawn.get(key);
  if (kept !== undefined) return kept;
  const {vega, vl} = await load();
  const full = {config: {font: FONT, background: 'white', view: {stroke: null}}, ...spec} as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(full, {logger: SILENT}).spec), {renderer: 'none', logLevel: vega.None});
  const svg = await view.toSVG();
  view.finalize();
  if (!svg.includes('clip')) {
    if (drawn.size >= DRAWN_MAX) drawn.delete(drawn.keys().next().value!);
    drawn.set(key, svg);
  }
  return svg;
}

// ---------------------------------------------------------------------------------------------

export interface DeltaPoint {
  /** position in pipeline order */
  i: number;
  label: string;
  stage: string;
  status: string;
  decisive: boolean;
  /** |relative delta|; null: exactly equal, or no delta (missing, NaN) */
  rel: number | null;
}

/**
 * |relative delta| of every compared key occurrence along pipeline order, on a log axis, one
 * bar per occurrence from the floor: where a stage lights up is where the difference enters.
 * Exactly equal values are a tick on the floor; occurrences without a delta (missing, NaN) reach the top.
 */
export function deltaStripSpec(points: DeltaPoint[], tolerance: number, toleranceText: string): TopLevelSpec {
  const finite = points.map((p) => p.rel).filter((r): r is number => r !== null && r > 0);
  const floor = Math.min(1e-17, ...finite.map((r) => r / 10));
  const top = Math.max(10, ...finite.map((r) => r * 10));
  const values = points.map((p) => ({
    ...p,
    y: p.rel === null ? (p.status === 'pass' ? floor : top) : p.rel > 0 ? p.rel : floor,
    what: p.rel === null ? (p.status === 'pass' ? 'equal' : 'no delta') : p.rel > 0 ? 'delta' : 'equal',
    side: p.decisive ? 'per-pixel (decisive)' : 'set-up/diagnostic',
  }));
  const x = {field: 'label', type: 'ordinal', sort: {field: 'i'}, title: 'key (pipeline order)', axis: {labelAngle: -90, labelFontSize: 7, labelOverlap: false}} as const;
  const y = {field: 'y', type: 'quantitative', scale: {type: 'log', domain: [floor / 100, top]}, title: '|relative delta| (test vs reference)'} as const;
  return {
    width: {step: 8},
    height: 220,
    data: {values},
    layer: [
      {
        mark: {type: 'bar', width: 5},
        encoding: {
          x,
          y,
          y2: {datum: floor},
          color: {field: 'status', type: 'nominal', scale: {domain: ['pass', 'fail', 'nan', 'shape', 'missing', 'extra'], range: ['#8fbf9f', '#cf222e', '#8250df', '#bf8700', '#57606a', '#0969da']}, title: 'status'},
          opacity: {field: 'side', type: 'ordinal', scale: {domain: ['per-pixel (decisive)', 'set-up/diagnostic'], range: [1, 0.45]}, title: 'scope'},
          tooltip: [{field: 'label'}, {field: 'stage'}, {field: 'status'}, {field: 'rel', title: '|rel delta|'}],
        },
      },
      {
        // exactly equal occurrences: a tick on the floor, so "equal" is visible, not a gap
        transform: [{filter: "datum.what === 'equal'"}],
        mark: {type: 'tick', thickness: 3, size: 6},
        encoding: {x, y, color: {field: 'status', type: 'nominal'}},
      },
      {
        data: {values: [{t: tolerance}]},
        mark: {type: 'rule', strokeDash: [4, 3], color: '#444'},
        encoding: {y: {field: 't', type: 'quantitative'}},
      },
      {
        data: {values: [{t: tolerance, text: `tolerance ${toleranceText}`}]},
        mark: {type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 10, color: '#444'},
        encoding: {y: {field: 't', type: 'quantitative'}, x: {value: 0}, text: {field: 'text'}},
      },
    ],
  } as TopLevelSpec;
}

export interface PhiPoint {
  phi: number;
  group: number;
  quantity: string;
  side: string;
  value: number;
  divergent: boolean;
}

/** k_frac, F_latt_b and F_latt against phi, one panel each, both sides; divergent steps ringed in red. */
export function perPhiSpec(points: PhiPoint[]): TopLevelSpec {
  const x = {field: 'phi', type: 'quantitative', title: 'phi (deg)', scale: {zero: false}} as const;
  const y = {field: 'value', type: 'quantitative', title: null, scale: {zero: false}} as const;
  return {
    data: {values: points},
    facet: {column: {field: 'quantity', type: 'nominal', title: null, sort: ['k_frac', 'F_latt_b', 'F_latt'], header: {labelFontSize: 13, labelFontWeight: 'bold'}}},
    spec: {
      width: 260,
      height: 170,
      layer: [
        {
          mark: {type: 'line', point: {filled: true, size: 30}, strokeWidth: 1.5},
          encoding: {x, y, color: {field: 'side', type: 'nominal', title: 'side', scale: {range: ['#0969da', '#e16f24', '#57606a']}}, strokeDash: {field: 'side', type: 'nominal', title: 'side'}, detail: {field: 'group', type: 'nominal'}},
        },
        {
          transform: [{filter: 'datum.divergent'}],
          mark: {type: 'point', shape: 'circle', size: 220, strokeWidth: 2, color: '#cf222e', filled: false},
          encoding: {x, y},
        },
      ],
    },
    resolve: {scale: {y: 'independent'}},
  } as TopLevelSpec;
}

export interface ImagePanel {
  title: string;
  /** data: URI of the picture */
  uri: string;
  /** the region the picture shows, in frame pixels (x = fast, y = slow) */
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** drawn size, CSS pixels */
  size: number;
  roi?: {xmin: number; xmax: number; ymin: number; ymax: number};
  zoom?: {x0: number; y0: number; width: number; height: number};
  peaks?: Array<{x: number; y: number; side: string; matched: boolean}>;
}

/** A picture on pixel axes (fast across, slow down), with the ROI, the zoom window and the peaks drawn over it. */
export function imagePanelSpec(p: ImagePanel): TopLevelSpec {
  const scale = p.size / Math.max(p.width, p.height);
  const w = Math.round(p.width * scale);
  const h = Math.round(p.height * scale);
  const xs = {type: 'quantitative', scale: {domain: [p.x0, p.x0 + p.width], nice: false, zero: false}, title: 'fast (pixel)'} as const;
  const ys = {type: 'quantitative', scale: {domain: [p.y0, p.y0 + p.height], nice: false, zero: false, reverse: true}, title: 'slow (pixel)'} as const;
  const layer: unknown[] = [
    {
      data: {values: [{u: p.uri}]},
      mark: {type: 'image', width: w, height: h, aspect: false, align: 'left', baseline: 'top', aria: false},
      encoding: {x: {value: 0}, y: {value: 0}, url: {field: 'u', type: 'nominal'}},
    },
  ];
  const box = (b: {xmin: number; xmax: number; ymin: number; ymax: number}, colour: string, dash: number[]) => ({
    data: {values: [b]},
    mark: {type: 'rect', fill: null, stroke: colour, strokeWidth: 1.5, strokeDash: dash, clip: true},
    encoding: {x: {field: 'xmin', ...xs}, x2: {field: 'xmax'}, y: {field: 'ymin', ...ys}, y2: {field: 'ymax'}},
  });
  if (p.roi) layer.push(box({xmin: p.roi.xmin, xmax: p.roi.xmax + 1, ymin: p.roi.ymin, ymax: p.roi.ymax + 1}, '#ffffff', [5, 3]));
  if (p.zoom) layer.push(box({xmin: p.zoom.x0, xmax: p.zoom.x0 + p.zoom.width, ymin: p.zoom.y0, ymax: p.zoom.y0 + p.zoom.height}, '#ff3b30', []));
  if (p.peaks && p.peaks.length > 0) {
    layer.push({
      data: {values: p.peaks.map((k) => ({x: k.x + 0.5, y: k.y + 0.5, what: `${k.side} peak, ${k.matched ? 'matched' : 'unmatched'}`}))},
      mark: {type: 'point', filled: false, size: 90, strokeWidth: 1.5, clip: true},
      encoding: {
        x: {field: 'x', ...xs},
        y: {field: 'y', ...ys},
        shape: {field: 'what', type: 'nominal', legend: null, scale: {domain: ['reference peak, matched', 'reference peak, unmatched', 'test peak, matched', 'test peak, unmatched'], range: ['circle', 'circle', 'square', 'square']}},
        color: {field: 'what', type: 'nominal', legend: null, scale: {domain: ['reference peak, matched', 'reference peak, unmatched', 'test peak, matched', 'test peak, unmatched'], range: ['#2ecc71', '#ff3b30', '#7fdbff', '#ff9f0a']}},
      },
    });
  } else {
    layer.push({data: {values: [{x: p.x0, y: p.y0}]}, mark: {type: 'point', opacity: 0}, encoding: {x: {field: 'x', ...xs}, y: {field: 'y', ...ys}}});
  }
  return {width: w, height: h, title: {text: p.title, anchor: 'start'}, layer} as TopLevelSpec;
}

/** A colour bar of the map the pictures use, linear from 0 to max or logarithmic over `decades`, with its unit. */
export function colourBarSpec(o: {map: ColourMapName; max: number; unit: string; log: boolean; decades: number; width: number}): TopLevelSpec {
  const n = 64;
  const lo = o.log ? o.max / 10 ** o.decades : 0;
  const at = (t: number) => (o.log ? lo * (o.max / lo) ** t : o.max * t);
  const values = Array.from({length: n}, (_, k) => ({v0: at(k / n), v1: at((k + 1) / n), c: colourHex(o.map, Math.round((255 * (k + 0.5)) / n))}));
  return {
    width: o.width,
    height: 12,
    data: {values},
    mark: {type: 'rect'},
    encoding: {
      x: {field: 'v0', type: 'quantitative', scale: {type: o.log ? 'log' : 'linear', domain: [lo, o.max], nice: false}, title: `${o.unit}${o.log ? ' (log scale)' : ''}`, axis: {format: '.3~g', tickCount: o.log ? o.decades + 1 : 4}},
      x2: {field: 'v1'},
      color: {field: 'c', type: 'nominal', scale: null},
    },
  } as TopLevelSpec;
}
