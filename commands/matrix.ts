import {Command, Flags} from '@oclif/core';
import {availableParallelism} from 'node:os';
import {parseCommandLine, runCommand} from '../src/cli/common.js';
import {matrixCommand} from '../src/cli/matrix.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Matrix extends Command {
  static summary = 'Run a whole parity campaign (cases x phi modes) in one process, into one bundle; shardable.';
  static description = `Every case of the sources (--cases, repeatable; default: every stored case in traces/) in every phi mode (--phi-mode both by default): the float image against its reference with the compare-images metrics, and every traced pixel through harness against its reference trace (compare-traces' rules, --tolerance relative).
Sources: a stored case's name, a case folder (as capture writes them), a folder of case folders, or a case list in the PyTorch port's YAML format (cases with id, base_args, runs of name + extra_args, thresholds corr_min/sum_ratio_min/sum_ratio_max/max_abs_max). A case list has no stored reference: --c-bin runs C for each run (one thread, a private temporary folder; input files named by the list are read relative to the working folder).
Judged how: a stored case's float image must equal C's exactly (or the sha256 its meta.json records); a case list's thresholds are its own. Spec mode is judged against the <case>_specref oracle where one exists (image and traces); against C, a divergence that C-PARITY-001 fully explains is "explained", not a failure. A case C refused (exit 9) must be refused too.
The implementation under test: the embedded engine, or --impl TEMPLATE, an external program run once per image and once per traced pixel, in the case's private folder. Placeholders: {args} the nanoBragg arguments (a word of its own), {float} the float32 image to write, {mode} spec or c-parity, {trace} the words "-trace_pixel S F" for a traced pixel (nothing for the image run), {slow} {fast} the pixel. For a traced pixel its stdout is the trace (TRACE_PY: lines, or TRACE_C:/TRACE_TS:). A crash, a non-zero exit or a --timeout is that row's error (status error, reason, exit_code 7), never the end of the campaign.
Bounded: --jobs N (default: the core count) case runs at a time; an external program holds one of N slots, an engine render as many as its threads, so no more than N threads are busy.
Output: one bundle ROOT/<UTC yyyymmddTHHMMSSZ>/ (--bundle, default reports/matrix): summary.md (one table, then a section per row that did not pass), metrics.json (schemas/matrix-metrics.schema.json), and cases/<case>/<run>/, a sub-bundle per case run with the evidence of each comparison (image-<mode>/ as compare-images writes it, trace-<mode>-s<S>-f<F>/ as harness --ref --bundle writes it); sha256.txt covers everything (metrics BUNDLE --verify, sha256sum -c). One line per row on stdout, or --json: metrics.json. Progress on a terminal's stderr. Exit 0 when every row passes, 1 otherwise.
Sharding: --shard K/N runs the case runs whose sha256(case id, run name) falls in shard K of N (stable when cases are added elsewhere); "matrix merge SHARD... --bundle ROOT" combines the shard bundles.`;
  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.CANNOT_WRITE, EXIT.EXTERNAL, EXIT.INTERNAL, EXIT.SIGINT, EXIT.SIGTERM];
  static examples = [
    '<%= config.bin %> matrix --only simple_cubic,mosaic,usage_error --bundle evidence',
    '<%= config.bin %> matrix --cases traces/phi_osc_from_zero --phi-mode spec --json',
    'for k in 1 2 3; do <%= config.bin %> matrix --only "si*,so*,tophat*" --shard $k/3 --bundle shards/$k; done',
  ];
  static flags = {
    cases: Flags.string({description: 'a case source: stored case name, case folder, folder of cases, or a YAML case list (repeatable; default: traces)', multiple: true, helpValue: 'SOURCE'}),
    'c-bin': Flags.string({description: 'the C nanoBragg, run live for cases without a stored reference (a YAML case list)', helpValue: 'PATH'}),
    impl: Flags.string({description: 'an external implementation to test instead of the embedded engine (placeholders: see the description)', helpValue: 'TEMPLATE'}),
    'phi-mode': Flags.string({description: 'the phi modes to run', options: ['spec', 'c-parity', 'both'], default: 'both'}),
    only: Flags.string({description: 'only the case runs matching these comma-separated patterns (* any text) on "<case>" or "<case>/<run>"', helpValue: 'PATTERN'}),
    shard: Flags.string({description: 'run shard K of N (1 <= K <= N)', helpValue: 'K/N'}),
    bundle: Flags.string({description: 'root of the timestamped bundle', default: 'reports/matrix', helpValue: 'ROOT'}),
    jobs: Flags.integer({description: `threads kept busy at most (default: the core count, ${availableParallelism()} here)`, min: 1}),
    timeout: Flags.integer({description: 'kill an external program (C, --impl) after this many seconds: that row is an error', min: 1, helpValue: 'SECONDS'}),
    tolerance: Flags.string({description: 'relative tolerance of the trace comparisons', default: '1e-6'}),
    json: Flags.boolean({description: 'print metrics.json instead of one line per row'}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {flags} = await parseCommandLine(this, Matrix);
      return matrixCommand(flags, this.argv);
    });
  }
}
