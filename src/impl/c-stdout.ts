/** Facts the C program states in its stdout, read back (a capture takes the frame from C itself). */

export interface Frame {
  fpixels: number;
  spixels: number;
}

/** xmin xmax ymin ymax, inclusive (x fast, y slow), as C prints them. */
export interface PrintedRoi {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

/** `  distance=... detsize=...  pixel=... meters (FxS pixels)`: fast then slow. */
export function frameFromStdout(text: string): Frame | undefined {
  const m = /meters \((\d+)x(\d+) pixels\)/.exec(text);
  return m ? {fpixels: Number(m[1]), spixels: Number(m[2])} : undefined;
}

/** `  roi: xmin < x < xmax && ymin < y < ymax` (the bounds are inclusive, whatever the text says). */
export function roiFromStdout(text: string): PrintedRoi | undefined {
  const m = /^\s*roi: (-?\d+) < x < (-?\d+) && (-?\d+) < y < (-?\d+)/m.exec(text);
  return m ? {xmin: Number(m[1]), xmax: Number(m[2]), ymin: Number(m[3]), ymax: Number(m[4])} : undefined;
}
