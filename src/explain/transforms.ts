/**
 * From a hypothesis (schemas/hypotheses.json) to the engine runs that test it: each `change`
 * kind rewrites the nanoBragg arguments, the pixel, the phi mode, the thread-start state or the
 * precision of a Variant. A change that does not apply to this run (no such flag, a pixel off
 * the detector, the mode already in force) gives no variant.
 */
import type {Simulation} from '../engine/setup.js';
import type {TraceComparison} from '../trace/compare.js';
import type {Change, HypothesisEntry, UnitInput} from './catalogue.js';
import {unitSlips} from './unit-slip.js';
import type {Variant} from './variant.js';

export interface TransformContext {
  /** the baseline run's simulation (settings after parsing, detector after set-up) */
  sim: Simulation;
  /** reference against test, before any hypothesis */
  before: TraceComparison;
  /** the test's numbers look like float32 (src/explain/float32.ts) */
  float32Evidence: boolean;
  /** thread counts whose thread-start state differs from the one-thread run at this pixel */
  threadCounts: () => number[];
}

const num = (x: number) => String(Number(x.toPrecision(15)));

function indexOfFlag(argv: string[], flag: string): number {
  return argv.indexOf(flag);
}

function renamed(argv: string[], pairs: Array<{from: string; to: string}>): string[] | null {
  let changed = false;
  const out = argv.map((t) => {
    const p = pairs.find((q) => q.from === t);
    if (!p) return t;
    changed = true;
    return p.to;
  });
  return changed ? out : null;
}

/** -Xbeam/-Ybeam (BEAM pivot) or -ORGX/-ORGY (SAMPLE pivot) moved by `pixels` along both axes. */
function beamCentreOffset(argv: string[], sim: Simulation, pixels: number): string[] {
  const d = sim.detector;
  const pixelMm = d.pixelSizeM * 1000;
  if (sim.detector.pivot === 'SAMPLE') {
    return [...argv, '-ORGX', num(d.ORGX + pixels), '-ORGY', num(d.ORGY + pixels)];
  }
  return [...argv, '-Xbeam', num(d.XbeamM * 1000 + pixels * pixelMm), '-Ybeam', num(d.YbeamM * 1000 + pixels * pixelMm)];
}

function scaled(argv: string[], input: UnitInput, factor: number): string[] | null {
  const at = indexOfFlag(argv, input.flag);
  if (at < 0) return null;
  const out = [...argv];
  for (let k = 1; k <= input.values; k++) {
    const v = Number(out[at + k]);
    if (!Number.isFinite(v)) return null;
    out[at + k] = num(v * factor);
  }
  return out;
}

function apply(change: Change, v: Variant, ctx: TransformContext): Array<{variant: Partial<Variant>; detail: string}> {
  const {sim} = ctx;
  const s = sim.settings;
  switch (change.kind) {
    case 'phi-mode':
      return v.phiMode === change.mode ? [] : [{variant: {phiMode: change.mode}, detail: `--phi-mode ${change.mode}`}];
    case 'pixel': {
      const spixel = (change.swap ? v.fpixel : v.spixel) + change.dslow;
      const fpixel = (change.swap ? v.spixel : v.fpixel) + change.dfast;
      if (spixel === v.spixel && fpixel === v.fpixel) return [];
      if (!(spixel >= 0 && fpixel >= 0 && spixel < sim.detector.spixels && fpixel < sim.detector.fpixels)) return [];
      return [{variant: {spixel, fpixel}, detail: `pixel slow ${spixel}, fast ${fpixel}`}];
    }
    case 'rename-flag': {
      const argv = renamed(v.argv, [{from: change.from, to: change.to}, ...(change.also ?? [])]);
      return argv ? [{variant: {argv}, detail: `${change.from} read as ${change.to}`}] : [];
    }
    case 'pivot': {
      const other = sim.detector.pivot === 'BEAM' ? 'sample' : 'beam';
      return [{variant: {argv: [...v.argv, '-pivot', other]}, detail: `-pivot ${other}`}];
    }
    case 'swap-flags': {
      const a = indexOfFlag(v.argv, change.a);
      const b = indexOfFlag(v.argv, change.b);
      if (a < 0 || b < 0 || v.argv[a + 1] === v.argv[b + 1]) return [];
      const argv = [...v.argv];
      [argv[a + 1], argv[b + 1]] = [argv[b + 1], argv[a + 1]];
      return [{variant: {argv}, detail: `${change.a} ${argv[a + 1]} ${change.b} ${argv[b + 1]}`}];
    }
    case 'beam-centre-as-org': {
      const x = indexOfFlag(v.argv, '-Xbeam');
      const y = indexOfFlag(v.argv, '-Ybeam');
      if (x < 0 || y < 0) return [];
      const pixelMm = sim.detector.pixelSizeM * 1000;
      const argv = [...v.argv];
      argv[x] = '-ORGX';
      argv[x + 1] = num(Number(v.argv[x + 1]) / pixelMm);
      argv[y] = '-ORGY';
      argv[y + 1] = num(Number(v.argv[y + 1]) / pixelMm);
      return [{variant: {argv}, detail: `-ORGX ${argv[x + 1]} -ORGY ${argv[y + 1]}`}];
    }
    case 'beam-centre-offset':
      return [{variant: {argv: beamCentreOffset(v.argv, sim, change.pixels)}, detail: `beam centre ${change.pixels > 0 ? '+' : ''}${change.pixels} pixel`}];
    case 'convention': {
      // CUSTOM vectors would be thrown away: that is another detector, not another reading of it
      if (s.convention === 'CUSTOM' || s.convention === change.flag.slice(1).toUpperCase()) return [];
      return [{variant: {argv: [...v.argv, change.flag]}, detail: change.flag}];
    }
    case 'unit-scale':
      return unitSlips(change, ctx.before).flatMap(({input, factor}) => {
        const argv = scaled(v.argv, input, factor.factor);
        return argv ? [{variant: {argv}, detail: `${input.flag} ×${num(factor.factor)} (${factor.units})`}] : [];
      });
    case 'precision':
      return v.precision === 'float32' || !ctx.float32Evidence ? [] : [{variant: {precision: 'float32'}, detail: 'judged at float32 precision'}];
    case 'c-threads': {
      if (v.phiMode !== 'c-parity' || v.cThreads !== 1) return [];
      const n = ctx.threadCounts()[0];
      return n === undefined ? [] : [{variant: {cThreads: n}, detail: `--c-threads ${n}`}];
    }
  }
}

/** The variants that test `h` on top of `v` (none when it does not apply). */
export function variantsOf(h: HypothesisEntry, v: Variant, ctx: TransformContext): Variant[] {
  return apply(h.change, v, ctx).map(({variant, detail}) => ({...v, ...variant, ids: [...v.ids, h.id], details: [...v.details, detail]}));
}
