/**
 * C (glibc) printf number formatting, reproduced exactly.
 *
 * glibc converts the exact binary value of a double to decimal and rounds it
 * with the current rounding mode (round-half-even). JavaScript's toPrecision,
 * toFixed and toExponential also start from the exact value but break exact
 * ties upward (2.5 -> "3" where glibc prints "2"), so they cannot be trusted for
 * every double. Here every conversion starts from the exact decimal expansion,
 * obtained with BigInt, and rounds it half-even: the result equals glibc's for
 * every finite double, at any precision.
 *
 * NaN: C prints "nan" or "-nan" depending on the sign bit of the NaN (x86's
 * default NaN from 0.0/0.0 has it set and prints "-nan"). JavaScript does not
 * preserve NaN sign bits reliably, so NaN always prints as "nan" here.
 */

/** Exact decimal expansion of |x| for finite x: |x| = digits * 10^-scale. */
interface ExactDecimal {
  /** Decimal digits without leading zeros ("0" for zero). */
  digits: string;
  /** Number of those digits that lie after the decimal point. */
  scale: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Float64Array shares the platform byte order; find which word holds the sign and exponent.
const HI = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;
const LO = 1 - HI;

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

function exactDecimal(x: number): ExactDecimal {
  f64[0] = x;
  const hi = u32[HI];
  const lo = u32[LO];
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biasedExp === 0) {
    exp = -1074; // subnormal: no implicit leading bit
  } else {
    mant |= 1n << 52n;
    exp = biasedExp - 1075;
  }
  if (mant === 0n) return {digits: '0', scale: 0};
  // Dropping binary trailing zeros keeps the BigInt work proportional to the real digits.
  while (exp < 0 && (mant & 1n) === 0n) {
    mant >>= 1n;
    exp += 1;
  }
  if (exp >= 0) return {digits: (mant << BigInt(exp)).toString(), scale: 0};
  // m * 2^-k == m * 5^k / 10^k
  return {digits: (mant * 5n ** BigInt(-exp)).toString(), scale: -exp};
}

/**
 * Keep the first `keep` digits of `digits`, rounding half-even on what follows.
 * Returns the kept digits (possibly one longer after a carry) and whether a carry
 * added a leading digit.
 */
function roundDigits(digits: string, keep: number): {digits: string; carried: boolean} {
  if (digits.length <= keep) return {digits: digits.padEnd(keep, '0'), carried: false};
  const kept = digits.slice(0, keep);
  const first = digits.charCodeAt(keep) - 48;
  let roundUp: boolean;
  if (first > 5) roundUp = true;
  else if (first < 5) roundUp = false;
  else {
    const restNonZero = /[1-9]/.test(digits.slice(keep + 1));
    if (restNonZero) roundUp = true;
    else {
      const last = keep > 0 ? kept.charCodeAt(keep - 1) - 48 : 0;
      roundUp = last % 2 === 1;
    }
  }
  if (!roundUp) return {digits: kept, carried: false};
  if (kept.length === 0) return {digits: '1', carried: true};
  const bumped = (BigInt(kept) + 1n).toString();
  if (bumped.length > kept.length) return {digits: bumped, carried: true};
  return {digits: bumped.padStart(keep, '0'), carried: false};
}

/** Round |x| to `sig` significant digits: returns exactly `sig` digits and the decimal exponent of the first. */
function roundSignificant(x: number, sig: number): {digits: string; exp10: number; carried: boolean} {
  const {digits, scale} = exactDecimal(x);
  if (digits === '0') return {digits: '0'.repeat(sig), exp10: 0, carried: false};
  let exp10 = digits.length - 1 - scale;
  const r = roundDigits(digits, sig);
  let d = r.digits;
  if (r.carried) {
    exp10 += 1;
    d = d.slice(0, sig);
  }
  return {digits: d, exp10, carried: r.carried};
}

/** Round |x| to `decimals` digits after the point; returns the integer and fraction digit strings. */
function roundFixed(x: number, decimals: number): {intPart: string; fracPart: string} {
  const {digits, scale} = exactDecimal(x);
  let all: string;
  if (scale <= decimals) {
    all = digits + '0'.repeat(decimals - scale);
  } else {
    // digits has `scale` fraction digits; keep all but the last (scale - decimals).
    const keep = digits.length - (scale - decimals);
    if (keep < 0) {
      // Below a tenth of the last kept place: rounds to zero.
      all = '0';
    } else {
      const r = roundDigits(digits, keep);
      all = r.digits.length === 0 ? '0' : r.digits;
    }
  }
  all = all.replace(/^0+(?=\d)/, '');
  if (all.length <= decimals) all = all.padStart(decimals + 1, '0');
  return {intPart: all.slice(0, all.length - decimals), fracPart: all.slice(all.length - decimals)};
}

function exponentSuffix(exp10: number, upper: boolean): string {
  const sign = exp10 < 0 ? '-' : '+';
  const mag = Math.abs(exp10).toString().padStart(2, '0');
  return (upper ? 'E' : 'e') + sign + mag;
}

function nonFinite(x: number, upper: boolean): string {
  const s = Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  return upper ? s.toUpperCase() : s;
}

function stripTrailingZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** Body of %e without sign: "d.ddde+XX". */
function eBody(ax: number, precision: number, alt: boolean, upper: boolean): string {
  const {digits, exp10} = roundSignificant(ax, precision + 1);
  const frac = digits.slice(1);
  const point = frac.length > 0 || alt ? '.' : '';
  return digits[0] + point + frac + exponentSuffix(exp10, upper);
}

/** Body of %f without sign. */
function fBody(ax: number, decimals: number, alt: boolean): string {
  const {intPart, fracPart} = roundFixed(ax, decimals);
  return intPart + (decimals > 0 || alt ? '.' : '') + fracPart;
}

/** Body of %g without sign. */
function gBody(ax: number, precision: number, alt: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const {digits, exp10, carried} = roundSignificant(ax, p);
  let s: string;
  if (exp10 < -4 || exp10 >= p) {
    // glibc picks the style before rounding: a value that only reaches 10^P by
    // rounding keeps the fixed style's zero fraction digits ("%#g" of 999999.5
    // is "1.e+06"). Visible only with '#', since zeros are stripped otherwise.
    const frac = alt && carried && exp10 === p ? '' : digits.slice(1);
    s = digits[0] + (frac.length > 0 || alt ? '.' : '') + frac;
    if (!alt) s = stripTrailingZeros(s);
    return s + exponentSuffix(ax === 0 ? 0 : exp10, upper);
  }
  // Style f with precision p-1-exp10: the same rounded digits with the point placed by exp10.
  const decimals = p - 1 - exp10;
  if (exp10 >= 0) {
    s = digits.slice(0, exp10 + 1) + (decimals > 0 || alt ? '.' : '') + digits.slice(exp10 + 1);
  } else {
    s = '0.' + '0'.repeat(-exp10 - 1) + digits;
  }
  return alt ? s : stripTrailingZeros(s);
}

function signPrefix(x: number, plus: boolean, space: boolean): string {
  if (isNegative(x) && !Number.isNaN(x)) return '-';
  if (plus) return '+';
  if (space) return ' ';
  return '';
}

/** printf("%.<precision>g", x), e.g. formatG(x) for "%g", formatG(x, 15) for "%.15g". */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x, false);
  return signPrefix(x, false, false) + gBody(Math.abs(x), precision, false, false);
}

/** printf("%.<decimals>f", x). */
export function formatF(x: number, decimals = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x, false);
  return signPrefix(x, false, false) + fBody(Math.abs(x), decimals, false);
}

/** printf("%.<precision>e", x). */
export function formatE(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return nonFinite(x, false);
  return signPrefix(x, false, false) + eBody(Math.abs(x), precision, false, false);
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  alt: boolean;
  width: number;
  precision: number | undefined;
  conv: string;
}

function pad(body: string, prefix: string, spec: Spec, numeric: boolean): string {
  const len = prefix.length + body.length;
  if (len >= spec.width) return prefix + body;
  const fill = spec.width - len;
  if (spec.minus) return prefix + body + ' '.repeat(fill);
  if (spec.zero && numeric) return prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + prefix + body;
}

function formatFloatSpec(x: number, spec: Spec): string {
  const upper = spec.conv === spec.conv.toUpperCase();
  const prefix = signPrefix(x, spec.plus, spec.space);
  if (!Number.isFinite(x)) {
    // C never zero-pads inf/nan.
    return pad(nonFinite(Math.abs(x), upper), prefix, {...spec, zero: false}, false);
  }
  const ax = Math.abs(x);
  const precision = spec.precision ?? 6;
  let body: string;
  switch (spec.conv.toLowerCase()) {
    case 'f':
      body = fBody(ax, precision, spec.alt);
      break;
    case 'e':
      body = eBody(ax, precision, spec.alt, upper);
      break;
    default:
      body = gBody(ax, precision, spec.alt, upper);
  }
  return pad(body, prefix, spec, true);
}

function formatIntSpec(v: number | bigint, spec: Spec): string {
  let n = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  if (spec.conv === 'u' && n < 0n) n += 1n << 64n; // %lu of a negative long, as on LP64
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString();
  if (spec.precision !== undefined) {
    digits = spec.precision === 0 && n === 0n ? '' : digits.padStart(spec.precision, '0');
  }
  const prefix = neg ? '-' : spec.conv !== 'u' && spec.plus ? '+' : spec.conv !== 'u' && spec.space ? ' ' : '';
  // A precision disables the 0 flag for integers.
  return pad(digits, prefix, {...spec, zero: spec.zero && spec.precision === undefined}, true);
}

const SPEC_RE = /%([-+ 0#]*)(\d+|\*)?(?:\.(\d*|\*))?(hh|h|ll|l|L|z|j|t)?([diufFeEgGsc%])/g;

/**
 * A C sprintf for the conversions this project prints: d i u f F e E g G s c %,
 * with flags "-+ 0#", width, precision ('*' taken from the arguments) and
 * ignored length modifiers (h, l, ll, L, z...). Numbers format exactly as glibc.
 */
export function cprintf(format: string, ...args: Array<number | bigint | string>): string {
  let argi = 0;
  const next = (): number | bigint | string => {
    if (argi >= args.length) throw new Error(`cprintf: too few arguments for format ${JSON.stringify(format)}`);
    return args[argi++];
  };
  return format.replace(SPEC_RE, (_m, flags: string, width: string | undefined, prec: string | undefined, _len, conv: string) => {
    if (conv === '%') return '%';
    const spec: Spec = {
      minus: flags.includes('-'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      zero: flags.includes('0'),
      alt: flags.includes('#'),
      width: 0,
      precision: undefined,
      conv,
    };
    if (width === '*') {
      const w = Number(next());
      if (w < 0) {
        spec.minus = true;
        spec.width = -w;
      } else spec.width = w;
    } else if (width !== undefined) spec.width = Number(width);
    if (prec === '*') {
      const p = Number(next());
      spec.precision = p < 0 ? undefined : p;
    } else if (prec !== undefined) spec.precision = prec === '' ? 0 : Number(prec);
    const arg = next();
    switch (conv) {
      case 's': {
        let s = String(arg);
        if (spec.precision !== undefined) s = s.slice(0, spec.precision);
        return pad(s, '', {...spec, zero: false}, false);
      }
      case 'c':
        return pad(typeof arg === 'string' ? arg.slice(0, 1) : String.fromCharCode(Number(arg)), '', {...spec, zero: false}, false);
      case 'd':
      case 'i':
      case 'u':
        return formatIntSpec(typeof arg === 'string' ? Number(arg) : arg, spec);
      default:
        return formatFloatSpec(Number(arg), spec);
    }
  });
}
