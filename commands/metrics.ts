import {Args, Command, Flags} from '@oclif/core';
import {paintVerdict} from '../src/cli/colour.js';

import {parseCommandLine, runCommand, shellQuote} from '../src/cli/common.js';
import {parseNonNegative} from '../src/trace/errors.js';
import {EXIT} from '../src/util/exit-codes.js';

export default class Metrics extends Command {
  static summary = 'Verify an evidence bundle, or recompute the comparison of a trace bundle.';

  static description = [
    "With --verify: re-hashes every file against sha256.txt (and every sub-bundle against its own), re-draws every index.html from its metrics.json and compares the bytes, and changes nothing; any bundle: harness, compare-traces, compare-images, a campaign of sub-bundles. A changed, missing or extra file, or a page that is not what its metrics.json draws, is a verdict (exit 1). A folder without sha256.txt, or with an empty or malformed one, is bad input (exit 3): an empty manifest vouches for nothing.",
    '',
    "Without --verify (trace-comparison bundles only): recomputes summary.md, metrics.json and index.html from the bundle's trace and reference (tolerance from env.json unless --tolerance/--atol are given), appends this command to commands.txt, refreshes env.json and rewrites sha256.txt. Each file is replaced atomically. Another kind of bundle is refused (exit 2), and so is an explain bundle: its hypotheses were judged by re-running the engine (run explain again).",
  ].join('\n');

  static exitCodes = [EXIT.OK, EXIT.VERDICT, EXIT.USAGE, EXIT.BAD_INPUT, EXIT.CANNOT_WRITE, EXIT.LIMIT, EXIT.INTERNAL];
  static examples = [
    '<%= config.bin %> compare-traces --c traces/supervisor/trace_s685_f1039.log --py traces/supervisor_specref/trace_s685_f1039.log --out cmp',
    '<%= config.bin %> metrics cmp --verify',
    '<%= config.bin %> metrics cmp --tolerance 0.2',
  ];

  static args = {
    bundle: Args.string({required: true, description: 'bundle folder (e.g. ROOT/<yyyymmddTHHMMSSZ>)'}),
  };

  static flags = {
    verify: Flags.boolean({description: 're-hash every file against sha256.txt; exit 1 on any changed, missing or extra file'}),
    tolerance: Flags.string({description: 'relative tolerance for the recomputed comparison (default: env.json)', helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance for the recomputed comparison (default: env.json)', helpValue: 'A'}),
    json: Flags.boolean({description: 'print the result as JSON'}),
  };

  async run(): Promise<void> {
    await runCommand(async () => {
      const {args, flags} = await parseCommandLine(this, Metrics);
      if (flags.verify) {
        const {verifyBundle} = await import('../src/report/bundle.js');
        const result = await verifyBundle(args.bundle);
        if (flags.json) {
          process.stdout.write(JSON.stringify({bundle: args.bundle, ...result}, null, 2) + '\n');
        } else if (result.ok) {
          const n = result.pages.length;
          const pages = n === 0 ? '' : `; ${n === 1 ? 'index.html is' : `${n} index.html pages are`} what metrics.json draws`;
          this.log(paintVerdict(`OK: ${result.checked} files match ${result.manifests.length === 1 ? 'sha256.txt' : `${result.manifests.length} sha256.txt files`} in ${args.bundle}${pages}`));
        } else {
          const hashes = result.changed.length + result.missing.length + result.extra.length > 0;
          this.log(paintVerdict(`FAILED: ${args.bundle} ${hashes ? 'does not match its sha256.txt' : 'has a page that is not what its metrics.json draws'}`));
          for (const f of result.changed) this.log(`  changed: ${f}`);
          for (const f of result.missing) this.log(`  missing: ${f}`);
          for (const f of result.extra) this.log(`  extra:   ${f}`);
          for (const f of result.stale_pages) this.log(`  not drawn from its metrics.json: ${f}`);
        }
        return result.ok ? EXIT.OK : EXIT.VERDICT;
      }
      const {regenerateBundle} = await import('../src/report/trace-evidence.js');
      const result = await regenerateBundle(args.bundle, {
        tolerance: parseNonNegative('tolerance', flags.tolerance),
        atol: parseNonNegative('atol', flags.atol),
        command: shellQuote(['nbparity', 'metrics', ...this.argv]),
      });
      const c = result.comparison;
      if (flags.json) {
        process.stdout.write(JSON.stringify({bundle: args.bundle, written: result.written, verdict: c.verdict, first_divergence: c.first_divergence?.key ?? null}, null, 2) + '\n');
      } else {
        this.log(`wrote ${result.written.join(', ')} in ${args.bundle}`);
        this.log(`  comparison: ${c.verdict}${c.first_divergence ? `, first divergence ${c.first_divergence.key}` : ''}`);
      }
      return EXIT.OK;
    });
  }
}
