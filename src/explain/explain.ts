/**
 * explain: why a test trace leaves the C trace. The engine, which reproduces C, re-runs the
 * pixel under each hypothesis of schemas/hypotheses.json (one change each, then pairs when no
 * single one explains everything); each run's trace is compared with the test trace, and the
 * hypotheses that move the first divergence furthest down the pipeline (or remove it) are
 * ranked, with the keys they make agree and the tolerance they were judged at.
 */
import {UserError} from '../engine/errors.js';
import {PixelEngine} from '../engine/pixel.js';
import type {PhiMode, Simulation} from '../engine/setup.js';
import {blockStartRow} from '../engine/threads.js';
import {EXIT} from '../util/exit-codes.js';
import {compareParsedTraces, type KeyComparison, type TraceComparison, type TraceInput} from '../trace/compare.js';
import {parseTrace, type ParsedTrace, type Prefix} from '../trace/parse.js';
import type {PhiTable} from '../trace/perphi.js';
import {loadHypotheses, type HypothesisEntry} from './catalogue.js';
import {coverageDiagnostics, consistencyDiagnostics, digitDiagnostics, pixelDiagnostics, type Diagnostic} from './diagnostics.js';
import {compareForJudging, Evaluator, isLater, judge, REMOVED, type Judgement} from './evaluate.js';
import {float32Evidence} from './float32.js';
import {variantsOf, type TransformContext} from './transforms.js';
import type {Variant} from './variant.js';

export interface Explanation {
  rank: number;
  hypotheses: string[];
  title: string;
  first_divergence_before: string | null;
  /** null when the hypothesis removes the divergence */
  first_divergence_after: string | null;
  keys_agreeing: number;
  tolerance: number;
  command: string;
}

export interface ExplainOptions {
  ref: TraceInput;
  test: TraceInput;
  refPrefix?: Prefix;
  testPrefix?: Prefix;
  /** the run's nanoBragg arguments and the folder its inputs are read from */
  argv: string[];
  cwd: string;
  /** the port's per-phi table (its JSON), when its main trace has no per-phi lines of its own */
  testPhi?: PhiTable;
  /** the pixel to explain (default: the one the traces state) */
  pixel?: {slow: number; fast: number};
  rtol: number;
  atol: number | null;
  /** how the reference was made: C is c-parity with one thread */
  phiMode: PhiMode;
  cThreads: number;
  /** at most this many engine evaluations (singles first, then pairs) */
  maxEvaluations: number;
  /** at most this many ranked explanations */
  maxExplanations?: number;
  /**
   * the harness command line that runs a variant against the test trace (tolerance: the one to
   * judge at), or against the reference (for the confirm command of a known C behaviour)
   */
  commandFor: (v: Variant, tolerance: number, against?: 'test' | 'reference') => string;
}

export interface ExplainResult {
  pixel: {slow: number; fast: number};
  /** reference against test, as compare-traces gives it (pixel identities set aside; see diagnostics) */
  comparison: TraceComparison;
  /** the test's first divergence on the keys it prints, before any hypothesis */
  before: Judgement;
  diagnostics: Diagnostic[];
  explanations: Explanation[];
  evaluations: number;
}

export const DEFAULT_MAX_EVALUATIONS = 120;

const keyName = (k: KeyComparison | null): string | null => (k === null ? null : k.occurrence > 1 ? `${k.key} (occurrence ${k.occurrence})` : k.key);

interface Candidate {
  variant: Variant;
  judgement: Judgement;
}

/** Better first: removes the divergence, moves it further, more keys agree, fewer hypotheses. */
function better(a: Candidate, b: Candidate): number {
  const pa = a.judgement.position;
  const pb = b.judgement.position;
  if (isLater(pa, pb)) return -1;
  if (isLater(pb, pa)) return 1;
  return b.judgement.keysAgreeing - a.judgement.keysAgreeing || a.variant.ids.length - b.variant.ids.length;
}

const combinationKey = (v: Variant) => [...v.details].sort().join('\n');

/** Thread counts at which this pixel starts its C thread block from the unrotated cell (the smallest is enough). */
function threadCountsFor(sim: Simulation, pixel: {slow: number; fast: number}): number[] {
  const engine = new PixelEngine(sim);
  const {fpixels, spixels} = sim.detector;
  const target = pixel.slow * fpixels + pixel.fast;
  if (engine.firstPhiLoopPixel(target, 0) < 0) return []; // the one-thread run starts fresh here too
  for (let n = 2; n <= 64; n++) {
    if (engine.firstPhiLoopPixel(target, blockStartRow(spixels, n, pixel.slow) * fpixels) < 0) return [n];
  }
  return [];
}

/**
 * The port writes its per-phi lines to a JSON of their own (with its pixel): they stand for the
 * test trace's per-phi lines when it has none, and its pixel for the trace's when it states none.
 */
function withPhiTable(test: ParsedTrace, table: PhiTable | undefined): ParsedTrace {
  if (!table) return test;
  const phi = test.phi.length > 0 ? test.phi : table.rows;
  const pixel = test.pixel ?? table.pixel;
  return {...test, phi, pixel, counts: {...test.counts, phi: phi.length}};
}

export function explainTraces(o: ExplainOptions): ExplainResult {
  const ref = parseTrace(o.ref.text, {source: o.ref.path, prefix: o.refPrefix});
  const ownTest = parseTrace(o.test.text, {source: o.test.path, prefix: o.testPrefix});
  const test = withPhiTable(ownTest, o.testPhi);
  const pixel = o.pixel ?? ref.pixel ?? test.pixel;
  if (!pixel) throw new UserError('neither trace states its pixel (no TRACE_CONFIG line): give --pixel SLOW FAST', EXIT.USAGE);

  const diagnostics: Diagnostic[] = [
    ...pixelDiagnostics(ref, test, pixel),
    // the table's pixel stands for the trace's when the trace states none (said above, then)
    ...(ownTest.pixel && o.testPhi?.pixel && (o.testPhi.pixel.slow !== pixel.slow || o.testPhi.pixel.fast !== pixel.fast)
      ? [{code: 'PIXEL-MISMATCH', severity: 'error' as const, message: `the test's per-phi table ${o.testPhi.source} states pixel slow ${o.testPhi.pixel.slow}, fast ${o.testPhi.pixel.fast}, but the pixel explained is slow ${pixel.slow}, fast ${pixel.fast}`}]
      : []),
    ...coverageDiagnostics(ref, test),
    ...digitDiagnostics(ref, test, o.rtol),
    ...consistencyDiagnostics(ref, 'the reference', o.rtol),
    ...consistencyDiagnostics(test, 'the test', o.rtol),
  ];

  const baseline: Variant = {argv: o.argv, spixel: pixel.slow, fpixel: pixel.fast, phiMode: o.phiMode, cThreads: o.cThreads, precision: 'float64', ids: [], details: []};
  const comparison = compareParsedTraces(
    {...ref, pixel: null},
    {...test, pixel: null},
    {ref: {path: o.ref.path, sha256: o.ref.sha256, bytes: o.ref.bytes}, test: {path: o.test.path, sha256: o.test.sha256, bytes: o.test.bytes}},
    {rtol: o.rtol, atol: o.atol, harnessCommand: o.commandFor(baseline, o.rtol, 'reference')},
  );
  comparison.pixel = pixel;
  comparison.inputs.ref.pixel = ref.pixel;
  comparison.inputs.test.pixel = test.pixel;
  const before = judge(comparison, 'float64', ref, null);
  const result: ExplainResult = {pixel, comparison, before, diagnostics, explanations: [], evaluations: 0};
  if (before.first === null) return result;

  const evaluator = new Evaluator(o.cwd);
  const base = evaluator.run(baseline, {strict: true})!;
  const check = judge(compareForJudging(base.trace, ref, o.rtol, o.atol), 'float64', base.trace, base.sim);
  if (check.first) {
    diagnostics.push({
      code: 'ENGINE-BASELINE',
      severity: 'warning',
      message: `with these arguments the engine (${o.phiMode}, ${o.cThreads} thread(s)) does not reproduce the reference: first at ${keyName(check.first)}; are they the arguments the reference was made with? Hypotheses are still judged against the test`,
    });
  }

  let threadCounts: number[] | undefined;
  const ctx: TransformContext = {
    sim: base.sim,
    before: comparison,
    float32Evidence: o.testPhi?.dtype === 'float32' || float32Evidence(test, comparison),
    threadCounts: () => (threadCounts ??= threadCountsFor(base.sim, pixel)),
  };
  const catalogue = loadHypotheses();
  const candidates: Candidate[] = [];
  let capped = false;
  const tryVariant = (v: Variant): Candidate | null => {
    if (!evaluator.isCached(v) && evaluator.evaluations >= o.maxEvaluations) {
      capped = true;
      return null;
    }
    const run = evaluator.run(v);
    if (!run) return null;
    const judgement = judge(compareForJudging(run.trace, test, o.rtol, o.atol), v.precision, run.trace, run.sim);
    return {variant: v, judgement};
  };

  const singles: Array<{h: HypothesisEntry; c: Candidate}> = [];
  for (const h of catalogue) {
    for (const v of variantsOf(h, baseline, ctx)) {
      const c = tryVariant(v);
      if (c) singles.push({h, c});
    }
  }
  const improving = singles.filter((s) => isLater(s.c.judgement.position, before.position)).map((s) => s.c);
  candidates.push(...improving);

  if (!improving.some((c) => c.judgement.position === REMOVED || c.judgement.first === null)) {
    // no single hypothesis explains everything: each of the best few on top of every other one;
    // a seed may leave the first divergence where it was yet make more keys agree (float32
    // judged at a tolerance tighter than its round-off, say, until the other change is made)
    const seeds = singles
      .map((s) => s.c)
      .filter((c) => isLater(c.judgement.position, before.position) || c.judgement.keysAgreeing > before.keysAgreeing)
      .sort(better)
      .slice(0, 3);
    const seen = new Set<string>(seeds.map((c) => combinationKey(c.variant)));
    for (const seed of seeds) {
      for (const h of catalogue) {
        if (seed.variant.ids.includes(h.id)) continue;
        for (const v of variantsOf(h, seed.variant, ctx)) {
          // A on top of B is B on top of A
          const id = combinationKey(v);
          if (seen.has(id)) continue;
          seen.add(id);
          const c = tryVariant(v);
          if (c && isLater(c.judgement.position, seed.judgement.position) && isLater(c.judgement.position, before.position)) candidates.push(c);
        }
      }
    }
  }
  if (evaluator.skipped.length > 0) {
    diagnostics.push({code: 'HYPOTHESIS-TOO-COSTLY', severity: 'info', message: `not tried, the pixel would cost over 64 times the run's own: ${evaluator.skipped.join('; ')}`});
  }
  if (capped) {
    diagnostics.push({code: 'EVALUATION-CAP', severity: 'info', message: `stopped at ${o.maxEvaluations} engine evaluations (--max-evaluations): some hypotheses or pairs were not tried`});
  }

  const entries = new Map(catalogue.map((h) => [h.id, h]));
  result.explanations = candidates
    .sort(better)
    .slice(0, o.maxExplanations ?? 5)
    .map((c, i) => ({
      rank: i + 1,
      hypotheses: c.variant.ids,
      title: c.variant.ids.map((id, k) => `${entries.get(id)!.title} (${c.variant.details[k]})`).join(' + '),
      first_divergence_before: keyName(before.first),
      first_divergence_after: keyName(c.judgement.first),
      keys_agreeing: c.judgement.keysAgreeing,
      tolerance: c.judgement.tolerance,
      command: o.commandFor(c.variant, c.judgement.tolerance),
    }));
  result.evaluations = evaluator.evaluations;
  return result;
}
