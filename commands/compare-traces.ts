import {Command, Flags} from '@oclif/core';

import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {UserError} from '../src/engine/errors.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class CompareTraces extends Command {
  static summary = 'Compare a per-pixel trace with a reference trace, key by key.';

  static description = [
    'Reads TRACE_C / TRACE_PY / TRACE_TS lines (per-pixel `key v…`, set-up `key=…`, TRACE_*_PHI; everything else is ignored) and compares every key occurrence with the same occurrence in the other trace, in pipeline order (schemas/trace-keys.json), then occurrence.',
    '',
    'Scalars pass when |a-b| <= atol + rtol*max(|a|,|b|), 3-vectors by norm, integers exactly; NaN is a divergence. The verdict rests on the per-pixel keys: one outside tolerance, NaN, or missing from the test is a divergence. Set-up (`key=`) and diagnostic keys are compared and reported but never decide it. A trace with set-up lines but no per-pixel block (a pixel C did not render) is nothing to judge (exit 5), a file without trace lines is bad input (exit 3); neither is a pass.',
    '',
    'Given the run\'s nanoBragg arguments (--config CASE, or after "--"), it also says why the traces diverge: the analysis of `explain` (trace-quality diagnostics first, then the hypotheses of schemas/hypotheses.json ranked, each with its confirming command), in the terminal report and in the bundle (summary.md "Explanation", metrics.json diagnostics and explanations); the verdict and exit code stay those of compare-traces.',
    '',
    'Known C behaviours (schemas/c-behaviours.json) are named when their signature is found, e.g. C-PARITY-001 with the harness command that confirms it. --out DIR (exactly that folder, which must not hold anything) or --bundle ROOT (a new ROOT/<UTC yyyymmddTHHMMSSZ>) keeps the comparison as an evidence bundle: reference/ and test/ copies of both traces, metrics.json (schemas/metrics.schema.json), summary.md, index.html (the page to look at: `nbparity view DIR`), warnings.txt, commands.txt, env.json, sha256.txt. --json prints metrics.json.',
  ].join('\n');

  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.IDENTITY, EXIT.NOT_RENDERED, EXIT.CANNOT_WRITE, EXIT.NANOBRAGG_USAGE, EXIT.LIMIT, EXIT.INTERNAL];
  static examples = [
    '<%= config.bin %> compare-traces --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --out cmp',
    '<%= config.bin %> compare-traces --ref traces/simple_cubic/trace_s100_f150.log --test traces/simple_cubic/trace_s100_f150.log --tolerance 1e-9 --json',
    '<%= config.bin %> compare-traces --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --config supervisor',
  ];
  static passthrough = true;

  static flags = {
    c: Flags.string({aliases: ['ref'], required: true, description: 'reference trace (normally TRACE_C); alias --ref', helpValue: 'REF'}),
    py: Flags.string({aliases: ['test'], required: true, description: 'trace under test (TRACE_TS or TRACE_PY); alias --test', helpValue: 'TEST'}),
    out: Flags.string({description: 'keep the comparison as a bundle in exactly this folder (must not exist, or be empty)', helpValue: 'DIR', exclusive: ['bundle']}),
    bundle: Flags.string({description: 'keep the comparison as a bundle in a new timestamped folder under ROOT', helpValue: 'ROOT'}),
    tolerance: Flags.string({description: `relative tolerance rtol (default 1e-6)`, helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance for every key (default: per-key floors from the catalogue, else 0)', helpValue: 'A'}),
    json: Flags.boolean({description: 'print metrics.json to stdout instead of the text report'}),
    'ref-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the reference when it mixes several'})(),
    'test-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the test when it mixes several'})(),
    'harness-command': Flags.string({description: 'harness command line that produced the test trace (used in the confirm command of an attribution)'}),
    config: Flags.string({description: 'the run\'s nanoBragg arguments from a case (name or folder): also explain the divergence (see explain)', helpValue: 'CASE'}),
    pixel: Flags.integer({multiple: true, description: 'with the run\'s arguments: slow then fast pixel index (default: the pixel the traces state)'}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags, passthrough} = await parseCommandLine(this, CompareTraces);
      if (flags.config !== undefined || passthrough.length > 0) {
        // with the run's arguments the comparison is explained too: one analysis, explain's
        const [{runExplain}, {shellQuote}] = await Promise.all([import('../src/cli/explain.js'), import('../src/cli/common.js')]);
        return runExplain(flags, passthrough, shellQuote(['nbparity', 'compare-traces', ...this.argv]), {verdict: 'compare-traces'});
      }
      if (flags.pixel) throw new UserError('--pixel needs the run\'s arguments (--config CASE or -- <nanoBragg args>)', EXIT.USAGE);
      const {compareTracesCommand} = await import('../src/cli/compare-traces.js');
      return compareTracesCommand(flags, this.argv);
    });
  }
}
