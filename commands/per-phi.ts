import {Command, Flags} from '@oclif/core';
import {colourOn, paintVerdict} from '../src/cli/colour.js';

import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {fmtNum} from '../src/report/summary.js';
import {loadCatalogue} from '../src/trace/catalogue.js';
import {DEFAULT_RTOL} from '../src/trace/compare.js';
import {parseNonNegative, TraceInputError} from '../src/trace/errors.js';
import {EXIT} from '../src/util/exit-codes.js';
import type {Prefix} from '../src/trace/parse.js';
import {comparePhiRows, loadPhiTable} from '../src/trace/perphi.js';

export default class PerPhi extends Command {
  static summary = 'Compare the per-phi lines (TRACE_*_PHI) of two traces, step by step.';

  static description = [
    'Prints the per-step table (phi_tic, phi_deg, k_frac, F_latt_b, F_latt and their deltas, test minus reference) and first_divergent_step: the phi_tic of the first step outside tolerance, or null.',
    '',
    'Inputs are trace logs (TRACE_*_PHI lines), or per-phi tables as CSV/TSV (header phi_tic,phi_deg,k_frac,F_latt_b,F_latt) or JSON (an array of rows, or an object with one under per_phi_entries/traces/rows/per_phi, as the trace harness of the PyTorch port writes it with its pixel {slow, fast}). When both sides state their pixel and the two differ, that is said first and the exit code is 4. phi_tic must match exactly; the other fields pass when |a-b| <= atol + rtol*max(|a|,|b|) (phi_deg has a 1e-12 deg floor unless --atol is given).',
    '',
    'A trace or table without per-phi lines is bad input (exit 3), not a pass.',
  ].join('\n');

  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.CANNOT_WRITE, EXIT.LIMIT, EXIT.INTERNAL];
  static examples = ['<%= config.bin %> per-phi --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --json'];

  static flags = {
    c: Flags.string({aliases: ['ref'], required: true, description: 'reference trace or per-phi table; alias --ref', helpValue: 'REF'}),
    py: Flags.string({aliases: ['test'], required: true, description: 'trace or per-phi table under test; alias --test', helpValue: 'TEST'}),
    tolerance: Flags.string({description: `relative tolerance rtol (default 1e-6)`, helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance (default: per-key floors from the catalogue, else 0)', helpValue: 'A'}),
    json: Flags.boolean({description: 'print the table and first_divergent_step as JSON'}),
    'ref-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the reference when it mixes several'})(),
    'test-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the test when it mixes several'})(),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags} = await parseCommandLine(this, PerPhi);
      const rtol = parseNonNegative('tolerance', flags.tolerance) ?? DEFAULT_RTOL;
      const atol = parseNonNegative('atol', flags.atol) ?? null;
      const ref = loadPhiTable(flags.c, {prefix: flags['ref-prefix'] as Prefix | undefined});
      const test = loadPhiTable(flags.py, {prefix: flags['test-prefix'] as Prefix | undefined});
      if (ref.rows.length === 0) throw new TraceInputError(`the reference ${flags.c} has no per-phi lines`);
      if (test.rows.length === 0) throw new TraceInputError(`the test ${flags.py} has no per-phi lines`);
      // a pixel mismatch comes first: a table of two different pixels says nothing about phi
      const mismatch = ref.pixel && test.pixel && (ref.pixel.slow !== test.pixel.slow || ref.pixel.fast !== test.pixel.fast);
      if (mismatch && !flags.json) {
        this.log(`PIXEL MISMATCH: the reference is of pixel slow ${ref.pixel!.slow}, fast ${ref.pixel!.fast}; the test of slow ${test.pixel!.slow}, fast ${test.pixel!.fast}`);
      }
      const catalogue = loadCatalogue();
      const result = comparePhiRows(ref.rows, test.rows, {rtol, atol}, (f) => atol ?? catalogue.get(`PHI.${f}`)?.atol ?? 0);
      if (flags.json) {
        const out = {
          pixel_mismatch: Boolean(mismatch),
          tolerance: rtol,
          atol,
          inputs: {
            ref: {path: ref.source, format: ref.format, sha256: ref.sha256 ?? null, pixel: ref.pixel},
            test: {path: test.source, format: test.format, sha256: test.sha256 ?? null, pixel: test.pixel},
          },
          ...result,
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else {
        const header = ['row', 'phi_tic', 'phi_deg ref', 'phi_deg test', 'k_frac ref', 'k_frac test', 'Δk_frac', 'F_latt_b ref', 'F_latt_b test', 'ΔF_latt_b', 'F_latt ref', 'F_latt test', 'ΔF_latt', 'status'];
        const rows = result.rows.map((r) => [
          String(r.row),
          String(r.phi_tic ?? '—'),
          fmtNum(r.phi_deg_ref),
          fmtNum(r.phi_deg_test),
          fmtNum(r.k_frac_ref),
          fmtNum(r.k_frac_test),
          fmtNum(r.k_frac_delta),
          fmtNum(r.F_latt_b_ref),
          fmtNum(r.F_latt_b_test),
          fmtNum(r.F_latt_b_delta),
          fmtNum(r.F_latt_ref),
          fmtNum(r.F_latt_test),
          fmtNum(r.F_latt_delta),
          r.status === 'pass' ? 'pass' : `${r.status.toUpperCase()} (${r.divergent.join(',')})`,
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]))).join('  ');
        this.log(line(header));
        const on = colourOn();
        // colour after padding, so the escape codes never upset the column widths
        for (const r of rows) this.log(line([...r.slice(0, -1), paintVerdict(r[r.length - 1], on)]));
        this.log(`first_divergent_step: ${result.first_divergent_step ?? 'null'}`);
      }
      if (mismatch) return EXIT.IDENTITY;
      return result.first_divergent_row === null ? EXIT.OK : EXIT.VERDICT;
    });
  }
}
