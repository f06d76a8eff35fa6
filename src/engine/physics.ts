/** Closed-form pieces of the scattering model: the sphere's transform (sincg, the square crystal and polarization: lattice.wat). */

/** Fourier transform of a sphere. */
export function sinc3(x: number): number {
  if (x === 0.0) return 1.0;
  return (3.0 * (Math.sin(x) / x - Math.cos(x))) / (x * x);
}
