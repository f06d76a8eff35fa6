/**
 * 3-vectors as plain tuples. Every operation keeps the C program's order of floating-point
 * operations, because parity at 1e-6 (and exact Miller-index rounding) depends on it.
 */
export type Vec3 = [number, number, number];

export function dot(x: Vec3, y: Vec3): number {
  return x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
}

export function cross(x: Vec3, y: Vec3): Vec3 {
  return [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
}

export function magnitude(v: Vec3): number {
  return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

export function scale(v: Vec3, s: number): Vec3 {
  return [s * v[0], s * v[1], s * v[2]];
}

/** Unit vector and the length it had; a zero vector stays zero (as in C). */
export function unitize(v: Vec3): {unit: Vec3; length: number} {
  const length = magnitude(v);
  if (length === 0) return {unit: [0, 0, 0], length};
  return {unit: [v[0] / length, v[1] / length, v[2] / length], length};
}

/** Rescale to a given length; a zero vector is treated as having length 1. */
export function rescale(v: Vec3, newLength: number): Vec3 {
  let old = magnitude(v);
  if (old <= 0) old = 1;
  return [(newLength / old) * v[0], (newLength / old) * v[1], (newLength / old) * v[2]];
}

/** Rotation about x, then y, then z (radians); an axis whose angle is 0 is skipped entirely. */
export function rotateXYZ(v: Vec3, rx: number, ry: number, rz: number): Vec3 {
  let [x, y, z] = v;
  if (rx !== 0) {
    const c = Math.cos(rx);
    const s = Math.sin(rx);
    const ny = y * c + z * -s;
    const nz = y * s + z * c;
    y = ny;
    z = nz;
  }
  if (ry !== 0) {
    const c = Math.cos(ry);
    const s = Math.sin(ry);
    const nx = x * c + y * 0 + z * s;
    const nz = x * -s + y * 0 + z * c;
    x = nx;
    z = nz;
  }
  if (rz !== 0) {
    const c = Math.cos(rz);
    const s = Math.sin(rz);
    const nx = x * c + y * -s;
    const ny = x * s + y * c;
    x = nx;
    y = ny;
  }
  return [x, y, z];
}

/** Rodrigues rotation of v about a unit axis by phi radians. */
export function rotateAxis(v: Vec3, axis: Vec3, phi: number): Vec3 {
  const s = Math.sin(phi);
  const c = Math.cos(phi);
  const d = (axis[0] * v[0] + axis[1] * v[1] + axis[2] * v[2]) * (1.0 - c);
  return [
    axis[0] * d + v[0] * c + (-axis[2] * v[1] + axis[1] * v[2]) * s,
    axis[1] * d + v[1] * c + (+axis[2] * v[0] - axis[0] * v[2]) * s,
    axis[2] * d + v[2] * c + (-axis[1] * v[0] + axis[0] * v[1]) * s,
  ];
}

/** Row-major 3x3 matrix (9 numbers) times v. */
export function rotateUmat(v: Vec3, u: ArrayLike<number>): Vec3 {
  return [
    u[0] * v[0] + u[1] * v[1] + u[2] * v[2],
    u[3] * v[0] + u[4] * v[1] + u[5] * v[2],
    u[6] * v[0] + u[7] * v[1] + u[8] * v[2],
  ];
}
