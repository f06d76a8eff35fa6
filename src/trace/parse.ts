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

export interface RawLine {
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

/**
 * What parseTrace needs of a text: its trace lines with their line numbers, the pixel of its
 * TRACE_CONFIG line and a count of the other lines. A file read in pieces keeps only these, so a
 * valid block padded with any amount of other text costs the memory of the block.
 */
export interface TraceLines {
  raw: RawLine[];
  seen: Set<Prefix>;
  pixel: {slow: number; fast: number} | null;
  ignored: number;
}

/** Collects TraceLines line by line, refusing a second pixel block as it starts. */
export class TraceLineCollector {
  private readonly watcher: PixelBlockWatcher;
  private readonly lines: TraceLines = {raw: [], seen: new Set(), pixel: null, ignored: 0};
  constructor(source: string) {
    this.watcher = new PixelBlockWatcher(source);
  }

  line(content: string, lineNo: number): void {
    this.watcher.line(content, lineNo);
    const m = LINE.exec(content);
    if (m) {
      const prefix = m[1] as Prefix;
      this.lines.seen.add(prefix);
      this.lines.raw.push({prefix, channel: m[2] ?? null, rest: m[3], line: lineNo});
      return;
    }
    const c = CONFIG.exec(content);
    if (c && !this.lines.pixel) this.lines.pixel = {slow: Number(c[1]), fast: Number(c[2])};
    else this.other(content);
  }

  /** a line that is not a trace line (counted when not blank) */
  other(content: string): void {
    if (content.trim() !== '') this.lines.ignored++;
  }

  result(): TraceLines {
    return this.lines;
  }
}

/** A trace from its text, or from the trace lines a streamed read kept (streamTraceFile). */
export function parseTrace(input: string | TraceLines, options: ParseOptions = {}): ParsedTrace {
  let lines: TraceLines;
  if (typeof input === 'string') {
    const collector = new TraceLineCollector(options.source ?? 'trace');
    input.split(LINE_END).forEach((content, i) => collector.line(content, i + 1));
    lines = collector.result();
  } else {
    lines = input;
  }
  const {raw, seen, pixel, ignored} = lines;

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

/** A last line without its end-of-line that is (or starts as) a trace line: a trace cut short. */
function truncationError(last: string, lineNo: number, source: string): TraceInputError | null {
  if (!(LINE.test(last) || /^\s*TRACE_/.test(last))) return null;
  return new TraceInputError(`${source}:${lineNo}: the trace ends in the middle of a line (truncated?): '${last.slice(0, 60)}'`);
}

/**
 * TraceInputError when the text ends inside a trace line (no end-of-line after it): a trace cut
 * short by a crash or a full disk. Its last value may be cut too (`1.234` of `1.2345e-07`), so
 * comparing it could pass a number that was never printed. (streamTraceFile checks the same as it reads.)
 */
export function assertNotTruncated(text: string, source: string): void {
  if (text === '' || text.endsWith('\n') || text.endsWith('\r')) return;
  const start = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1;
  const error = truncationError(text.slice(start), text.slice(0, start).split(LINE_END).length, source);
  if (error) throw error;
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

/** The longest line kept: a trace line is under 1 KiB; a longer line that is not one is skipped as it streams. */
export const TRACE_LINE_CAP_CHARS = 1 << 20;

/**
 * Pieces of 64 KiB: the text decoder turns a piece of about 1 MiB or more into a string held
 * outside the JavaScript heap, which the collector frees late (a 200 MB file then held ~190 MB
 * resident, against ~80 MB in 64 KiB pieces).
 */
const TRACE_CHUNK_BYTES = 64 * 1024;

/** Per-phi tables written as CSV, TSV or JSON (perphi.ts reads them whole). */
const TABLE_EXTENSION = /\.(csv|tsv|tab|json)$/i;
/** A first line that makes a file without such an extension a table (perphi.ts's detection). */
function tableLikeFirstLine(first: string): boolean {
  return /^\s*[[{]/.test(first) || (/phi_tic/i.test(first) && (first.includes('\t') || first.includes(',')));
}

/** A trace file read in pieces: its trace lines, hash and size, and (for a per-phi table) its text. */
export interface StreamedTrace {
  lines: TraceLines;
  sha256: string;
  bytes: number;
  /** the first line that is neither blank nor a `#` comment ('' if none; at most TRACE_LINE_CAP_CHARS) */
  firstLine: string;
  /** the whole text, kept only when asked for and the file looks like a CSV/TSV/JSON table */
  tableText: string | null;
  /** the error to raise when the file is read as a trace: its last line is a trace line cut short */
  truncated: TraceInputError | null;
}

/**
 * Read a trace file in pieces (through src/io/input.ts: regular files only, under the text cap;
 * `-` reads standard input), checking as the lines arrive what traceFileText checks on the whole
 * (NUL bytes, UTF-8) and refusing a second pixel block as soon as it starts: a file of a million
 * concatenated blocks is refused after reading two, never parsed whole. Only the trace lines are
 * kept (a bundle copies the file from disk), so a valid block followed by any amount of other
 * text costs the memory of the block; a line longer than TRACE_LINE_CAP_CHARS is skipped as it
 * streams, or refused (exit 3) when it is a trace line. `keepTable`: keep the whole text when the
 * file is a per-phi table (a .csv/.tsv/.json name, or a first line like one).
 */
export function streamTraceFile(path: string, o: {keepTable?: boolean} = {}): StreamedTrace {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', {fatal: true});
  const collector = new TraceLineCollector(path);
  let keepText = o.keepTable === true;
  let tableParts: string[] = [];
  let firstLine: string | null = null;
  let bytes = 0;
  let pending = '';
  // the line being read is over the cap: its remaining text is dropped until its end
  let skipping = false;
  let lineNo = 0;
  const noteFirst = (l: string) => {
    if (firstLine !== null || l.trim() === '' || l.trim().startsWith('#')) return;
    firstLine = l;
    if (keepText && !TABLE_EXTENSION.test(path) && !tableLikeFirstLine(l)) {
      keepText = false;
      tableParts = [];
    }
  };
  const complete = (l: string) => {
    lineNo++;
    noteFirst(l);
    collector.line(l, lineNo);
  };
  const feed = (text: string, last: boolean) => {
    let t = text;
    if (skipping) {
      const end = t.search(/[\r\n]/);
      if (end < 0) return;
      // the skipped line ends here: its end-of-line closes it as an empty line below
      skipping = false;
      t = t.slice(end);
    }
    pending += t;
    // hold a trailing CR back: it may be the first half of a CRLF split across pieces
    const hold = !last && pending.endsWith('\r') ? '\r' : '';
    const lines = pending.slice(0, pending.length - hold.length).split(LINE_END);
    pending = last ? '' : (lines.pop() ?? '') + hold;
    for (const l of lines) complete(l);
    if (pending.length > TRACE_LINE_CAP_CHARS) {
      if (/^\s*TRACE_/.test(pending)) {
        throw new TraceInputError(`${path}:${lineNo + 1}: a trace line over ${TRACE_LINE_CAP_CHARS} characters; not a trace nbparity reads`);
      }
      noteFirst(pending.slice(0, TRACE_LINE_CAP_CHARS));
      collector.other(pending);
      pending = '';
      skipping = true;
    }
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
    if (keepText) tableParts.push(text);
    feed(text, false);
  }, {allowStdin: true}, TRACE_CHUNK_BYTES);
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw new TraceInputError(`${path} is binary (not UTF-8 text), not a text trace`);
  }
  if (keepText) tableParts.push(tail);
  // the last line, when the text does not end with an end-of-line
  const lastLine = skipping ? '' : pending + tail;
  feed(tail, true);
  if (bytes === 0) throw new TraceInputError(`${path} is empty`);
  return {
    lines: collector.result(),
    sha256: hash.digest('hex'),
    bytes,
    firstLine: firstLine ?? '',
    tableText: keepText ? tableParts.join('') : null,
    truncated: lastLine === '' || /[\r\n]$/.test(lastLine) ? null : truncationError(lastLine.split(LINE_END).pop() ?? '', lineNo, path),
  };
}
