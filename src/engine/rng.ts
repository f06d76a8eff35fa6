/**
 * nanoBragg's random number generators, bit for bit.
 *
 * The C functions take `long *idum` and keep hidden state in static locals:
 *  - ran1 (Numerical Recipes' shuffled Park-Miller generator): `iy` and the
 *    32-entry shuffle table `iv`;
 *  - gaussdev: `iset` and `gset` (Box-Muller makes two deviates, hands out one,
 *    keeps the other for the next call);
 *  - poidev: `oldm`, `g`, `sq`, `alxm` (values cached for the last mean).
 * Those statics are shared by every caller in the process, whatever seed
 * variable each caller passes. The `idum` values themselves are separate C
 * variables (`seed`, `mosaic_seed`, `misset_seed`).
 *
 * Here the statics live in one `CRandom` object and each C seed variable is a
 * `SeedRef` box. To reproduce a C run, create ONE CRandom for the whole run and
 * pass every generator call through it, in C's order, each with the SeedRef
 * standing for the C variable it used. Two CRandom objects would model two
 * processes.
 *
 * Why the sharing matters: ran1 reloads its table only when `*idum <= 0` (or on
 * its very first call). A negative seed therefore restarts the whole sequence,
 * but a positive one (the C program negates the command-line value, so
 * `-seed -5` gives +5) silently continues the table left by earlier callers.
 * In nanoBragg the mosaic domains are always drawn (with mosaic_seed) before
 * the noise image, so a positive noise seed continues that table.
 *
 * Float vs double: the C code mixes `float` variables with double arithmetic.
 * `CFloat` marks values that C holds in a float; each such assignment is
 * emulated with Math.fround, and float*float or float+float expressions are
 * rounded to float after each operation, as SSE code does (no excess precision,
 * no FMA contraction). Math.log/exp/tan/sin/cos/atan2 are not guaranteed to be
 * bit-identical to glibc's libm; where a result is stored in a float the
 * difference almost never survives, where it is a double (mosaic_rotation_umat,
 * umat2misset) it can show as a last-bit difference.
 */

/** A value C holds in a 32-bit `float`: always exactly representable as float32. */
export type CFloat = number;

/** A C `long` seed variable passed by address (`long *idum`); the generators update `value`. */
export interface SeedRef {
  value: number;
}

/** Box a seed value as C's `long seed = value`. */
export function seedRef(value: number): SeedRef {
  if (!Number.isSafeInteger(value)) throw new Error(`seed must be an integer, got ${value}`);
  return {value};
}

const f = Math.fround;

// Park-Miller "minimal standard" constants with Schrage's factorisation (IM = IA*IQ + IR).
const IA = 16807;
const IM = 2147483647;
const AM = 1.0 / IM;
const IQ = 127773;
const IR = 2836;
const NTAB = 32;
const NDIV = 1 + Math.trunc((IM - 1) / NTAB);
// The C comparison is against the double 1-1.2e-7, the value returned is that double stored in a float.
const RNMX = 1.0 - 1.2e-7;
const RNMX_FLOAT = f(RNMX);

/** One Park-Miller step, idum*IA mod IM without overflow; C's `/` truncates toward zero. */
function parkMiller(idum: number): number {
  const k = Math.trunc(idum / IQ);
  let next = IA * (idum - k * IQ) - IR * k;
  if (next < 0) next += IM;
  return next;
}

// Lanczos series coefficients of Numerical Recipes' gammln.
const GAMMLN_COF = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];

/** ln(Gamma(xx)) for xx > 0, computed in double and returned as float like C's gammln. */
export function gammln(xx: CFloat): CFloat {
  const x = f(xx);
  let y = x;
  let tmp = x + 5.5;
  tmp -= (x + 0.5) * Math.log(tmp);
  let ser = 1.000000000190015;
  for (const c of GAMMLN_COF) ser += c / ++y;
  return f(-tmp + Math.log((2.5066282746310005 * ser) / x));
}

/** A unit vector (dx, dy, dz) and the length dr it had before normalising. */
export interface Uniform3D {
  dx: CFloat;
  dy: CFloat;
  dz: CFloat;
  dr: CFloat;
}

/** The process-wide state of nanoBragg's generators (C static locals). See the file comment. */
export class CRandom {
  // ran1
  private iy = 0;
  private readonly iv = new Array<number>(NTAB).fill(0);
  // gaussdev
  private iset = 0;
  private gset: CFloat = 0;
  // poidev (C initialises oldm to -1 so the first call always computes)
  private oldm: CFloat = -1;
  private g: CFloat = 0;
  private sq: CFloat = 0;
  private alxm: CFloat = 0;

  /** Uniform deviate in (0, 1), exclusive of the endpoints; a float. */
  ran1(idum: SeedRef): CFloat {
    if (idum.value <= 0 || this.iy === 0) {
      // A zero or positive idum on the very first call starts from 1.
      idum.value = -idum.value < 1 ? 1 : -idum.value;
      for (let j = NTAB + 7; j >= 0; j--) {
        idum.value = parkMiller(idum.value);
        if (j < NTAB) this.iv[j] = idum.value;
      }
      this.iy = this.iv[0];
    }
    idum.value = parkMiller(idum.value);
    const j = Math.trunc(this.iy / NDIV);
    this.iy = this.iv[j];
    this.iv[j] = idum.value;
    const temp = f(AM * this.iy);
    return temp > RNMX ? RNMX_FLOAT : temp;
  }

  /** Normal deviate, mean 0, rms 1 (polar Box-Muller; every second call returns the stored partner). */
  gaussdev(idum: SeedRef): CFloat {
    if (this.iset !== 0) {
      this.iset = 0;
      return this.gset;
    }
    let v1: CFloat;
    let v2: CFloat;
    let rsq: CFloat;
    do {
      v1 = f(2.0 * this.ran1(idum) - 1.0);
      v2 = f(2.0 * this.ran1(idum) - 1.0);
      rsq = f(f(v1 * v1) + f(v2 * v2));
    } while (rsq >= 1.0 || rsq === 0);
    const fac = f(Math.sqrt((-2.0 * Math.log(rsq)) / rsq));
    this.gset = f(v1 * fac);
    this.iset = 1;
    return f(v2 * fac);
  }

  /**
   * Poisson deviate with mean xm (a float). Above 1e6 it is a Gaussian
   * approximation (not an integer); below 12 the product-of-uniforms method;
   * between, rejection from a Lorentzian. Shares oldm/g/sq/alxm across calls.
   */
  poidev(xmIn: CFloat, idum: SeedRef): CFloat {
    const xm = f(xmIn);
    if (xm > 1.0e6) return f(xm + Math.sqrt(xm) * this.gaussdev(idum));

    let em: CFloat;
    let t: CFloat;
    if (xm < 12.0) {
      if (xm !== this.oldm) {
        this.oldm = xm;
        this.g = f(Math.exp(-xm));
      }
      em = -1;
      t = 1.0;
      do {
        em = f(em + 1);
        t = f(t * this.ran1(idum));
      } while (t > this.g);
      return em;
    }

    if (xm !== this.oldm) {
      this.oldm = xm;
      this.sq = f(Math.sqrt(2.0 * xm));
      this.alxm = f(Math.log(xm));
      this.g = f(f(xm * this.alxm) - gammln(f(xm + 1.0)));
    }
    let y: CFloat;
    do {
      do {
        y = f(Math.tan(Math.PI * this.ran1(idum)));
        em = f(f(this.sq * y) + xm);
      } while (em < 0.0);
      em = f(Math.floor(em));
      const logRatio = f(f(f(em * this.alxm) - gammln(f(em + 1.0))) - this.g);
      t = f(0.9 * (1.0 + f(y * y)) * Math.exp(logRatio));
    } while (this.ran1(idum) > t);
    return em;
  }

  /** Lorentzian deviate with FWHM 2. */
  lorentzdev(idum: SeedRef): CFloat {
    return f(Math.tan(Math.PI * (this.ran1(idum) - 0.5)));
  }

  /** Triangular deviate on [-1, 1] with FWHM 1. */
  triangledev(idum: SeedRef): CFloat {
    const value = this.ran1(idum);
    if (value > 0.5) return f(Math.sqrt(2 * (value - 0.5)) - 1);
    return f(1 - Math.sqrt(f(2 * value)));
  }

  /** Exponential deviate with mean 1. */
  expdev(idum: SeedRef): CFloat {
    let dum: CFloat;
    do dum = this.ran1(idum);
    while (dum === 0.0);
    return f(-Math.log(dum));
  }

  /** Random direction by cutting a sphere out of a cube; dr is the accepted radius (0.01..1). */
  uniform3Ddev(idum: SeedRef): Uniform3D {
    let dx: CFloat = 0;
    let dy: CFloat = 0;
    let dz: CFloat = 0;
    let dr: CFloat = 0;
    while (dr > 1 || dr < 1e-2) {
      dx = f(2.1 * (this.ran1(idum) - 0.5));
      dy = f(2.1 * (this.ran1(idum) - 0.5));
      dz = f(2.1 * (this.ran1(idum) - 0.5));
      dr = f(Math.sqrt(f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz))));
    }
    return {dx: f(dx / dr), dy: f(dy / dr), dz: f(dz / dr), dr};
  }

  /**
   * Random rotation about an isotropic axis, angle up to `mosaicity` radians
   * (a float; 90.0 gives any orientation, as `-misset random` uses).
   * Row-major 3x3: [uxx, uxy, uxz, uyx, uyy, uyz, uzx, uzy, uzz].
   */
  mosaicRotationUmat(mosaicity: CFloat, idum: SeedRef): number[] {
    const r1 = 2.0 * this.ran1(idum) - 1.0;
    const r2 = 2.0 * this.ran1(idum) - 1.0;
    const r3 = 2.0 * this.ran1(idum) - 1.0;

    const xyrad = Math.sqrt(1.0 - r2 * r2);
    // C: float mosaicity times powf(float, float), a float product kept in a double.
    const rot = f(f(mosaicity) * powf(f(1.0 - r3 * r3), f(1.0 / 3.0)));

    const v1 = xyrad * Math.sin(Math.PI * r1);
    const v2 = xyrad * Math.cos(Math.PI * r1);
    const v3 = r2;

    // Axis-angle (Rodrigues) rotation matrix, term by term as the C evaluates it.
    const c = Math.cos(rot);
    const omc = 1.0 - c;
    const s = Math.sin(rot);
    const omcV1 = omc * v1;
    const omcV1V2 = omcV1 * v2;
    const omcV1V3 = omcV1 * v3;
    const omcV2V3 = omc * v2 * v3;
    return [
      c + omc * (v1 * v1),
      omcV1V2 - s * v3,
      omcV1V3 + s * v2,
      omcV1V2 + s * v3,
      c + omc * (v2 * v2),
      omcV2V3 - s * v1,
      omcV1V3 - s * v2,
      omcV2V3 + s * v1,
      c + omc * (v3 * v3),
    ];
  }
}

/** C powf: single-precision pow, emulated by rounding the double result. */
function powf(x: CFloat, y: CFloat): CFloat {
  return f(Math.pow(x, y));
}

/**
 * Misset angles [rotx, roty, rotz] (radians) of a rotation matrix given row-major
 * (uxx uxy uxz / uyx uyy uyz / uzx uzy uzz). Rows are normalised first; a zero
 * row is replaced by the cross product of the other two (C does that pass twice).
 */
export function umat2misset(umat: ArrayLike<number>): [number, number, number] {
  let [uxx, uxy, uxz, uyx, uyy, uyz, uzx, uzy, uzz] = Array.from({length: 9}, (_, i) => umat[i]);

  let mx = Math.sqrt(uxx * uxx + uxy * uxy + uxz * uxz);
  let my = Math.sqrt(uyx * uyx + uyy * uyy + uyz * uyz);
  let mz = Math.sqrt(uzx * uzx + uzy * uzy + uzz * uzz);
  if (mx > 0) [uxx, uxy, uxz] = [uxx / mx, uxy / mx, uxz / mx];
  if (my > 0) [uyx, uyy, uyz] = [uyx / my, uyy / my, uyz / my];
  if (mz > 0) [uzx, uzy, uzz] = [uzx / mz, uzy / mz, uzz / mz];

  // With only one non-zero row, the other two become the identity's rows.
  if (mx >= 0 && my <= 0 && mz <= 0) {
    [uyx, uyy, uyz] = [0, 1, 0];
    [uzx, uzy, uzz] = [0, 0, 1];
  }
  if (mx <= 0 && my >= 0 && mz <= 0) {
    [uxx, uxy, uxz] = [1, 0, 0];
    [uzx, uzy, uzz] = [0, 0, 1];
  }
  if (mx <= 0 && my <= 0 && mz >= 0) {
    [uxx, uxy, uxz] = [1, 0, 0];
    [uyx, uyy, uyz] = [0, 1, 0];
  }

  const unit = (x: number, y: number, z: number): [number, number, number] => {
    const m = Math.sqrt(x * x + y * y + z * z);
    return m > 0 ? [x / m, y / m, z / m] : [x, y, z];
  };
  // The C substitutes empty rows twice; the second pass sees the first pass's rows.
  for (let pass = 0; pass < 2; pass++) {
    const xcy = unit(uxy * uyz - uxz * uyy, uxz * uyx - uxx * uyz, uxx * uyy - uxy * uyx);
    const ycz = unit(uyy * uzz - uyz * uzy, uyz * uzx - uyx * uzz, uyx * uzy - uyy * uzx);
    const zcx = unit(uzy * uxz - uzz * uxy, uzz * uxx - uzx * uxz, uzx * uxy - uzy * uxx);
    if (mx <= 0) [uxx, uxy, uxz] = ycz;
    if (my <= 0) [uyx, uyy, uyz] = zcx;
    if (mz <= 0) [uzx, uzy, uzz] = xcy;
  }

  mx = Math.sqrt(uxx * uxx + uxy * uxy + uxz * uxz);
  my = Math.sqrt(uyx * uyx + uyy * uyy + uyz * uyz);
  mz = Math.sqrt(uzx * uzx + uzy * uzy + uzz * uzz);
  if (mx > 0) [uxx, uxy, uxz] = [uxx / mx, uxy / mx, uxz / mx];
  if (my > 0) [uyx, uyy, uyz] = [uyx / my, uyy / my, uyz / my];
  if (mz > 0) [uzx, uzy, uzz] = [uzx / mz, uzy / mz, uzz / mz];

  if (uzx * uzx < 1.0) {
    return [Math.atan2(uzy, uzz), Math.atan2(-uzx, Math.sqrt(uzy * uzy + uzz * uzz)), Math.atan2(uyx, uxx)];
  }
  // Gimbal lock: C returns pi, pi/2 computed from atan2(1,1).
  return [Math.atan2(1, 1) * 4, Math.atan2(1, 1) * 2, Math.atan2(uxy, -uyy)];
}
