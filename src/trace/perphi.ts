/**
 * Per-phi tables: the TRACE_*_PHI lines of a trace, or a CSV/TSV/JSON table as the PyTorch port's
 * scripts wrote (columns phi_tic, phi_deg, k_frac, F_latt_b, F_latt; JSON: an array of such
 * objects, or an object holding one under `traces`, `rows` or `per_phi`). Rows are compared in
 * order; a new sub-path group starts whenever phi_tic does not increase.
 */
import {extname} from 'node:path';

import {parse as parseCsv} from 'csv-parse/sync';

import {TraceInputError} from './errors.js';
import {compareIntegers, compareScalar, type Tolerance, type ValueStatus} from './numeric.js';
import {parseNumber, parseTrace, streamTraceFile, type ParseOptions, type PhiRow, type TraceLines} from './parse.js';

export const PHI_FIELDS = ['phi_tic', 'phi_deg', 'k_frac', 'F_latt_b', 'F_latt'] as const;
export type PhiField = (typeof PHI_FIELDS)[number];
/** fields compared with the tolerance (phi_tic is compared exactly) */
export const PHI_VALUE_FIELDS = ['phi_deg', 'k_frac', 'F_latt_b', 'F_latt'] as const;

export type PhiFormat = 'trace' | 'csv' | 'tsv' | 'json';

export interface PhiTable {
  source: string;
  format: PhiFormat;
  rows: PhiRow[];
  sha256?: string;
  /** the pixel the table states (a trace's TRACE_CONFIG line, the port's JSON `pixel`), else null */
  pixel: {slow: number; fast: number} | null;
  /** the precision the port's JSON states (`dtype`, e.g. "float32"), else null */
  dtype?: string | null;
}

function groupRows(rows: Omit<PhiRow, 'index' | 'group'>[]): PhiRow[] {
  let group = 0;
  let last: number | null = null;
  return rows.map((r, index) => {
    if (last !== null && !(r.phi_tic > last)) group++;
    last = r.phi_tic;
    return {...r, index, group};
  });
}

function rowsFromRecords(records: Array<Record<string, unknown>>, source: string): PhiRow[] {
  if (records.length === 0) throw new TraceInputError(`${source}: the per-phi table has no rows`);
  const lower = new Map<string, string>();
  for (const k of Object.keys(records[0])) lower.set(k.trim().toLowerCase(), k);
  const column = (f: PhiField) => {
    const k = lower.get(f.toLowerCase());
    if (k === undefined) {
      throw new TraceInputError(`${source}: the per-phi table lacks the column ${f} (needs ${PHI_FIELDS.join(', ')})`);
    }
    return k;
  };
  const cols = Object.fromEntries(PHI_FIELDS.map((f) => [f, column(f)])) as Record<PhiField, string>;
  const rows = records.map((rec, i) => {
    const raw: Record<string, string> = {};
    const num = (f: PhiField) => {
      const v = rec[cols[f]];
      raw[f] = v === null || v === undefined ? '' : String(v);
      const n = typeof v === 'number' ? v : parseNumber(raw[f]);
      if (n === null) throw new TraceInputError(`${source}: row ${i + 1}: ${f} is not a number (${JSON.stringify(v)})`);
      return n;
    };
    return {
      line: i + 2,
      phi_tic: num('phi_tic'),
      phi_deg: num('phi_deg'),
      k_frac: num('k_frac'),
      F_latt_b: num('F_latt_b'),
      F_latt: num('F_latt'),
      raw,
    };
  });
  return groupRows(rows);
}

function detectFormat(text: string, name: string): PhiFormat {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  return formatOf(name, /^\s*TRACE_(C|PY|TS)_PHI\b/m.test(text), first);
}

/** The format by extension, else by content: per-phi trace lines anywhere, else the first line. */
function formatOf(name: string, hasPhiLines: boolean, first: string): PhiFormat {
  const ext = extname(name).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.json') return 'json';
  if (hasPhiLines) return 'trace';
  if (/^\s*[[{]/.test(first)) return 'json';
  if (/phi_tic/i.test(first) && first.includes('\t')) return 'tsv';
  if (/phi_tic/i.test(first) && first.includes(',')) return 'csv';
  return 'trace';
}

/** A per-phi table from text; `name` decides the format by extension, else by content. */
export function phiTableFromText(text: string, name: string, options: ParseOptions = {}): PhiTable {
  return phiTable(text, detectFormat(text, name), name, options);
}

function phiTable(text: string | TraceLines, format: PhiFormat, name: string, options: ParseOptions): PhiTable {
  if (typeof text !== 'string' || format === 'trace') {
    const parsed = parseTrace(text, {...options, source: name});
    return {source: name, format, rows: parsed.phi, pixel: parsed.pixel};
  }
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new TraceInputError(`${name}: not valid JSON (${(error as Error).message})`);
    }
    const obj = data as Record<string, unknown>;
    // the port's trace harness writes {pixel: {slow, fast}, dtype, per_phi_entries: [...]}
    const list = Array.isArray(data) ? data : (obj?.per_phi_entries ?? obj?.traces ?? obj?.rows ?? obj?.per_phi);
    if (!Array.isArray(list)) throw new TraceInputError(`${name}: JSON per-phi table must be an array or hold one under per_phi_entries/traces/rows/per_phi`);
    return {source: name, format, rows: rowsFromRecords(list as Array<Record<string, unknown>>, name), pixel: jsonPixel(obj?.pixel), dtype: typeof obj?.dtype === 'string' ? obj.dtype : null};
  }
  let records: Array<Record<string, string>>;
  try {
    records = parseCsv(text, {
      columns: true,
      delimiter: format === 'tsv' ? '\t' : ',',
      comment: '#',
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as Array<Record<string, string>>;
  } catch (error) {
    throw new TraceInputError(`${name}: cannot read the ${format.toUpperCase()} table (${(error as Error).message})`);
  }
  return {source: name, format, rows: rowsFromRecords(records, name), pixel: null};
}

function jsonPixel(p: unknown): {slow: number; fast: number} | null {
  const o = p as {slow?: unknown; fast?: unknown} | null | undefined;
  return o && Number.isInteger(o.slow) && Number.isInteger(o.fast) ? {slow: o.slow as number, fast: o.fast as number} : null;
}

export function loadPhiTable(path: string, options: ParseOptions = {}): PhiTable {
  // a trace keeps only its trace lines; a CSV/TSV/JSON table is read whole
  const st = streamTraceFile(path, {keepTable: true});
  const format = st.tableText === null ? 'trace' : formatOf(path, st.lines.raw.some((r) => r.channel === 'PHI'), st.firstLine);
  if (format === 'trace' && st.truncated) throw st.truncated;
  const table = phiTable(format === 'trace' ? st.lines : st.tableText!, format, path, options);
  table.sha256 = st.sha256;
  return table;
}

// ---------------------------------------------------------------------------------------------

export type PhiRowStatus = ValueStatus | 'missing' | 'extra';

export interface PhiRowComparison {
  row: number;
  group: number;
  /** the reference's phi_tic (the test's for an extra row) */
  phi_tic: number | null;
  phi_tic_ref: number | null;
  phi_tic_test: number | null;
  phi_deg_ref: number | null;
  phi_deg_test: number | null;
  phi_deg_delta: number | null;
  k_frac_ref: number | null;
  k_frac_test: number | null;
  k_frac_delta: number | null;
  k_frac_rel: number | null;
  F_latt_b_ref: number | null;
  F_latt_b_test: number | null;
  F_latt_b_delta: number | null;
  F_latt_b_rel: number | null;
  F_latt_ref: number | null;
  F_latt_test: number | null;
  F_latt_delta: number | null;
  F_latt_rel: number | null;
  status: PhiRowStatus;
  /** fields outside tolerance */
  divergent: string[];
}

export interface PerPhiComparison {
  rows: PhiRowComparison[];
  first_divergent_step: number | null;
  first_divergent_row: number | null;
  ref_rows: number;
  test_rows: number;
}

const jsonNum = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);

/**
 * Row-by-row comparison. `atolFor(field)` gives the absolute floor per field (phi_deg has its own
 * in the catalogue); phi_tic must be equal.
 */
export function comparePhiRows(
  ref: PhiRow[],
  test: PhiRow[],
  tol: Tolerance,
  atolFor: (field: string) => number = () => tol.atol ?? 0,
): PerPhiComparison {
  const rows: PhiRowComparison[] = [];
  const n = Math.max(ref.length, test.length);
  for (let i = 0; i < n; i++) {
    const r = ref[i];
    const t = test[i];
    const out: PhiRowComparison = {
      row: i,
      group: (r ?? t).group,
      phi_tic: jsonNum((r ?? t).phi_tic),
      phi_tic_ref: jsonNum(r?.phi_tic),
      phi_tic_test: jsonNum(t?.phi_tic),
      phi_deg_ref: jsonNum(r?.phi_deg),
      phi_deg_test: jsonNum(t?.phi_deg),
      phi_deg_delta: null,
      k_frac_ref: jsonNum(r?.k_frac),
      k_frac_test: jsonNum(t?.k_frac),
      k_frac_delta: null,
      k_frac_rel: null,
      F_latt_b_ref: jsonNum(r?.F_latt_b),
      F_latt_b_test: jsonNum(t?.F_latt_b),
      F_latt_b_delta: null,
      F_latt_b_rel: null,
      F_latt_ref: jsonNum(r?.F_latt),
      F_latt_test: jsonNum(t?.F_latt),
      F_latt_delta: null,
      F_latt_rel: null,
      status: 'pass',
      divergent: [],
    };
    if (!r || !t) {
      out.status = r ? 'missing' : 'extra';
      out.divergent = [...PHI_FIELDS];
      rows.push(out);
      continue;
    }
    const results: Array<[string, ValueStatus]> = [];
    const tic = compareIntegers([r.phi_tic], [t.phi_tic]);
    results.push(['phi_tic', tic.status]);
    for (const f of PHI_VALUE_FIELDS) {
      const d = compareScalar(r[f], t[f], atolFor(f), tol.rtol);
      results.push([f, d.status]);
      if (f === 'phi_deg') out.phi_deg_delta = d.abs_delta;
      else {
        out[`${f}_delta`] = d.abs_delta;
        out[`${f}_rel`] = d.rel_delta;
      }
    }
    out.divergent = results.filter(([, s]) => s !== 'pass').map(([f]) => f);
    out.status = results.some(([, s]) => s === 'nan') ? 'nan' : out.divergent.length > 0 ? 'fail' : 'pass';
    rows.push(out);
  }
  const first = rows.find((r) => r.status !== 'pass');
  return {
    rows,
    first_divergent_step: first ? first.phi_tic : null,
    first_divergent_row: first ? first.row : null,
    ref_rows: ref.length,
    test_rows: test.length,
  };
}
