/**
 * Key-by-key comparison of a reference trace (normally TRACE_C) with a test trace (TRACE_TS or
 * TRACE_PY). Policy (documented in src/trace/README.md):
 *
 * - Every key occurrence is compared with the same occurrence in the other trace, in pipeline
 *   order (catalogue order, then occurrence). Per-phi lines become the keys PHI.<field>.
 * - The verdict rests on the per-pixel scope only: a per-pixel key occurrence of the reference
 *   that is outside tolerance, NaN, of another shape, or missing from the test is a divergence;
 *   so is a test occurrence beyond the reference's count of a key the reference has.
 *   Keys the reference does not have at all are reported as extra, not a divergence.
 * - Set-up (`key=` form) and diagnostic (TAP5…) keys are compared and reported, never decisive:
 *   a test trace may omit them.
 * - A trace without a per-pixel block (masked or out-of-ROI pixel, or not a trace) is bad input.
 */

import {createTwoFilesPatch} from 'diff';

import {detectAttributions, type Attribution} from './attribution.js';
import {loadCatalogue, type KeyCatalogue, type KeyKind, type KeyScope} from './catalogue.js';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';
import {TraceInputError} from './errors.js';
import {compareValues, type Tolerance} from './numeric.js';
import {hasPixelBlock, parseTrace, streamTraceFile, type ParsedTrace, type PhiRow, type Prefix, type TraceEntry, type TraceLines, type TraceValue} from './parse.js';
import {comparePhiRows, type PerPhiComparison} from './perphi.js';

export type KeyStatus = 'pass' | 'fail' | 'nan' | 'shape' | 'missing' | 'extra';

export interface KeyComparison {
  key: string;
  /** 1-based occurrence of the key */
  occurrence: number;
  scope: KeyScope;
  stage: string;
  kind: KeyKind;
  unit: string;
  /** false for keys the catalogue does not list */
  known: boolean;
  ref: TraceValue | null;
  test: TraceValue | null;
  abs_delta: number | null;
  rel_delta: number | null;
  status: KeyStatus;
  /** true when this entry makes the verdict a divergence */
  counts: boolean;
  /** absolute tolerance applied */
  atol: number;
  note?: string;
  /** line numbers in the two files */
  ref_line: number | null;
  test_line: number | null;
}

export interface InputInfo {
  path: string;
  sha256: string;
  bytes: number;
  prefix: Prefix | null;
  pixel: {slow: number; fast: number} | null;
}

export interface TraceComparison {
  verdict: 'pass' | 'divergence';
  tolerance: Tolerance;
  /** catalogue floors used when tolerance.atol is null */
  key_atol: Record<string, number>;
  keys: KeyComparison[];
  first_divergence: KeyComparison | null;
  missing: KeyComparison[];
  extra: KeyComparison[];
  per_phi: PerPhiComparison;
  attributions: Attribution[];
  /** unified diff of the per-pixel key sequences when they differ, else null */
  key_order_diff: string | null;
  inputs: {ref: InputInfo; test: InputInfo};
  pixel: {slow: number; fast: number} | null;
  counts: {
    compared: number;
    pass: number;
    fail: number;
    nan: number;
    shape: number;
    missing: number;
    extra: number;
    /** entries that make the verdict a divergence */
    divergent: number;
    setup_not_passing: number;
  };
}

export interface CompareOptions {
  /** relative tolerance; default 1e-6 */
  rtol?: number;
  /** absolute tolerance for every key; default: the catalogue's per-key floor, else 0 */
  atol?: number | null;
  /** the harness command line that produced the test trace, for the confirm command of an attribution */
  harnessCommand?: string;
  refPrefix?: Prefix;
  testPrefix?: Prefix;
}

export interface TraceInput {
  path: string;
  /** the trace's text, or (read from a file) only its trace lines: a bundle copies the file from disk */
  text: string | TraceLines;
  sha256: string;
  bytes: number;
}

export const DEFAULT_RTOL = 1e-6;

export function readTraceInput(path: string): TraceInput {
  const {lines, sha256, bytes, truncated} = streamTraceFile(path);
  if (truncated) throw truncated;
  return {path, text: lines, sha256, bytes};
}

function scopeOfForm(entry: TraceEntry): KeyScope {
  if (entry.form === 'setup') return 'setup';
  if (entry.form === 'pixel') return 'pixel';
  return /^SOURCE\d+$/.test(entry.channel ?? '') ? 'pixel' : 'diagnostic';
}

function phiEntries(rows: PhiRow[]): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (const row of rows) {
    for (const f of ['phi_tic', 'phi_deg', 'k_frac', 'F_latt_b', 'F_latt'] as const) {
      out.push({
        key: `PHI.${f}`,
        form: 'channel',
        channel: 'PHI',
        value: {raw: row.raw[f] ?? String(row[f]), numbers: [row[f]], names: null, shape: 'list'},
        line: row.line,
        occurrence: row.index + 1,
      });
    }
  }
  return out;
}

function groupByKey(entries: TraceEntry[]): Map<string, TraceEntry[]> {
  const m = new Map<string, TraceEntry[]>();
  for (const e of entries) {
    const list = m.get(e.key);
    if (list) list.push(e);
    else m.set(e.key, [e]);
  }
  return m;
}

/** The per-pixel key sequence (pixel form, channels, one `PHI` per phi line) in file order. */
function pixelSequence(trace: ParsedTrace): string[] {
  const items: Array<{line: number; key: string}> = trace.entries
    .filter((e) => e.form !== 'setup')
    .map((e) => ({line: e.line, key: e.key}));
  for (const r of trace.phi) items.push({line: r.line, key: 'PHI'});
  items.sort((a, b) => a.line - b.line);
  // named-field channel lines give several keys on one line: keep them in order
  return items.map((i) => i.key);
}

/**
 * A trace without a per-pixel block: with set-up lines it is what C prints for a pixel it did not
 * render (outside -roi, masked): nothing to judge, exit 5; without any trace line it is not a
 * trace at all, exit 3.
 */
function requirePixelBlock(trace: ParsedTrace, what: string): void {
  if (hasPixelBlock(trace)) return;
  if (trace.prefix) {
    throw new TraceInputError(`${what} has set-up lines but no per-pixel block (TRACE_${trace.prefix}): a pixel outside -roi or masked, so nothing to compare`, EXIT.NOT_RENDERED);
  }
  throw new TraceInputError(`${what} has no trace lines (TRACE_C, TRACE_PY or TRACE_TS): not a trace`);
}

export function compareParsedTraces(
  ref: ParsedTrace,
  test: ParsedTrace,
  inputs: {ref: Omit<InputInfo, 'prefix' | 'pixel'>; test: Omit<InputInfo, 'prefix' | 'pixel'>},
  options: CompareOptions = {},
): TraceComparison {
  const rtol = options.rtol ?? DEFAULT_RTOL;
  const atol = options.atol ?? null;
  if (!(rtol >= 0) || !Number.isFinite(rtol)) throw new UserError(`--tolerance: expected a finite number >= 0, got ${rtol}`, EXIT.USAGE);
  if (atol !== null && (!(atol >= 0) || !Number.isFinite(atol))) throw new UserError(`--atol: expected a finite number >= 0, got ${atol}`, EXIT.USAGE);
  requirePixelBlock(ref, `the reference ${inputs.ref.path}`);
  requirePixelBlock(test, `the test ${inputs.test.path}`);
  if (ref.pixel && test.pixel && (ref.pixel.slow !== test.pixel.slow || ref.pixel.fast !== test.pixel.fast)) {
    throw new TraceInputError(
      `the traces are of different pixels: reference slow ${ref.pixel.slow}, fast ${ref.pixel.fast}; ` +
        `test slow ${test.pixel.slow}, fast ${test.pixel.fast}`,
      EXIT.IDENTITY,
    );
  }

  const catalogue: KeyCatalogue = loadCatalogue();
  const tol: Tolerance = {rtol, atol};
  const atolOf = (key: string) => atol ?? catalogue.get(key)?.atol ?? 0;

  const refEntries = [...ref.entries, ...phiEntries(ref.phi)];
  const testEntries = [...test.entries, ...phiEntries(test.phi)];
  const refBy = groupByKey(refEntries);
  const testBy = groupByKey(testEntries);
  const allKeys = [...new Set([...refBy.keys(), ...testBy.keys()])];
  // How far down the pipeline the reference's per-pixel block gets. A reference cut at a line
  // boundary lacks its last keys entirely; the test's catalogued per-pixel keys past that point
  // are then decisive, or a truncated reference would pass by having nothing left to compare.
  let refReach = -1;
  for (const e of refEntries) {
    const k = catalogue.get(e.key);
    if (k?.known && k.scope === 'pixel') refReach = Math.max(refReach, k.order);
  }

  const keys: KeyComparison[] = [];
  for (const key of allKeys) {
    const r = refBy.get(key) ?? [];
    const t = testBy.get(key) ?? [];
    const sample = r[0] ?? t[0];
    const spec = catalogue.resolve(key, {
      scope: scopeOfForm(sample),
      components: sample.value.numbers?.length ?? null,
      numeric: sample.value.numbers !== null,
    });
    const n = Math.max(r.length, t.length);
    for (let i = 0; i < n; i++) {
      const re = r[i];
      const te = t[i];
      const base = {
        key,
        occurrence: i + 1,
        scope: spec.scope,
        stage: spec.stage,
        kind: spec.kind,
        unit: spec.unit,
        known: spec.known,
        ref: re?.value ?? null,
        test: te?.value ?? null,
        atol: atolOf(key),
        ref_line: re?.line ?? null,
        test_line: te?.line ?? null,
      };
      if (re && te) {
        const d = compareValues(spec.kind, re.value, te.value, base.atol, rtol);
        keys.push({...base, ...d, counts: spec.scope === 'pixel' && d.status !== 'pass'});
      } else if (re) {
        keys.push({...base, abs_delta: null, rel_delta: null, status: 'missing', counts: spec.scope === 'pixel', note: 'not in the test trace'});
      } else {
        const beyondReference = r.length === 0 && spec.known && spec.scope === 'pixel' && spec.order > refReach;
        keys.push({
          ...base,
          abs_delta: null,
          rel_delta: null,
          status: 'extra',
          counts: spec.scope === 'pixel' && (r.length > 0 || beyondReference),
          note:
            r.length > 0
              ? `the reference has ${r.length} occurrence(s)`
              : beyondReference
                ? 'the reference stops before this point of the pipeline (truncated reference?)'
                : 'not in the reference trace',
        });
      }
    }
  }
  const orderOf = (k: KeyComparison) => catalogue.get(k.key)!.order;
  keys.sort((a, b) => orderOf(a) - orderOf(b) || a.occurrence - b.occurrence);

  const per_phi = comparePhiRows(ref.phi, test.phi, tol, (f) => atolOf(`PHI.${f}`));

  const refSeq = pixelSequence(ref);
  const testSeq = pixelSequence(test);
  const key_order_diff =
    refSeq.join('\n') === testSeq.join('\n')
      ? null
      : createTwoFilesPatch(
          `reference (TRACE_${ref.prefix})`,
          `test (TRACE_${test.prefix})`,
          refSeq.join('\n') + '\n',
          testSeq.join('\n') + '\n',
          undefined,
          undefined,
          {context: 2},
        );

  const count = (s: KeyStatus) => keys.filter((k) => k.status === s).length;
  const divergent = keys.filter((k) => k.counts);
  const comparison: TraceComparison = {
    verdict: divergent.length > 0 ? 'divergence' : 'pass',
    tolerance: tol,
    key_atol: atol === null ? catalogue.keyAtols() : {},
    keys,
    first_divergence: divergent[0] ?? null,
    missing: keys.filter((k) => k.status === 'missing'),
    extra: keys.filter((k) => k.status === 'extra'),
    per_phi,
    attributions: [],
    key_order_diff,
    inputs: {
      ref: {...inputs.ref, prefix: ref.prefix, pixel: ref.pixel},
      test: {...inputs.test, prefix: test.prefix, pixel: test.pixel},
    },
    pixel: ref.pixel ?? test.pixel,
    counts: {
      compared: keys.filter((k) => k.ref && k.test).length,
      pass: count('pass'),
      fail: count('fail'),
      nan: count('nan'),
      shape: count('shape'),
      missing: count('missing'),
      extra: count('extra'),
      divergent: divergent.length,
      setup_not_passing: keys.filter((k) => k.scope === 'setup' && k.status !== 'pass').length,
    },
  };
  comparison.attributions = detectAttributions(comparison, ref, test, options.harnessCommand);
  return comparison;
}

/** Reads, parses and compares two trace texts (already read, with their hashes). */
export function compareTraceInputs(ref: TraceInput, test: TraceInput, options: CompareOptions = {}): TraceComparison {
  const refTrace = parseTrace(ref.text, {source: ref.path, prefix: options.refPrefix});
  const testTrace = parseTrace(test.text, {source: test.path, prefix: options.testPrefix});
  return compareParsedTraces(
    refTrace,
    testTrace,
    {
      ref: {path: ref.path, sha256: ref.sha256, bytes: ref.bytes},
      test: {path: test.path, sha256: test.sha256, bytes: test.bytes},
    },
    options,
  );
}

/** The comparison of two trace files. Throws TraceInputError (exit 3, 4 or 5) on bad input. */
export function compareTraceFiles(refPath: string, testPath: string, options: CompareOptions = {}): TraceComparison {
  return compareTraceInputs(readTraceInput(refPath), readTraceInput(testPath), options);
}

/** 0 when everything decisive is within tolerance, 1 on divergence. */
export function exitCodeOf(comparison: TraceComparison): 0 | 1 {
  return comparison.verdict === 'pass' ? 0 : 1;
}
