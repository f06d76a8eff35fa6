/**
 * The lattice transform sincg(x, N) = sin(N x)/sin(x), N at x = 0: nanoBragg.c's sincg.
 * Computed by sincg.wat (assembled into sincg.wasm at build time), which takes both sines at
 * once and returns exactly what Math.sin would give; see the .wat for why and how.
 */
import {readFileSync} from 'node:fs';

const bytes = readFileSync(new URL('./sincg.wasm', import.meta.url));
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {math: {sin: Math.sin}});

export const sincg = instance.exports.sincg as (x: number, N: number) => number;
