/** The two number formats the C tracer uses: %.15g for doubles and %d for integers. */
import {formatG} from '../util/cformat.js';
import type {Vec3} from './vec.js';

export const fmtG15 = (x: number): string => formatG(x, 15);
export const fmtVec15 = (v: readonly number[] | Vec3): string => Array.from(v, fmtG15).join(' ');
export const fmtInt = (x: number): string => String(Math.trunc(x));
