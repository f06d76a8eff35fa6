/**
 * Recognising known C behaviours (schemas/c-behaviours.json) in a comparison.
 *
 * phi-zero-repeat (C-PARITY-001): the per-phi lines agree everywhere except at zero-angle steps,
 * and at each of those one side repeats the values of its own last phi step (of the same
 * sub-path group) while the other does not. The repeating side is normally the C reference
 * (side "reference": the test follows the spec); a test that repeats while the reference does
 * not (side "test") reproduces the C bug against a spec-mode reference. The match is "full" when
 * every decisive divergence is one of the keys the behaviour affects, else "partial" and the
 * other keys are listed as unexplained.
 *
 * setup-ratio (C-LOGGING-BUG-001): a set-up key whose chosen components differ by exactly the
 * registered ratio.
 */
import {loadBehaviours, type KnownBehaviour, type PhiZeroRepeatDetector, type SetupRatioDetector} from './catalogue.js';
import type {TraceComparison} from './compare.js';
import {compareScalar} from './numeric.js';
import type {ParsedTrace, PhiRow} from './parse.js';

export interface Attribution {
  id: string;
  title: string;
  /** "verdict": explains decisive divergences; "setup": explains set-up differences only */
  scope: 'verdict' | 'setup';
  /** which trace shows the behaviour */
  side: 'reference' | 'test';
  match: 'full' | 'partial';
  /** phi_tic of the zero-angle steps involved (phi-zero-repeat) */
  steps: number[];
  explanation: string;
  /** command that confirms the attribution, or null */
  confirm_command: string | null;
  /** what the confirm command should give */
  confirm_expect: string | null;
  /** decisive divergent keys the behaviour does not explain */
  unexplained: string[];
}

/**
 * The arguments of a harness command line without --phi-mode and --bundle, split at `--` (the
 * nanoBragg arguments that follow it); `<the same arguments>` when no command is known.
 */
export function harnessArgsOf(command: string | undefined): {own: string; passthrough: string | null} {
  if (!command) return {own: '<the same arguments>', passthrough: null};
  const tokens = command.trim().split(/\s+/);
  const at = tokens.indexOf('harness');
  const args = at >= 0 ? tokens.slice(at + 1) : tokens;
  const dashes = args.indexOf('--');
  const mine = dashes >= 0 ? args.slice(0, dashes) : args;
  const own: string[] = [];
  for (let i = 0; i < mine.length; i++) {
    const t = mine[i];
    if (t === '--phi-mode' || t === '--bundle') {
      i++;
      continue;
    }
    if (t.startsWith('--phi-mode=') || t.startsWith('--bundle=')) continue;
    own.push(t);
  }
  return {own: own.join(' '), passthrough: dashes >= 0 ? args.slice(dashes + 1).join(' ') : null};
}

/** A registry confirm template (`nbparity harness {args} --phi-mode …`) filled from a harness command line. */
export function confirmCommand(template: string, harnessCommand: string | undefined): string {
  const {own, passthrough} = harnessArgsOf(harnessCommand);
  const filled = template.replace('{args}', own).replace(/\s+/g, ' ').trim();
  return passthrough === null ? filled : `${filled} -- ${passthrough}`;
}

function lastOfGroup(rows: PhiRow[], row: PhiRow): PhiRow | undefined {
  let last: PhiRow | undefined;
  for (const r of rows) if (r.group === row.group) last = r;
  return last;
}

function repeatsLast(rows: PhiRow[], row: PhiRow, rtol: number): boolean {
  const last = lastOfGroup(rows, row);
  if (!last || last.index === row.index) return false;
  return (['k_frac', 'F_latt_b', 'F_latt'] as const).every(
    (f) => compareScalar(last[f], row[f], 0, Math.max(rtol, 1e-12)).status === 'pass',
  );
}

function detectPhiZeroRepeat(
  behaviour: KnownBehaviour,
  detector: PhiZeroRepeatDetector,
  cmp: TraceComparison,
  ref: ParsedTrace,
  test: ParsedTrace,
  harnessCommand: string | undefined,
): Attribution | null {
  const rows = cmp.per_phi.rows;
  if (rows.length === 0 || ref.phi.length !== test.phi.length) return null;
  const divergent = rows.filter((r) => r.status !== 'pass');
  if (divergent.length === 0) return null;
  const zero = detector.zero_angle_deg;
  let side: 'reference' | 'test' | null = null;
  for (const d of divergent) {
    const r = ref.phi[d.row];
    const t = test.phi[d.row];
    if (r.phi_tic !== t.phi_tic || !(Math.abs(r.phi_deg) <= zero) || !(Math.abs(t.phi_deg) <= zero)) return null;
    const refRepeats = repeatsLast(ref.phi, r, cmp.tolerance.rtol);
    const testRepeats = repeatsLast(test.phi, t, cmp.tolerance.rtol);
    const thisSide = refRepeats && !testRepeats ? 'reference' : testRepeats && !refRepeats ? 'test' : null;
    if (thisSide === null || (side !== null && side !== thisSide)) return null;
    side = thisSide;
  }
  if (side === null) return null;
  const affected = new Set(detector.affected_keys);
  const unexplained = [...new Set(cmp.keys.filter((k) => k.counts && !affected.has(k.key)).map((k) => k.key))];
  const steps = [...new Set(divergent.map((d) => d.phi_tic).filter((x): x is number => x !== null))];
  const confirm = behaviour.confirm
    ? confirmCommand(side === 'reference' ? behaviour.confirm.reference_side : behaviour.confirm.test_side, harnessCommand)
    : null;
  const rowsText = `${divergent.length} of ${rows.length} per-phi line(s), all at a zero-angle step (phi_tic ${steps.join(', ')})`;
  const explanation =
    side === 'reference'
      ? `The per-phi lines agree except ${rowsText}, where the reference repeats the k_frac, F_latt_b and F_latt of its last phi step: ` +
        `the signature of ${behaviour.id} (${behaviour.title}). The reference carries the C bug; the test follows the spec.`
      : `The per-phi lines agree except ${rowsText}, where the test repeats the values of its last phi step and the reference does not: ` +
        `the test reproduces ${behaviour.id} (${behaviour.title}) against a spec-mode reference.`;
  return {
    id: behaviour.id,
    title: behaviour.title,
    scope: 'verdict',
    side,
    match: unexplained.length === 0 ? 'full' : 'partial',
    steps,
    explanation:
      unexplained.length === 0
        ? `${explanation} Every decisive divergence is a key it affects.`
        : `${explanation} It does not explain the divergence of: ${unexplained.join(', ')}.`,
    confirm_command: confirm,
    confirm_expect: behaviour.confirm?.expect ?? null,
    unexplained,
  };
}

function detectSetupRatio(behaviour: KnownBehaviour, detector: SetupRatioDetector, cmp: TraceComparison): Attribution | null {
  const failing = cmp.keys.filter((k) => k.key === detector.key && k.ref && k.test && k.status !== 'pass');
  if (failing.length === 0) return null;
  const rtol = Math.max(cmp.tolerance.rtol, 1e-9);
  let side: 'reference' | 'test' | null = null;
  for (const k of failing) {
    const r = k.ref!.numbers;
    const t = k.test!.numbers;
    if (!r || !t || r.length !== t.length) return null;
    const matches = (a: number[], b: number[]) =>
      detector.components.every((i) => i < a.length && compareScalar(a[i], b[i] * detector.ratio, 0, rtol).status === 'pass' && a[i] !== 0);
    const thisSide = matches(r, t) ? 'reference' : matches(t, r) ? 'test' : null;
    if (thisSide === null || (side !== null && side !== thisSide)) return null;
    side = thisSide;
  }
  if (side === null) return null;
  return {
    id: behaviour.id,
    title: behaviour.title,
    scope: 'setup',
    side,
    match: 'full',
    steps: [],
    explanation: `${detector.key} differs by a factor ${side === 'reference' ? detector.ratio : 1 / detector.ratio} (reference/test): ${behaviour.summary}`,
    confirm_command: null,
    confirm_expect: null,
    unexplained: [],
  };
}

export function detectAttributions(
  cmp: TraceComparison,
  ref: ParsedTrace,
  test: ParsedTrace,
  harnessCommand?: string,
): Attribution[] {
  const out: Attribution[] = [];
  for (const b of loadBehaviours().behaviours) {
    // image detectors (thread-block-starts) belong to compare-images
    const d = b.detector;
    const found =
      d?.type === 'phi-zero-repeat' ? detectPhiZeroRepeat(b, d, cmp, ref, test, harnessCommand) : d?.type === 'setup-ratio' ? detectSetupRatio(b, d, cmp) : null;
    if (found) out.push(found);
  }
  return out;
}
