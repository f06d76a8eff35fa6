/**
 * Parser for nanoBragg per-pixel traces: TRACE_C (the C reference), TRACE_PY (the PyTorch port)
 * and TRACE_TS (this project). See traces/README.md for the format; src/trace/README.md for the
 * policy. Recognised lines:
 *
 *   TRACE_X: key v1 [v2 v3]          per-pixel form (a space after the colon)
 *   TRACE_X:key=values               set-up form; values may be `a b c`, `[a b c; d e f; g h i]`,
 *                                    `name:value name:value`, or free text
 *   TRACE_X_PHI name=v name=v …      one line per phi step (optionally with a colon)
 *   TRACE_X_CHANNEL: key v1 …        channels such as SOURCE2 and TAP5 -> key `CHANNEL.key`
 *   TRACE_X_CHANNEL: a=v1 v2 b=v3 …  named fields (TAP5_HKL) -> keys `CHANNEL.a`, `CHANNEL.b`
 *   TRACE_CONFIG: tracing pixel (spixel=S, fpixel=F)   the traced pixel
 *
 * Everything else (progress lines, `TRACE:` notes, plain output) is ignored. Repeated keys are kept
 * in file order with a 1-based occurrence number per key.
 */
import {createHash} from 'node:crypto';
import {readInputFile, streamInput} from '../io/input.js';
import {TraceInputError} from './errors.js';

export type Prefix = 'C' | 'PY' | 'TS';
export const PREFIXES: readonly Prefix[] = ['C', 'PY', 'TS'];

export type ValueShape = 'list' | 'matrix' | 'pairs' | 'text';

export interface TraceValue {
  /** the value text as printed (trimmed) */
  raw: string;
  /** numeric components (matrix row-major, pair values); null when the value is not numeric */
  numbers: number[] | null;
  /** names of `name:value` pairs */
  names: string[] | null;
  shape: ValueShape;
}

export type LineForm = 'pixel' | 'setup' | 'channel';

export interface TraceEntry {
  key: string;
  form: LineForm;
  channel: string | null;
  value: TraceValue;
  /** 1-based line number in the file */
  line: number;
  /** 1-based occurrence of this key in the file */
  occurrence: number;
}

export interface PhiRow {
  /** 0-based row index in file order */
  index: number;
  /** 0-based sub-path group: a new group starts when phi_tic does not increase */
  group: number;
  line: number;
  phi_tic: number;
  phi_deg: number;
  k_frac: number;
  F_latt_b: number;
  F_latt: number;
  /** every field of the line, as printed */
  raw: Record<string, string>;
}

export interface ParsedTrace {
  source?: string;
  /** the prefix family whose lines were used (null: no trace lines at all) */
  prefix: Prefix | null;
  /** every prefix family present in the text */
  prefixes: Prefix[];
  entries: TraceEntry[];
  phi: PhiRow[];
  pixel: {slow: number; fast: number} | null;
  counts: {pixel: number; setup: number; channel: number; phi: number; ignored: number};
}

export interface ParseOptions {
  /** which family to read when a text mixes several (else: the only one present) */
  prefix?: Prefix;
  /** file name, for messages */
  source?: string;
}

const LINE = /^\s*TRACE_(C|PY|TS)(?:_([A-Za-z][A-Za-z0-9_]*))?(?::|(?=\s))(.*)$/;
const CONFIG = /^\s*TRACE_CONFIG:\s*tracing pixel \(spixel=(-?\d+),\s*fpixel=(-?\d+)\)/;
// `1.0D+00` is Fortran's double-precision exponent (traces printed by Fortran ports)
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const NAMED = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const PAIR = /^([A-Za-z_][A-Za-z0-9_]*):(.+)$/;

/** A number as C's printf or Python prints it (`-0`, `1e+24`, `nan`, `-nan`, `inf`); null if not one. */
export function parseNumber(token: string): number | null {
  const t = token.trim();
  if (/^[+-]?nan(?:\(.*\))?$/i.test(t)) return NaN;
  if (/^[+-]?inf(?:inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!NUMBER.test(t)) return null;
  return Number(t.replace(/[dD]/, 'e'));
}

function numbersOf(tokens: string[]): number[] | null {
  const out: number[] = [];
  for (const t of tokens) {
    const n = parseNumber(t);
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/** Values of the per-pixel form: numbers separated by blanks, else text. */
export function parseListValue(raw: string): TraceValue {
  const text = raw.trim();
  const tokens = text === '' ? [] : text.split(/\s+/);
  const numbers = numbersOf(tokens);
  return numbers === null
    ? {raw: text, numbers: null, names: null, shape: 'text'}
    : {raw: text, numbers, names: null, shape: 'list'};
}

/** Values of the set-up form: list, `[3x3; …]` matrix, `name:value` pairs, or text. */
export function parseSetupValue(raw: string): TraceValue {
  const text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    const tokens = text.slice(1, -1).split(/[;,\s]+/).filter((t) => t !== '');
    const numbers = numbersOf(tokens);
    if (numbers) return {raw: text, numbers, names: null, shape: 'matrix'};
  }
  const tokens = text === '' ? [] : text.split(/\s+/);
  if (tokens.length > 0 && tokens.every((t) => PAIR.test(t))) {
    const names: string[] = [];
    const values: string[] = [];
    for (const t of tokens) {
      const m = PAIR.exec(t)!;
      names.push(m[1]);
      values.push(m[2]);
    }
    const numbers = numbersOf(values);
    if (numbers) return {raw: text, numbers, names, shape: 'pairs'};
  }
  return parseListValue(text);
}

/** `a=1 2 b=3` -> [{name:a, tokens:[1,2]}, {name:b, tokens:[3]}]; null if it does not start with name=. */
function namedFields(text: string): Array<{name: string; tokens: string[]}> | null {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  const out: Array<{name: string; tokens: string[]}> = [];
  for (const t of tokens) {
    const m = NAMED.exec(t);
    if (m) {
      out.push({name: m[1], tokens: m[2] === '' ? [] : [m[2]]});
    } else if (out.length === 0) {
      return null;
    } else {
      out[out.length - 1].tokens.push(t);
    }
  }
  return out.length > 0 ? out : null;
}

interface RawLine {
  prefix: Prefix;
  channel: string | null;
  rest: string;
  line: number;
}

/** Line ends: LF, CRLF, or CR alone (old Mac tools). */
export const LINE_END = /\r\n|\r|\n/;

/**
 * One trace file holds one pixel. A second pixel block (a per-pixel line after the block's
 * closing `floatimage_accumulated`, a second `I_pixel_final`, or a second TRACE_CONFIG line) is
 * bad input, found as the lines stream past, so a file of many concatenated blocks is refused
 * after its second block, in memory for one.
 */
export class PixelBlockWatcher {
  private readonly closed = new Map<string, number>();
  private readonly finals = new Map<string, number>();
  private config: number | null = null;
  constructor(private readonly source: string) {}

  line(content: string, lineNo: number): void {
    if (CONFIG.test(content)) {
      if (this.config !== null) this.second(lineNo, `a second TRACE_CONFIG line (the first at line ${this.config})`);
      this.config = lineNo;
      return;
    }
    const m = LINE.exec(content);
    if (!m || m[2] !== undefined || !/^\s/.test(m[3])) return;
    const key = m[3].trim().split(/\s+/)[0];
    if (key === '') return;
    const prefix = m[1];
    const closedAt = this.closed.get(prefix);
    if (closedAt !== undefined) this.second(lineNo, `'${key}' after the block closed with floatimage_accumulated at line ${closedAt}`);
    if (key === 'floatimage_accumulated') this.closed.set(prefix, lineNo);
    if (key === 'I_pixel_final') {
      const first = this.finals.get(prefix);
      if (first !== undefined) this.second(lineNo, `a second I_pixel_final (the first at line ${first})`);
      this.finals.set(prefix, lineNo);
    }
  }

  private second(lineNo: number, why: string): never {
    throw new TraceInputError(`${this.source}:${lineNo}: a second pixel block starts here (${why}); a trace file holds one pixel, split it`);
  }
}

export function parseTrace(text: string, options: ParseOptions = {}): ParsedTrace {
  const lines = text.split(LINE_END);
  const watcher = new PixelBlockWatcher(options.source ?? 'trace');
  const raw: RawLine[] = [];
  const seen = new Set<Prefix>();
  let pixel: {slow: number; fast: number} | null = null;
  let ignored = 0;
  lines.forEach((content, i) => {
    watcher.line(content, i + 1);
    const m = LINE.exec(content);
    if (m) {
      const prefix = m[1] as Prefix;
      seen.add(prefix);
      raw.push({prefix, channel: m[2] ?? null, rest: m[3], line: i + 1});
      return;
    }
    const c = CONFIG.exec(content);
    if (c && !pixel) pixel = {slow: Number(c[1]), fast: Number(c[2])};
    else if (content.trim() !== '') ignored++;
  });

  const prefixes = PREFIXES.filter((p) => seen.has(p));
  let prefix: Prefix | null;
  if (options.prefix) {
    prefix = options.prefix;
  } else if (prefixes.length <= 1) {
    prefix = prefixes[0] ?? null;
  } else {
    throw new TraceInputError(
      `${options.source ?? 'trace'} mixes ${prefixes.map((p) => `TRACE_${p}`).join(', ')} lines; choose one prefix`,
    );
  }

  const result: ParsedTrace = {
    source: options.source,
    prefix,
    prefixes,
    entries: [],
    phi: [],
    pixel,
    counts: {pixel: 0, setup: 0, channel: 0, phi: 0, ignored},
  };
  const occurrences = new Map<string, number>();
  const push = (key: string, form: LineForm, channel: string | null, value: TraceValue, line: number) => {
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    result.entries.push({key, form, channel, value, line, occurrence});
    result.counts[form]++;
  };

  let group = 0;
  let lastTic: number | null = null;
  for (const r of raw) {
    if (r.prefix !== prefix) {
      result.counts.ignored++;
      continue;
    }
    if (r.channel === 'PHI') {
      const fields = namedFields(r.rest);
      if (!fields) {
        result.counts.ignored++;
        continue;
      }
      const rawFields: Record<string, string> = {};
      for (const f of fields) rawFields[f.name] = f.tokens.join(' ');
      const num = (name: string) => parseNumber(rawFields[name] ?? '') ?? NaN;
      const tic = num('phi_tic');
      if (lastTic !== null && !(tic > lastTic)) group++;
      lastTic = tic;
      result.phi.push({
        index: result.phi.length,
        group,
        line: r.line,
        phi_tic: tic,
        phi_deg: num('phi_deg'),
        k_frac: num('k_frac'),
        F_latt_b: num('F_latt_b'),
        F_latt: num('F_latt'),
        raw: rawFields,
      });
      result.counts.phi++;
      continue;
    }
    if (r.channel !== null) {
      const fields = namedFields(r.rest);
      if (fields) {
        for (const f of fields) push(`${r.channel}.${f.name}`, 'channel', r.channel, parseListValue(f.tokens.join(' ')), r.line);
      } else {
        const body = r.rest.trim();
        if (body === '') {
          result.counts.ignored++;
          continue;
        }
        const [key, ...rest] = body.split(/\s+/);
        push(`${r.channel}.${key}`, 'channel', r.channel, parseListValue(rest.join(' ')), r.line);
      }
      continue;
    }
    // set-up form: no blank after the colon and `key=`
    const setup = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(r.rest);
    if (setup) {
      push(setup[1], 'setup', null, parseSetupValue(setup[2]), r.line);
      continue;
    }
    const body = r.rest.trim();
    if (body === '') {
      result.counts.ignored++;
      continue;
    }
    const [key, ...rest] = body.split(/\s+/);
    push(key, 'pixel', null, parseListValue(rest.join(' ')), r.line);
  }
  return result;
}

/**
 * The text of a trace or per-phi file, or TraceInputError (exit 3) naming the file when it is
 * empty or binary: random bytes would otherwise parse as "no trace lines" and hide the cause.
 */
export function traceFileText(buf: Uint8Array, source: string): string {
  if (buf.length === 0) throw new TraceInputError(`${source} is empty`);
  const nul = buf.indexOf(0);
  if (nul >= 0) throw new TraceInputError(`${source} is binary (a NUL byte at offset ${nul}), not a text trace`);
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(buf);
  } catch {
    throw new TraceInputError(`${source} is binary (not UTF-8 text), not a text trace`);
  }
}

/**
 * TraceInputError when the text ends inside a trace line (no end-of-line after it): a trace cut
 * short by a crash or a full disk. Its last value may be cut too (`1.234` of `1.2345e-07`), so
 * comparing it could pass a number that was never printed.
 */
export function assertNotTruncated(text: string, source: string): void {
  if (text === '' || text.endsWith('\n') || text.endsWith('\r')) return;
  const start = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
  const last = text.slice(start);
  if (LINE.test(last) || /^\s*TRACE_/.test(last)) {
    const lineNo = text.slice(0, start).split(LINE_END).length;
    throw new TraceInputError(`${source}:${lineNo}: the trace ends in the middle of a line (truncated?): '${last.slice(0, 60)}'`);
  }
}

/** true when the trace has a per-pixel block (a masked or out-of-ROI pixel has none). */
export function hasPixelBlock(trace: ParsedTrace): boolean {
  return trace.counts.pixel > 0;
}

/** Rewrites the trace prefix of every trace line (TRACE_C -> TRACE_TS …); other lines unchanged. */
export function rewritePrefix(text: string, from: Prefix, to: Prefix): string {
  return text.replace(new RegExp(`^(\\s*)TRACE_${from}(?=[:_\\s])`, 'gm'), `$1TRACE_${to}`);
}

/** The bytes of an input file, or the one unreadable-input error (exit 3) naming it. */
export function readInputBytes(path: string): Buffer {
  return readInputFile(path);
}

/** A trace file read in pieces: its text, hash and size. */
export interface StreamedTrace {
  text: string;
  sha256: string;
  bytes: number;
}

/**
 * Read a trace file in pieces (through src/io/input.ts: regular files only, under the text cap;
 * `-` reads standard input), checking as the lines arrive what traceFileText checks on the whole
 * (NUL bytes, UTF-8) and refusing a second pixel block as soon as it starts: a file of a million
 * concatenated blocks is refused after reading two, never parsed whole.
 */
export function streamTraceFile(path: string): StreamedTrace {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', {fatal: true});
  const watcher = new PixelBlockWatcher(path);
  const parts: string[] = [];
  let bytes = 0;
  let pending = '';
  let lineNo = 0;
  const feed = (text: string, last: boolean) => {
    pending += text;
    // hold a trailing CR back: it may be the first half of a CRLF split across pieces
    const hold = !last && pending.endsWith('\r') ? '\r' : '';
    const lines = pending.slice(0, pending.length - hold.length).split(LINE_END);
    pending = last ? '' : (lines.pop() ?? '') + hold;
    for (const l of lines) watcher.line(l, ++lineNo);
  };
  streamInput(path, (chunk) => {
    const nul = chunk.indexOf(0);
    if (nul >= 0) throw new TraceInputError(`${path} is binary (a NUL byte at offset ${bytes + nul}), not a text trace`);
    hash.update(chunk);
    bytes += chunk.length;
    let text: string;
    try {
      text = decoder.decode(chunk, {stream: true});
    } catch {
      throw new TraceInputError(`${path} is binary (not UTF-8 text), not a text trace`);
    }
    parts.push(text);
    feed(text, false);
  }, {allowStdin: true});
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw new TraceInputError(`${path} is binary (not UTF-8 text), not a text trace`);
  }
  parts.push(tail);
  feed(tail, true);
  if (bytes === 0) throw new TraceInputError(`${path} is empty`);
  return {text: parts.join(''), sha256: hash.digest('hex'), bytes};
}
