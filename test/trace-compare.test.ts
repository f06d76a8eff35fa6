import {expect} from 'chai';
import {readFileSync} from 'node:fs';

import {compareTraceInputs, exitCodeOf, type CompareOptions, type KeyComparison, type TraceComparison} from '../src/trace/compare.js';
import type {UserError} from '../src/engine/errors.js';
import {TraceInputError} from '../src/trace/errors.js';
import {compareScalar, compareVector} from '../src/trace/numeric.js';
import {rewritePrefix} from '../src/trace/parse.js';
import {caseFile} from './helpers/paths.js';

const read = (c: string, f: string) => readFileSync(caseFile(c, f), 'utf8');
const C_SUP = read('supervisor', 'trace_s685_f1039.log');
const SPEC_SUP = read('supervisor_specref', 'trace_s685_f1039.log');
const C_CUBIC = read('simple_cubic', 'trace_s100_f150.log');
const asTS = (text: string) => rewritePrefix(text, 'C', 'TS');

function cmp(refText: string, testText: string, options: CompareOptions = {}): TraceComparison {
  return compareTraceInputs(
    {path: 'ref.log', text: refText, sha256: 'a'.repeat(64), bytes: refText.length},
    {path: 'test.log', text: testText, sha256: 'b'.repeat(64), bytes: testText.length},
    options,
  );
}

/** Replaces the values of the n-th (1-based) `TRACE_TS: key …` line. */
function setValue(text: string, key: string, values: string, occurrence = 1): string {
  let seen = 0;
  const lines = text.split('\n').map((l) => {
    if (l.startsWith(`TRACE_TS: ${key} `) && ++seen === occurrence) return `TRACE_TS: ${key} ${values}`;
    return l;
  });
  if (seen < occurrence) throw new Error(`no occurrence ${occurrence} of ${key}`);
  return lines.join('\n');
}

const entry = (c: TraceComparison, key: string, occurrence = 1): KeyComparison => {
  const e = c.keys.find((k) => k.key === key && k.occurrence === occurrence);
  if (!e) throw new Error(`no ${key}#${occurrence}`);
  return e;
};

describe('compare-traces: tolerance rules', () => {
  it('scalars: |a-b| <= atol + rtol*max(|a|,|b|); deltas are test minus reference', () => {
    expect(compareScalar(1, 1 + 0.9e-6, 0, 1e-6).status).to.equal('pass');
    expect(compareScalar(1, 1 + 1.1e-6, 0, 1e-6).status).to.equal('fail');
    expect(compareScalar(0, 1e-13, 1e-12, 0).status).to.equal('pass');
    const d = compareScalar(943654.80923755, 807189.768677586, 0, 1e-6);
    expect(d.status).to.equal('fail');
    expect(d.rel_delta).to.be.closeTo(-0.1446, 1e-4);
    expect(d.abs_delta).to.be.closeTo(-136465.04, 0.01);
    expect(compareScalar(NaN, NaN, 0, 1).status).to.equal('nan');
    // an infinity is never a pass, not even against the same infinity (issue #7)
    expect(compareScalar(Infinity, Infinity, 0, 0).status).to.equal('fail');
    expect(compareScalar(1, -Infinity, 0, 1).status).to.equal('fail');
    expect(compareScalar(0, 1, 0, 1e-6).rel_delta).to.equal(null);
  });

  it('3-vectors by norm, so a small component may move by rtol of the whole vector', () => {
    // incident_vec: x ~ 5e-4; a 5e-7 shift is 1e-3 of the component but 5e-7 of the norm
    expect(compareVector([5.13879494e-4, 0, -1], [5.13879494e-4 + 5e-7, 0, -1], 0, 1e-6).status).to.equal('pass');
    expect(compareVector([5.13879494e-4, 0, -1], [5.13879494e-4 + 2e-6, 0, -1], 0, 1e-6).status).to.equal('fail');
    expect(compareVector([1, 2, 3], [1, 2], 0, 1).status).to.equal('shape');
  });
});

describe('compare-traces: the C traces against themselves and the spec oracle', () => {
  it('a trace compared with itself passes: exit 0, first_divergence null', () => {
    const c = cmp(C_SUP, asTS(C_SUP));
    expect(c.verdict).to.equal('pass');
    expect(exitCodeOf(c)).to.equal(0);
    expect(c.first_divergence).to.equal(null);
    expect(c.counts.divergent).to.equal(0);
    expect(c.missing).to.deep.equal([]);
    expect(c.extra).to.deep.equal([]);
    expect(c.per_phi.first_divergent_step).to.equal(null);
    expect(c.attributions).to.deep.equal([]);
    expect(c.key_order_diff).to.equal(null);
    expect(c.pixel).to.deep.equal({slow: 685, fast: 1039});
    // every per-pixel key of the C trace, with 10 per-phi rows x 5 fields
    expect(c.keys.filter((k) => k.key.startsWith('PHI.'))).to.have.length(50);
  });

  it('spec oracle vs C: divergence at rot_a_angstroms, I_before_scaling -14.46 %, C-PARITY-001 named', () => {
    const c = cmp(C_SUP, asTS(SPEC_SUP), {harnessCommand: 'nbparity harness --pixel 685 1039 --phi-mode spec -- -mat A.mat'});
    expect(c.verdict).to.equal('divergence');
    expect(exitCodeOf(c)).to.equal(1);
    expect(c.first_divergence!.key).to.equal('rot_a_angstroms');
    const I = entry(c, 'I_before_scaling');
    expect(I.status).to.equal('fail');
    expect(I.rel_delta).to.be.closeTo(-0.1446, 5e-4);
    expect(c.per_phi.first_divergent_step).to.equal(0);
    // the geometry before the rotation agrees
    for (const k of ['pix0_vector_meters', 'pixel_pos_meters', 'scattering_vec_A_inv', 'omega_pixel_sr']) {
      expect(entry(c, k).status, k).to.equal('pass');
    }
    // phi_deg 1e-30 (oracle) vs 0 (C) passes thanks to the catalogue floor
    expect(entry(c, 'PHI.phi_deg', 1).status).to.equal('pass');
    expect(c.attributions).to.have.length(1);
    const a = c.attributions[0];
    expect(a).to.include({id: 'C-PARITY-001', side: 'reference', match: 'full', scope: 'verdict'});
    expect(a.steps).to.deep.equal([0]);
    expect(a.confirm_command).to.equal('nbparity harness --pixel 685 1039 --phi-mode c-parity -- -mat A.mat');
  });

  it('the reverse situation (test repeats the last step, reference follows the spec) is attributed to the test', () => {
    const c = cmp(SPEC_SUP, asTS(C_SUP));
    expect(c.verdict).to.equal('divergence');
    expect(c.attributions[0]).to.include({id: 'C-PARITY-001', side: 'test'});
    expect(c.attributions[0].confirm_command).to.contain('--phi-mode spec');
  });

  it('an unrelated divergence on top of the C-PARITY-001 signature makes the match partial', () => {
    const test = setValue(asTS(SPEC_SUP), 'polar', '0.8');
    const c = cmp(C_SUP, test);
    expect(c.attributions[0]).to.include({id: 'C-PARITY-001', match: 'partial'});
    expect(c.attributions[0].unexplained).to.deep.equal(['polar']);
  });

  it('no attribution when the per-phi lines diverge at a non-zero angle', () => {
    const test = asTS(C_SUP).replace(/(TRACE_TS_PHI phi_tic=5 phi_deg=0.05 k_frac=)-0.599217365458823/, '$1-0.5992');
    const c = cmp(C_SUP, test);
    expect(c.per_phi.first_divergent_step).to.equal(5);
    expect(c.first_divergence!.key).to.equal('PHI.k_frac');
    expect(c.first_divergence!.occurrence).to.equal(6);
    expect(c.attributions).to.deep.equal([]);
  });
});

describe('compare-traces: perturbations', () => {
  const base = asTS(C_SUP);

  it('finds one perturbed value at the right key, and only there', () => {
    const c = cmp(C_SUP, setValue(base, 'polar', '0.914641'));
    expect(c.verdict).to.equal('divergence');
    expect(c.first_divergence!.key).to.equal('polar');
    expect(c.counts.divergent).to.equal(1);
    expect(entry(c, 'polar').rel_delta).to.be.closeTo((0.914641 - 0.91463969894451) / 0.91463969894451, 1e-12);
  });

  it('a change within tolerance passes; the tolerance and atol are honoured', () => {
    const within = setValue(base, 'polar', '0.914639699');
    expect(cmp(C_SUP, within).verdict).to.equal('pass');
    const off = setValue(base, 'polar', '0.9147');
    expect(cmp(C_SUP, off).verdict).to.equal('divergence');
    expect(cmp(C_SUP, off, {rtol: 1e-3}).verdict).to.equal('pass');
    expect(cmp(C_SUP, off, {rtol: 0, atol: 1e-4}).verdict).to.equal('pass');
  });

  it('the first divergence follows pipeline order, not the order of the perturbations', () => {
    let t = setValue(base, 'floatimage_accumulated', '1');
    t = setValue(t, 'F_cell', '191');
    t = setValue(t, 'pix0_vector_meters', '-0.2 0.216343050492215 -0.230192414300537');
    const c = cmp(C_SUP, t);
    expect(c.first_divergence!.key).to.equal('pix0_vector_meters');
    const decisive = c.keys.filter((k) => k.counts).map((k) => k.key);
    expect(decisive.indexOf('F_cell')).to.be.lessThan(decisive.indexOf('floatimage_accumulated'));
  });

  it('compares repeated keys occurrence by occurrence (simple_cubic, 3rd sub-pixel)', () => {
    const t = setValue(asTS(C_CUBIC), 'pixel_pos_meters', '0.1 0.002825 0.0022', 3);
    const c = cmp(C_CUBIC, t);
    expect(c.first_divergence).to.include({key: 'pixel_pos_meters', occurrence: 3});
    expect(entry(c, 'pixel_pos_meters', 1).status).to.equal('pass');
    expect(entry(c, 'pixel_pos_meters', 4).status).to.equal('pass');
    expect(c.keys.filter((k) => k.key === 'pixel_pos_meters')).to.have.length(4);
  });

  it('integers compare exactly', () => {
    const c = cmp(C_SUP, setValue(base, 'hkl_rounded', '-7 -1 -13'));
    expect(c.first_divergence!.key).to.equal('hkl_rounded');
    expect(cmp(C_SUP, setValue(base, 'steps', '11')).first_divergence!.key).to.equal('steps');
  });

  it('NaN is a divergence, even on both sides', () => {
    const c = cmp(C_SUP, setValue(base, 'I_before_scaling', 'nan'));
    expect(c.verdict).to.equal('divergence');
    expect(c.first_divergence).to.include({key: 'I_before_scaling', status: 'nan'});
    const both = cmp(rewritePrefix(setValue(base, 'omega_pixel', '-nan'), 'TS', 'C'), setValue(base, 'omega_pixel', 'nan'));
    expect(both.first_divergence).to.include({key: 'omega_pixel', status: 'nan'});
    const vec = cmp(C_SUP, setValue(base, 'diffracted_vec', '-0.15 nan -0.91'));
    expect(vec.first_divergence).to.include({key: 'diffracted_vec', status: 'nan'});
  });

  it('a per-pixel key missing from the test is a divergence; extra keys are reported', () => {
    const noPolar = base.split('\n').filter((l) => !l.startsWith('TRACE_TS: polar ')).join('\n');
    const c = cmp(C_SUP, noPolar);
    expect(c.verdict).to.equal('divergence');
    expect(c.first_divergence).to.include({key: 'polar', status: 'missing'});
    expect(c.missing.map((k) => k.key)).to.deep.equal(['polar']);
    expect(c.key_order_diff).to.contain('-polar');

    const extraKey = base.replace('TRACE_TS: steps 10', 'TRACE_TS: steps 10\nTRACE_TS: my_debug_value 42');
    const e = cmp(C_SUP, extraKey);
    expect(e.verdict).to.equal('pass');
    expect(e.extra.map((k) => [k.key, k.counts])).to.deep.equal([['my_debug_value', false]]);
    expect(e.key_order_diff).to.contain('+my_debug_value');

    const extraOccurrence = base.replace('TRACE_TS: steps 10', 'TRACE_TS: steps 10\nTRACE_TS: polar 0.91463969894451');
    const x = cmp(C_SUP, extraOccurrence);
    expect(x.verdict).to.equal('divergence');
    expect(x.first_divergence).to.include({key: 'polar', occurrence: 2, status: 'extra'});
  });

  it('a different key order is shown as a diff even when nothing is missing', () => {
    const lines = base.split('\n');
    const i = lines.findIndex((l) => l.startsWith('TRACE_TS: r_e_meters'));
    [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
    const c = cmp(C_SUP, lines.join('\n'));
    expect(c.verdict).to.equal('pass');
    expect(c.key_order_diff).to.match(/^[-+]r_e_meters$/m);
  });

  it('set-up keys absent from the test are reported but do not decide the verdict', () => {
    const noSetup = base.split('\n').filter((l) => !/^TRACE_TS:[A-Za-z_]+=/.test(l)).join('\n');
    const c = cmp(C_SUP, noSetup);
    expect(c.verdict).to.equal('pass');
    expect(c.first_divergence).to.equal(null);
    expect(c.counts.setup_not_passing).to.be.greaterThan(20);
    expect(c.missing.every((k) => k.scope === 'setup' && !k.counts)).to.equal(true);
    // a differing set-up value is reported, not decisive
    const d = cmp(C_SUP, base.replace('TRACE_TS:distance_m=0.23127466', 'TRACE_TS:distance_m=0.3'));
    expect(d.verdict).to.equal('pass');
    expect(entry(d, 'distance_m').status).to.equal('fail');
  });

  it('recognises the beam_center_m logging bug (C-LOGGING-BUG-001) in the set-up keys', () => {
    const t = base.replace(
      'TRACE_TS:beam_center_m=Xclose:0.000211818 Yclose:0.000217322 pixel_mm:0.172',
      'TRACE_TS:beam_center_m=Xclose:0.211818 Yclose:0.217322 pixel_mm:0.172',
    );
    const c = cmp(C_SUP, t);
    expect(c.verdict).to.equal('pass');
    expect(c.attributions.map((a) => [a.id, a.scope, a.side])).to.deep.equal([['C-LOGGING-BUG-001', 'setup', 'reference']]);
  });
});

describe('compare-traces: bad input', () => {
  const base = asTS(C_SUP);
  const noBlock = (t: string) => t.split('\n').filter((l) => !/^TRACE_(C|TS)(: |_PHI)/.test(l)).join('\n');

  const code = (f: () => unknown): number | undefined => {
    try {
      f();
    } catch (e) {
      return (e as UserError).exitCode;
    }
    return undefined;
  };

  it('a reference without a per-pixel block is no pass: a pixel C did not render (5), or not a trace at all (3)', () => {
    expect(() => cmp(noBlock(C_SUP), base)).to.throw(TraceInputError, /reference .* no per-pixel block/);
    expect(code(() => cmp(noBlock(C_SUP), base))).to.equal(5);
    expect(() => cmp('just some text\n', base)).to.throw(TraceInputError, /has no trace lines .*: not a trace/);
    expect(code(() => cmp('just some text\n', base))).to.equal(3);
  });

  it('so is a test without one', () => {
    expect(() => cmp(C_SUP, noBlock(base))).to.throw(TraceInputError, /test .* no per-pixel block/);
  });

  it('traces of different pixels are refused (4)', () => {
    const other = base.replace('spixel=685, fpixel=1039', 'spixel=1039, fpixel=685');
    expect(() => cmp(C_SUP, other)).to.throw(TraceInputError, /different pixels/);
    expect(code(() => cmp(C_SUP, other))).to.equal(4);
  });

  it('bad tolerances are refused as usage (2)', () => {
    expect(code(() => cmp(C_SUP, base, {rtol: -1}))).to.equal(2);
    expect(code(() => cmp(C_SUP, base, {rtol: NaN}))).to.equal(2);
    expect(code(() => cmp(C_SUP, base, {atol: -1e-9}))).to.equal(2);
  });
});