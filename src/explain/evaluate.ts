/**
 * One hypothesis = one in-process harness evaluation (src/engine/harness.ts, the path of the
 * `harness` command) whose trace is compared with the test trace. Runs are cached by what makes
 * them differ, so a pair that repeats a single's run, or a precision change, costs nothing.
 */
import {UserError} from '../engine/errors.js';
import {tracePixel} from '../engine/harness.js';
import {setupSimulation, type Simulation} from '../engine/setup.js';
import {loadCatalogue} from '../trace/catalogue.js';
import {compareParsedTraces, type KeyComparison, type TraceComparison} from '../trace/compare.js';
import {compareValues} from '../trace/numeric.js';
import {parseTrace, type ParsedTrace} from '../trace/parse.js';
import {float32Tolerances} from './float32.js';
import {runKey, type Variant} from './variant.js';

export interface Run {
  trace: ParsedTrace;
  sim: Simulation;
}

/** Where a first divergence sits in pipeline order; Infinity when there is none. */
export type Position = [order: number, occurrence: number];
export const REMOVED: Position = [Infinity, Infinity];

export function isLater(a: Position, b: Position): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

export interface Judgement {
  /** the first decisive key the test still disagrees on (keys the test does not print are not judged) */
  first: KeyComparison | null;
  position: Position;
  /** per-pixel key occurrences that agree */
  keysAgreeing: number;
  /** the relative tolerance applied (for float32: the largest per-key one) */
  tolerance: number;
}

export class Evaluator {
  private readonly runs = new Map<string, Run | null>();
  private workLimit: number | undefined;
  evaluations = 0;
  /** hypotheses not tried because their pixel would cost too much */
  readonly skipped: string[] = [];

  constructor(private readonly cwd: string) {}

  /** The engine's trace for `v`, or null when the engine refuses it (pixel not rendered…). */
  run(v: Variant, o: {strict?: boolean} = {}): Run | null {
    const key = runKey(v);
    if (this.runs.has(key)) return this.runs.get(key)!;
    this.evaluations++;
    let out: Run | null;
    try {
      // a hypothesis may make the pixel far dearer than the run itself (a wavelength read as
      // 1e-10 of itself auto-selects an oversampling of millions): such a run is not tried
      if (!o.strict && this.workLimit !== undefined) {
        const work = pixelWork(setupSimulation(v.argv, {phiMode: v.phiMode, cwd: this.cwd}));
        if (work > this.workLimit) {
          this.skipped.push(`${v.details.join(' + ')}: ${work.toExponential(1)} sub-path steps per pixel`);
          this.runs.set(key, null);
          return null;
        }
      }
      const r = tracePixel({argv: v.argv, spixel: v.spixel, fpixel: v.fpixel, phiMode: v.phiMode, cwd: this.cwd, cThreads: v.cThreads});
      out = {trace: parseTrace(r.trace, {source: 'hypothesis'}), sim: r.sim};
      // the baseline sets the budget of every hypothesis
      this.workLimit ??= Math.max(64 * pixelWork(r.sim), 1e5);
    } catch (e) {
      if (o.strict || !(e instanceof UserError)) throw e;
      out = null;
    }
    this.runs.set(key, out);
    return out;
  }

  isCached(v: Variant): boolean {
    return this.runs.has(runKey(v));
  }
}

/** sub-path evaluations one pixel costs */
const pixelWork = (sim: Simulation) => sim.steps * sim.thicksteps;

const withoutPixel = (t: ParsedTrace): ParsedTrace => ({...t, pixel: null});

export function position(first: KeyComparison | null): Position {
  if (!first) return REMOVED;
  const c = loadCatalogue();
  return [c.resolve(first.key, {scope: first.scope, components: null, numeric: true}).order, first.occurrence];
}

/** Judge a comparison whose reference is the hypothesis' trace (or C's) and whose test is the test trace. */
export function judge(cmp: TraceComparison, precision: Variant['precision'], h: ParsedTrace, sim: Simulation | null): Judgement {
  const f32 = precision === 'float32' && sim ? float32Tolerances(h, sim) : null;
  let first: KeyComparison | null = null;
  let agreeing = 0;
  for (const k of cmp.keys) {
    let status = k.status;
    if (f32 && status === 'fail' && k.ref && k.test) status = compareValues(k.kind, k.ref, k.test, k.atol, f32.of(k)).status;
    else if (f32 && status === 'pass') f32.of(k);
    if (k.scope === 'pixel' && status === 'pass') agreeing++;
    // keys the test does not print are not judged: a port may print fewer
    const decisive = k.scope === 'pixel' && status !== 'pass' && status !== 'missing' && (status !== 'extra' || k.counts);
    if (decisive && !first) first = k;
  }
  return {first, position: position(first), keysAgreeing: agreeing, tolerance: f32 ? f32.max() : cmp.tolerance.rtol};
}

const NO_FILE = {sha256: '', bytes: 0};

/** reference `h` against `test`, pixel identities set aside (the pixel is a hypothesis too). */
export function compareForJudging(h: ParsedTrace, test: ParsedTrace, rtol: number, atol: number | null): TraceComparison {
  return compareParsedTraces(withoutPixel(h), withoutPixel(test), {ref: {path: 'hypothesis', ...NO_FILE}, test: {path: 'test', ...NO_FILE}}, {rtol, atol});
}
