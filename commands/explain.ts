import {Command, Flags} from '@oclif/core';

import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Explain extends Command {
  static summary = 'Say why a test trace diverges from the C trace, by re-running the engine under hypotheses.';

  static description = [
    'Compares the test trace with the reference (as compare-traces does), then re-runs the engine, which reproduces C, for the same pixel under each hypothesis of schemas/hypotheses.json: phi mode (C-PARITY-001, also recognised from rot_* and hkl_frac alone), the pixel transposed or a neighbour, -distance taken as -close_distance, the other pivot, other beam-centre conventions and a half-pixel offset, a unit slip found by a scale factor between corresponding keys, float32 precision (recognised from the printed digits and round-off-sized early differences, then judged at the tolerance float32 can reach), and the C OpenMP thread-start state; pairs of them when no single one explains everything. Each hypothesis is one in-process harness evaluation (at most --max-evaluations).',
    '',
    'Trace-quality diagnostics come first (a pixel mismatch before anything else; values with too few digits for the tolerance; a test without per-phi or set-up lines, in one sentence; I_pixel_final against the product of its own scaling keys; no pixel identity), then the hypotheses ranked by how far down the pipeline (schemas/trace-keys.json) they move the first divergence, or whether they remove it, each with the keys it makes agree, its tolerance and the harness command line that confirms it. Keys the test does not print are not judged.',
    '',
    'The run\'s arguments come from --config CASE or follow "--" (input files relative to the working folder). The pixel is the one the traces state, or --pixel. --py-phi FILE adds the per-phi lines the port writes apart (its JSON: per_phi_entries, pixel {slow, fast}, dtype): they are judged when the test trace has none, its pixel counts as the pixel of the test, and dtype float32 is taken as evidence of float32. --out DIR / --bundle ROOT keep the evidence (summary.md with an "Explanation" section, metrics.json with diagnostics and explanations); --json prints metrics.json.',
    '',
    'Exit 0 when the test equals the reference on every key it prints, 1 when it diverges (explained or not), 4 when the traces state different pixels.',
  ].join('\n');

  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.NOT_RENDERED, EXIT.CANNOT_WRITE, EXIT.NANOBRAGG_USAGE, EXIT.LIMIT, EXIT.INTERNAL];
  static examples = [
    '<%= config.bin %> explain --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --config supervisor',
    '<%= config.bin %> explain --c traces/simple_cubic/trace_s100_f150.log --py traces/simple_cubic/trace_s100_f150.log --config simple_cubic --json',
    '<%= config.bin %> explain --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --config supervisor --out explained',
  ];
  static passthrough = true;

  static flags = {
    c: Flags.string({aliases: ['ref'], required: true, description: 'reference trace (normally TRACE_C); alias --ref', helpValue: 'REF'}),
    py: Flags.string({aliases: ['test'], required: true, description: 'trace under test (TRACE_PY or TRACE_TS); alias --test', helpValue: 'TEST'}),
    'py-phi': Flags.string({description: 'the test\'s per-phi lines as the port writes them apart (its JSON with per_phi_entries, pixel and dtype, or a CSV/TSV/trace): used when the test trace has none', helpValue: 'FILE'}),
    config: Flags.string({description: 'the run\'s nanoBragg arguments from a case: a stored case name (traces/<name>/) or a case folder path', helpValue: 'CASE'}),
    pixel: Flags.integer({multiple: true, description: 'slow then fast pixel index (default: the pixel the traces state)'}),
    out: Flags.string({description: 'keep the evidence as a bundle in exactly this folder (must not exist, or be empty)', helpValue: 'DIR', exclusive: ['bundle']}),
    bundle: Flags.string({description: 'keep the evidence as a bundle in a new timestamped folder under ROOT', helpValue: 'ROOT'}),
    json: Flags.boolean({description: 'print metrics.json (with diagnostics and explanations) instead of the text report'}),
    tolerance: Flags.string({description: 'relative tolerance rtol (default 1e-6)', helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance for every key (default: per-key floors from the catalogue, else 0)', helpValue: 'A'}),
    'phi-mode': Flags.option({options: ['c-parity', 'spec'] as const, default: 'c-parity' as const, description: 'how the reference was made: c-parity (C itself) or spec'})(),
    'c-threads': Flags.integer({min: 1, description: 'the reference was made by C with OMP_NUM_THREADS=N (default 1)'}),
    'max-evaluations': Flags.integer({min: 1, description: `at most this many engine evaluations (default 120)`}),
    'ref-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the reference when it mixes several'})(),
    'test-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the test when it mixes several'})(),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, Explain);
      const [{runExplain}, {shellQuote}] = await Promise.all([import('../src/cli/explain.js'), import('../src/cli/common.js')]);
      return runExplain(flags, passthrough, shellQuote(['nbparity', 'explain', ...this.argv]));
    });
  }
}
