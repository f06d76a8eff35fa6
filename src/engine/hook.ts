/**
 * The tracer's view of the engine. The renderer and the set-up code call these methods at the
 * exact points where nanoBragg.c prints its TRACE_C lines; a run without a hook pays one null
 * check per call site. Values are raw doubles: formatting belongs to the emitter.
 */
export interface TraceHook {
  /** set-up key printed once before rendering (`key=text`, text already formatted C-style) */
  setup(key: string, text: string): void;
  /** per-pixel quantity printed with %.15g */
  value(key: string, ...values: number[]): void;
  /** per-pixel quantity printed with %d */
  integer(key: string, ...values: number[]): void;
  /** a per-pixel diagnostic on its own channel (C prints TRACE_C_SOURCE2 for source index 2) */
  channel(channel: string, key: string, values: number[], integer?: boolean): void;
  /** one line per phi step (source 0, mosaic domain 0, SQUARE shape) */
  phi(phiTic: number, phiDeg: number, kFrac: number, FlattB: number, Flatt: number): void;
}
