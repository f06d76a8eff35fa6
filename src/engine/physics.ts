/** Closed-form pieces of the scattering model: the sphere's transform and polarization (sincg and the square crystal: lattice.wat). */
import type {Vec3} from './vec.js';

/** Fourier transform of a sphere. */
export function sinc3(x: number): number {
  if (x === 0.0) return 1.0;
  return (3.0 * (Math.sin(x) / x - Math.cos(x))) / (x * x);
}

function unitInPlace(v: Vec3): void {
  const m = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (m !== 0.0) {
    v[0] = v[0] / m;
    v[1] = v[1] / m;
    v[2] = v[2] / m;
  } else v[0] = v[1] = v[2] = 0.0;
}

/**
 * Kahn polarization factor. Like C, it re-normalises `incident`, `diffracted` and `axis` in
 * place: later sources of the same sub-pixel then see the re-normalised diffracted vector.
 * (Kept small, the polarized case apart, so that V8 inlines it into the pixel loop: a double
 * returned from a call that is not inlined costs a heap allocation per pixel.)
 */
export function polarizationFactor(kahn: number, incident: Vec3, diffracted: Vec3, axis: Vec3): number {
  unitInPlace(incident);
  unitInPlace(diffracted);
  unitInPlace(axis);
  const cos2theta = incident[0] * diffracted[0] + incident[1] * diffracted[1] + incident[2] * diffracted[2];
  const cos2thetaSqr = cos2theta * cos2theta;
  const sin2thetaSqr = 1 - cos2thetaSqr;
  const psi = kahn !== 0.0 ? polarizationAngle(incident, diffracted, axis) : 0;
  return 0.5 * (1.0 + cos2thetaSqr - kahn * Math.cos(2 * psi) * sin2thetaSqr);
}

/** psi: the angle of the scattering plane about the incident beam, from the polarization axis. */
function polarizationAngle(incident: Vec3, diffracted: Vec3, axis: Vec3): number {
  const Bin: Vec3 = [axis[1] * incident[2] - axis[2] * incident[1], axis[2] * incident[0] - axis[0] * incident[2], axis[0] * incident[1] - axis[1] * incident[0]];
  unitInPlace(Bin);
  const Ein: Vec3 = [incident[1] * Bin[2] - incident[2] * Bin[1], incident[2] * Bin[0] - incident[0] * Bin[2], incident[0] * Bin[1] - incident[1] * Bin[0]];
  unitInPlace(Ein);
  const Eout = diffracted[0] * Ein[0] + diffracted[1] * Ein[1] + diffracted[2] * Ein[2];
  const Bout = diffracted[0] * Bin[0] + diffracted[1] * Bin[1] + diffracted[2] * Bin[2];
  return -Math.atan2(Bout, Eout);
}
