import {Command, Flags} from '@oclif/core';

import {parseFlags} from '../src/cli/common.js';
import {failCommand} from '../src/report/cli-errors.js';
import {writeComparisonOutputs, buildMetrics, metricsText, validateMetrics} from '../src/report/metrics.js';
import {fmtNum} from '../src/report/summary.js';
import {compareTraceFiles, DEFAULT_RTOL, exitCodeOf} from '../src/trace/compare.js';
import {EXIT_CODES_HELP, parseNonNegative} from '../src/trace/errors.js';
import type {Prefix} from '../src/trace/parse.js';

export default class CompareTraces extends Command {
  static summary = 'Compare a per-pixel trace with a reference trace, key by key.';

  static description = [
    'Reads TRACE_C / TRACE_PY / TRACE_TS lines (per-pixel `key v…`, set-up `key=…`, TRACE_*_PHI; everything else is ignored) and compares every key occurrence with the same occurrence in the other trace, in pipeline order (schemas/trace-keys.json), then occurrence.',
    '',
    'Scalars pass when |a-b| <= atol + rtol*max(|a|,|b|), 3-vectors by norm, integers exactly; NaN is a divergence. The verdict rests on the per-pixel keys: one outside tolerance, NaN, or missing from the test is a divergence. Set-up (`key=`) and diagnostic keys are compared and reported but never decide it. A trace without a per-pixel block is bad input, not a pass.',
    '',
    'Known C behaviours (schemas/c-behaviours.json) are named when their signature is found, e.g. C-PARITY-001 with the harness command that confirms it. With --out, writes summary.md and metrics.json beside it (metrics validated against schemas/metrics.schema.json first).',
    '',
    EXIT_CODES_HELP,
  ].join('\n');

  static examples = [
    '<%= config.bin %> compare-traces --c traces/supervisor/trace_s685_f1039.log --py trace_ts.log --out reports/cmp/summary.md',
    '<%= config.bin %> compare-traces --ref c.log --test ts.log --tolerance 1e-9 --json',
  ];

  static flags = {
    c: Flags.string({aliases: ['ref'], required: true, description: 'reference trace (normally TRACE_C); alias --ref', helpValue: 'REF'}),
    py: Flags.string({aliases: ['test'], required: true, description: 'trace under test (TRACE_TS or TRACE_PY); alias --test', helpValue: 'TEST'}),
    out: Flags.string({description: 'where to write summary.md (a .md path, or a folder); metrics.json goes beside it', helpValue: 'DIR/summary.md'}),
    tolerance: Flags.string({description: `relative tolerance rtol (default 1e-6)`, helpValue: 'RTOL'}),
    atol: Flags.string({description: 'absolute tolerance for every key (default: per-key floors from the catalogue, else 0)', helpValue: 'A'}),
    json: Flags.boolean({description: 'print metrics.json to stdout instead of the text report'}),
    'ref-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the reference when it mixes several'})(),
    'test-prefix': Flags.option({options: ['C', 'PY', 'TS'] as const, description: 'prefix to read from the test when it mixes several'})(),
    'harness-command': Flags.string({description: 'harness command line that produced the test trace (used in the confirm command of an attribution)'}),
  };

  async run(): Promise<void> {
    const {flags} = await parseFlags(this, () => this.parse(CompareTraces));
    let code: number;
    try {
      const comparison = compareTraceFiles(flags.c, flags.py, {
        rtol: parseNonNegative('tolerance', flags.tolerance) ?? DEFAULT_RTOL,
        atol: parseNonNegative('atol', flags.atol) ?? null,
        refPrefix: flags['ref-prefix'] as Prefix | undefined,
        testPrefix: flags['test-prefix'] as Prefix | undefined,
        harnessCommand: flags['harness-command'],
      });
      const written = flags.out ? await writeComparisonOutputs(comparison, flags.out) : null;
      if (flags.json) {
        const metrics = buildMetrics(comparison);
        validateMetrics(metrics);
        process.stdout.write(metricsText(metrics));
      } else {
        const f = comparison.first_divergence;
        const n = comparison.counts;
        this.log(
          comparison.verdict === 'pass'
            ? `PASS: ${n.compared} key occurrences compared, all decisive ones within tolerance (rtol ${comparison.tolerance.rtol})`
            : `DIVERGENCE: first at ${f!.key} (occurrence ${f!.occurrence}, stage ${f!.stage}, ${f!.status}; ` +
                `abs Δ ${fmtNum(f!.abs_delta)}, rel Δ ${fmtNum(f!.rel_delta)})`,
        );
        this.log(
          `  per-pixel: ${n.divergent} decisive of ${comparison.keys.filter((k) => k.scope === 'pixel').length}; ` +
            `${n.missing} missing, ${n.extra} extra; set-up/diagnostic not passing: ${n.setup_not_passing} (not part of the verdict)`,
        );
        if (comparison.per_phi.rows.length > 0) {
          this.log(`  per-phi: first_divergent_step ${comparison.per_phi.first_divergent_step ?? 'null'}`);
        }
        for (const a of comparison.attributions) {
          this.log(`  known C behaviour: ${a.id} (${a.title}), ${a.match} match, shown by the ${a.side}`);
          if (a.confirm_command) this.log(`    confirm: ${a.confirm_command}`);
        }
        if (written) this.log(`  wrote ${written.summary} and ${written.metrics}`);
      }
      code = exitCodeOf(comparison);
    } catch (error) {
      failCommand(this, error);
    }
    if (code !== 0) this.exit(code);
  }
}
