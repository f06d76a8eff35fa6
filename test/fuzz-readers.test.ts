/**
 * Property tests of the input readers on random and mutated inputs (issue #7): whatever the bytes,
 * each reader either returns or throws the project's own error (UserError, or its subclasses
 * TraceInputError / MalformedInputError) with a message naming the input, never a TypeError,
 * RangeError or any other crash, and never hangs (mocha's timeout would catch that).
 *
 * The generator is a small seeded PRNG written here (no dependency), so a failure prints the seed
 * and iteration that reproduce it. Mutations start from the real inputs under traces/.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

import {parseColumns} from '../src/engine/beam.js';
import {parseMatText} from '../src/engine/crystal.js';
import {UserError} from '../src/engine/errors.js';
import {decodeFdump, fdumpPieces, gridIndex, parseHklBytes} from '../src/engine/hkl.js';
import {parseSmvHeaderSource} from '../src/engine/smvheader.js';
import {parseSmv} from '../src/io/smv.js';
import {compareParsedTraces} from '../src/trace/compare.js';
import {assertNotTruncated, parseTrace, traceFileText} from '../src/trace/parse.js';
import {phiTableFromText} from '../src/trace/perphi.js';
import {caseFile, TRACES} from './helpers/paths.js';
import {prng} from './helpers/prng.js';

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Tokens that have broken number parsers before: signs alone, non-finite, hex, huge, control bytes. */
const NASTY = ['', '-', '+', '.', 'e', '1e', 'nan', '-nan', 'inf', '-inf', 'Infinity', '1e999', '-1e999', '0x1F', '1e9', '-2147483649', '99999999999', '1.5', '-0', '\0', '\t', '\r', ';', '=', '{', '}', '[', ']', ',', ':', '中文', '\u00ff', 'TRACE_C:', 'TRACE_TS_PHI', 'phi_tic=', 'HEADER_BYTES=', 'SIZE1=', 'SIZE2=', '\f'];

function randomBytes(r: Rand, max: number): Buffer {
  const b = Buffer.alloc(int(r, max + 1));
  for (let i = 0; i < b.length; i++) b[i] = int(r, 256);
  return b;
}

/** One random mutation of `src`: truncation, byte changes, or a line/token edit. */
function mutate(r: Rand, src: Buffer): Buffer {
  const kind = int(r, 7);
  if (kind === 0) return src.subarray(0, int(r, src.length + 1)); // truncated anywhere, mid-line included
  if (kind === 1) {
    const b = Buffer.from(src);
    for (let n = 1 + int(r, 8); n > 0 && b.length > 0; n--) b[int(r, b.length)] = int(r, 256);
    return b;
  }
  if (kind === 2) {
    // insert random bytes somewhere
    const at = int(r, src.length + 1);
    return Buffer.concat([src.subarray(0, at), randomBytes(r, 16), src.subarray(at)]);
  }
  const lines = src.toString('latin1').split('\n');
  const i = int(r, lines.length);
  if (kind === 3) lines.splice(i, 1);
  else if (kind === 4) lines.splice(i, 0, lines[int(r, lines.length)]);
  else if (kind === 5) {
    const j = int(r, lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  } else {
    // replace one blank-separated token of a line by a nasty one
    const toks = lines[i].split(/(\s+)/);
    toks[int(r, toks.length)] = pick(r, NASTY);
    lines[i] = toks.join('');
  }
  return Buffer.from(lines.join('\n'), 'latin1');
}

/** Inputs for a reader: pure random bytes, then mutations (some stacked) of the real files. */
function* inputs(seed: number, n: number, real: Buffer[], maxRandom = 2048): Generator<{buf: Buffer; label: string}> {
  const r = prng(seed);
  for (let i = 0; i < n; i++) {
    if (i % 5 === 0) {
      yield {buf: randomBytes(r, maxRandom), label: `seed ${seed}, iteration ${i} (random bytes)`};
      continue;
    }
    let b = pick(r, real);
    for (let k = 1 + int(r, 3); k > 0; k--) b = mutate(r, b);
    yield {buf: b, label: `seed ${seed}, iteration ${i} (mutation)`};
  }
}

/**
 * The property: `read` returns, or throws `errorType` whose message names `name`. Returns how
 * many inputs were rejected, so a test can check that the mutations did reach the error paths.
 */
function holds(read: (buf: Buffer) => unknown, name: string, seed: number, n: number, real: Buffer[], errorType: new (...a: never[]) => Error = UserError): number {
  let rejected = 0;
  for (const {buf, label} of inputs(seed, n, real)) {
    try {
      read(buf);
    } catch (e) {
      rejected++;
      if (!(e instanceof errorType)) {
        throw new Error(`${label}: ${(e as Error)?.name}: ${(e as Error)?.message} (input ${JSON.stringify(buf.toString('latin1').slice(0, 200))})`);
      }
      expect(e.message, label).to.be.a('string').and.not.equal('');
      expect(e.message, `${label}: the message names the input`).to.contain(name);
    }
  }
  return rejected;
}

const firstLines = (path: string, n: number) => Buffer.from(readFileSync(path, 'latin1').split('\n').slice(0, n).join('\n') + '\n', 'latin1');

describe('fuzz: input readers never crash, they return or say what is wrong', function () {
  this.timeout(60000);
  const N = 400;

  it('trace reader and comparator (file checks, parser, comparison against the C trace)', () => {
    const paths = [caseFile('supervisor', 'trace_s685_f1039.log'), caseFile('phi_osc_from_zero', 'trace_s101_f101.log'), caseFile('divergence_dispersion', 'trace_s65_f64.log')];
    const refs = paths.map((p) => parseTrace(readFileSync(p, 'utf8'), {source: p}));
    const real = paths.map((p) => readFileSync(p));
    const name = 'fuzz.log';
    const rejected = holds(
      (buf) => {
        const text = traceFileText(buf, name);
        assertNotTruncated(text, name);
        const test = parseTrace(text, {source: name});
        // compare with the reference of the same pixel, so most mutations reach the comparison
        const i = Math.max(0, refs.findIndex((r) => r.pixel && test.pixel && r.pixel.slow === test.pixel.slow && r.pixel.fast === test.pixel.fast));
        const c = compareParsedTraces(refs[i], test, {ref: {path: paths[i], sha256: '', bytes: 0}, test: {path: name, sha256: '', bytes: buf.length}});
        // a verdict is a verdict: a non-finite value compared with the reference always counts
        const nonFinite = c.keys.some((k) => !k.counts && k.scope === 'pixel' && k.kind !== 'text' && k.ref !== null && k.test?.numbers?.some((x) => !Number.isFinite(x)));
        expect(nonFinite, `${name}: a non-finite per-pixel value was not counted`).to.equal(false);
        return c;
      },
      name,
      11,
      N,
      real,
    );
    expect(rejected, 'some mutations must be rejected').to.be.greaterThan(N / 10);
  });

  it('per-phi table reader (trace, CSV, JSON detection)', () => {
    const real = [readFileSync(caseFile('supervisor', 'trace_s685_f1039.log')), Buffer.from('phi_tic,phi_deg,k_frac,F_latt_b,F_latt\n0,0,1.5,2,3\n1,0.1,1.6,2.1,3.1\n'), Buffer.from('[{"phi_tic":0,"phi_deg":0,"k_frac":1,"F_latt_b":2,"F_latt":3}]')];
    for (const name of ['fuzz.log', 'fuzz.csv', 'fuzz.json']) {
      holds((buf) => phiTableFromText(traceFileText(buf, name), name), name, 12, N / 4, real);
    }
  });

  it('HKL text reader', () => {
    const real = [firstLines(join(TRACES, 'inputs', 'scaled.hkl'), 200), firstLines(join(TRACES, 'inputs', 'grid.hkl'), 200), readFileSync(join(TRACES, 'inputs', 'sparse.hkl'))];
    const rejected = holds((buf) => parseHklBytes(buf, 'fuzz.hkl', 0), 'fuzz.hkl', 13, N, real);
    expect(rejected).to.be.greaterThan(N / 10);
  });

  it('HKL text reader: every structure factor is the double Number() reads from its text', () => {
    // the reader's own decimal path must agree bit for bit, whatever the form of the number
    let seed = 2024;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const digits = (n: number) => Array.from({length: n}, () => String(rand(10))).join('');
    const fixed = ['23.00', '-0', '-0.00', '+1.5', '1.', '.5', '-.5', '0.1', '2.675', '1.005', '123456789012345', '1234567.89012345', '9007199254740993', '1e3', '31.39'];
    const tokens = [...fixed];
    for (let i = 0; i < 20000; i++) {
      const sign = ['', '-', '+'][rand(3)];
      const whole = digits(rand(9));
      const frac = digits(rand(9));
      tokens.push(`${sign}${whole || (frac ? '' : '0')}${rand(4) === 0 && !frac ? '' : '.'}${frac}${rand(20) === 0 ? 'e' + (rand(7) - 3) : ''}`);
    }
    const text = tokens.map((t, i) => `${i} 0 0 ${t}`).join('\n');
    const grid = parseHklBytes(Buffer.from(text, 'latin1'), 'decimals.hkl', 0);
    const bad = tokens.filter((t, i) => !Object.is(grid.F[gridIndex(grid, i, 0, 0)], Number(t)));
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });

  it('Fdump.bin reader', () => {
    const grid = parseHklBytes(readFileSync(join(TRACES, 'inputs', 'sparse.hkl')), 'sparse.hkl', 0);
    const fdump = (g: typeof grid) => Buffer.concat(fdumpPieces(g));
    const real = [fdump(grid), fdump(parseHklBytes(firstLines(join(TRACES, 'inputs', 'grid.hkl'), 50), 'grid.hkl', 0))];
    // the round trip holds before the mutations start
    expect([...decodeFdump(real[0], 'Fdump.bin').F]).to.deep.equal([...grid.F]);
    holds((buf) => decodeFdump(buf, 'Fdump.bin'), 'Fdump.bin', 14, N, real);
  });

  it('A matrix reader', () => {
    const real = [readFileSync(join(TRACES, 'inputs', 'A.mat'))];
    const rejected = holds((buf) => parseMatText(buf.toString('utf8'), 'fuzz.mat'), 'fuzz.mat', 15, N, real);
    expect(rejected).to.be.greaterThan(N / 10);
  });

  it('source file reader', () => {
    const real = [readFileSync(join(TRACES, 'inputs', 'sources.txt'))];
    const rejected = holds((buf) => parseColumns(buf.toString('latin1'), 'fuzz.txt', 5, '-sourcefile'), 'fuzz.txt', 16, N, real);
    expect(rejected).to.be.greaterThan(N / 10);
  });

  it('SMV readers (the -img/-mask header reader and the image decoder)', () => {
    const mask = readFileSync(join(TRACES, 'inputs', 'mask.img'));
    // mutations aimed at the header: most of the file is pixels, where any byte is valid
    const header = mask.subarray(0, 512);
    const body = mask.subarray(512);
    const r = prng(17);
    const real = [mask];
    for (let i = 0; i < 40; i++) real.push(Buffer.concat([mutate(r, header), body]));
    const a = holds((buf) => parseSmvHeaderSource(buf, 'fuzz.img'), 'fuzz.img', 18, N, real);
    const b = holds((buf) => parseSmv(buf, 'fuzz.img'), 'fuzz.img', 19, N, real);
    expect(a + b).to.be.greaterThan(N / 5);
  });
});
