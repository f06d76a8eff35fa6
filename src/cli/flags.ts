/**
 * Command flags declared once as plain data. oclif gets them through `src/cli/oclif-flags.ts`;
 * the start-up fast path (`src/cli/express.ts`) reads them directly, without loading oclif.
 */
export type FlagSpec =
  | {kind: 'integers'; count: number; description: string; required?: boolean}
  | {kind: 'integer'; description: string; min?: number; max?: number}
  | {kind: 'string'; description: string; options?: readonly string[]; default?: string}
  | {kind: 'boolean'; description: string};

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, number[] | number | string | boolean | undefined>;

const NON_NEGATIVE_INT = /^\d+$/;

/**
 * Flags of the plain forms `--name value...` (values not starting with "-"), each at most once,
 * all valid; undefined for anything else (help, unknown or repeated flags, `--name=value`, bad
 * values, a missing required flag), which the caller then leaves to oclif's full parser.
 */
export function parsePlainFlags(specs: FlagSpecs, argv: string[]): FlagValues | undefined {
  const out: FlagValues = {};
  let i = 0;
  while (i < argv.length) {
    const token = argv[i++];
    if (!token.startsWith('--')) return undefined;
    const name = token.slice(2);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec || out[name] !== undefined) return undefined;
    if (spec.kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const count = spec.kind === 'integers' ? spec.count : 1;
    const values = argv.slice(i, i + count);
    i += count;
    if (values.length < count || values.some((v) => v.startsWith('-'))) return undefined;
    if (spec.kind === 'string') {
      if (spec.options && !spec.options.includes(values[0])) return undefined;
      out[name] = values[0];
      continue;
    }
    if (!values.every((v) => NON_NEGATIVE_INT.test(v))) return undefined;
    const ints = values.map(Number);
    if (spec.kind === 'integer') {
      if (spec.min !== undefined && ints[0] < spec.min) return undefined;
      if (spec.max !== undefined && ints[0] > spec.max) return undefined;
      out[name] = ints[0];
    } else out[name] = ints;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (out[name] !== undefined) continue;
    if (spec.kind === 'integers' && spec.required) return undefined;
    if (spec.kind === 'string' && spec.default !== undefined) out[name] = spec.default;
    if (spec.kind === 'boolean') out[name] = false;
  }
  return out;
}
