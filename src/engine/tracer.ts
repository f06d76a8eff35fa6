/**
 * The TraceHook that prints what nanoBragg.c's tracer prints, with our own prefix
 * (TRACE_TS by default): same keys, order, repetition and %.15g / %d formatting.
 */
import {fmtG15, fmtInt} from './format.js';
import type {TraceHook} from './hook.js';

export class TraceEmitter implements TraceHook {
  readonly lines: string[] = [];

  constructor(readonly prefix = 'TRACE_TS') {}

  setup(key: string, text: string): void {
    this.lines.push(`${this.prefix}:${key}=${text}`);
  }

  value(key: string, ...values: number[]): void {
    this.lines.push(`${this.prefix}: ${key} ${values.map(fmtG15).join(' ')}`);
  }

  integer(key: string, ...values: number[]): void {
    this.lines.push(`${this.prefix}: ${key} ${values.map(fmtInt).join(' ')}`);
  }

  channel(channel: string, key: string, values: number[], integer = false): void {
    this.lines.push(`${this.prefix}_${channel}: ${key} ${values.map(integer ? fmtInt : fmtG15).join(' ')}`);
  }

  phi(phiTic: number, phiDeg: number, kFrac: number, FlattB: number, Flatt: number): void {
    this.lines.push(
      `${this.prefix}_PHI phi_tic=${fmtInt(phiTic)} phi_deg=${fmtG15(phiDeg)} k_frac=${fmtG15(kFrac)} F_latt_b=${fmtG15(FlattB)} F_latt=${fmtG15(Flatt)}`,
    );
  }

  text(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }
}
