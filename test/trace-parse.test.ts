import {expect} from 'chai';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

import {loadCatalogue} from '../src/trace/catalogue.js';
import {TraceInputError} from '../src/trace/errors.js';
import {hasPixelBlock, parseNumber, parseTrace, rewritePrefix} from '../src/trace/parse.js';
import {caseFile, TRACES} from './helpers/paths.js';

const SAMPLE = [
  'nanoBragg nanocrystal diffraction simulator',
  'TRACE_C:detector_convention=MOSFLM',
  'TRACE_C:beam_center_m=X:1.285e-05 Y:1.285e-05 pixel_mm:0.1',
  'TRACE_C:Rx=[1 0 0; 0 1 -0; 0 0 1]',
  'TRACE_C:fdet_after_rotz=0 0 1',
  'TRACE_C:convention_mapping=Fbeam←Ybeam_mm(+0.5px),Sbeam←Xbeam_mm(+0.5px),beam_vec=[1 0 0]',
  'TRACE_C:fdet_after_rotz=0 0 1',
  'TRACE: Raw matrix values from file:',
  'TRACE:   a_star (raw) = [-0.0283771, -0.0287139, 0.0105005]',
  '  12% done',
  'TRACE_CONFIG: tracing pixel (spixel=100, fpixel=150)',
  'TRACE_C: pix0_vector_meters 0.1 0.0129 -0.0129',
  'TRACE_C: hkl_rounded 0 3 2',
  'TRACE_C: F_latt 24.4819634191499',
  'TRACE_C_PHI phi_tic=0 phi_deg=0 k_frac=2.87316445466749 F_latt_b=2.35168145019961 F_latt=24.4819634191499',
  'TRACE_C: pix0_vector_meters 0.1 0.0129 -0.0129',
  'TRACE_C_SOURCE2: F_cell 100',
  'TRACE_C_TAP5_HKL: subpixel=0 1 hkl_frac=1.5 2 3 h0=2 k0=2 l0=3 F_cell=100 out_of_bounds=0',
  'TRACE_C_TAP5: I_before_scaling 7137541.31102382',
  'TRACE_C: I_before_scaling nan',
  'TRACE_C: r_e_sqr -nan',
  'TRACE_C: fluence_photons_per_m2 1e+24',
].join('\r\n');

describe('trace parser', () => {
  it('reads numbers the way C and Python print them', () => {
    expect(parseNumber('-0')).to.equal(-0);
    expect(parseNumber('1e+24')).to.equal(1e24);
    expect(parseNumber('6.12323399573677e-15')).to.equal(6.12323399573677e-15);
    expect(parseNumber('nan')).to.be.NaN;
    expect(parseNumber('-nan')).to.be.NaN;
    expect(parseNumber('NaN')).to.be.NaN;
    expect(parseNumber('inf')).to.equal(Infinity);
    expect(parseNumber('-inf')).to.equal(-Infinity);
    expect(parseNumber('12%')).to.equal(null);
    expect(parseNumber('CUSTOM')).to.equal(null);
  });

  it('reads both forms, channels and per-phi lines, and ignores everything else', () => {
    const t = parseTrace(SAMPLE);
    expect(t.prefix).to.equal('C');
    expect(t.pixel).to.deep.equal({slow: 100, fast: 150});
    const byKey = (k: string) => t.entries.filter((e) => e.key === k);

    const conv = byKey('detector_convention')[0];
    expect(conv.form).to.equal('setup');
    expect(conv.value).to.include({shape: 'text', raw: 'MOSFLM', numbers: null});

    const bc = byKey('beam_center_m')[0].value;
    expect(bc.shape).to.equal('pairs');
    expect(bc.names).to.deep.equal(['X', 'Y', 'pixel_mm']);
    expect(bc.numbers).to.deep.equal([1.285e-5, 1.285e-5, 0.1]);

    const rx = byKey('Rx')[0].value;
    expect(rx.shape).to.equal('matrix');
    expect(rx.numbers).to.have.length(9);

    expect(byKey('convention_mapping')[0].value.shape).to.equal('text');
    expect(byKey('fdet_after_rotz').map((e) => e.occurrence)).to.deep.equal([1, 2]);

    const pix0 = byKey('pix0_vector_meters');
    expect(pix0.map((e) => [e.form, e.occurrence])).to.deep.equal([
      ['pixel', 1],
      ['pixel', 2],
    ]);
    expect(pix0[0].value.numbers).to.deep.equal([0.1, 0.0129, -0.0129]);
    expect(byKey('hkl_rounded')[0].value.numbers).to.deep.equal([0, 3, 2]);

    expect(t.phi).to.have.length(1);
    expect(t.phi[0]).to.include({phi_tic: 0, phi_deg: 0, k_frac: 2.87316445466749, F_latt: 24.4819634191499, group: 0});

    expect(byKey('SOURCE2.F_cell')[0]).to.include({form: 'channel', channel: 'SOURCE2'});
    expect(byKey('TAP5_HKL.subpixel')[0].value.numbers).to.deep.equal([0, 1]);
    expect(byKey('TAP5_HKL.hkl_frac')[0].value.numbers).to.deep.equal([1.5, 2, 3]);
    expect(byKey('TAP5_HKL.out_of_bounds')[0].value.numbers).to.deep.equal([0]);
    expect(byKey('TAP5.I_before_scaling')).to.have.length(1);

    expect(byKey('I_before_scaling')[0].value.numbers![0]).to.be.NaN;
    expect(byKey('r_e_sqr')[0].value.numbers![0]).to.be.NaN;
    expect(byKey('fluence_photons_per_m2')[0].value.numbers).to.deep.equal([1e24]);

    // TRACE: notes, progress and plain output are not entries
    expect(t.entries.some((e) => /raw|done|nanoBragg/.test(e.key))).to.equal(false);
    expect(hasPixelBlock(t)).to.equal(true);
  });

  it('needs a prefix choice when a text mixes families, and reads only that family', () => {
    const mixed = SAMPLE + '\nTRACE_TS: pix0_vector_meters 1 2 3\n';
    expect(() => parseTrace(mixed)).to.throw(TraceInputError, /mixes TRACE_C, TRACE_TS/);
    const ts = parseTrace(mixed, {prefix: 'TS'});
    expect(ts.entries.map((e) => e.key)).to.deep.equal(['pix0_vector_meters']);
    expect(parseTrace(mixed, {prefix: 'C'}).entries.filter((e) => e.key === 'pix0_vector_meters')).to.have.length(2);
  });

  it('rewrites prefixes without touching TRACE_CONFIG or TRACE: notes', () => {
    const out = rewritePrefix(SAMPLE, 'C', 'TS');
    expect(out).to.contain('TRACE_TS: pix0_vector_meters');
    expect(out).to.contain('TRACE_TS_PHI phi_tic=0');
    expect(out).to.contain('TRACE_TS:beam_center_m=');
    expect(out).to.contain('TRACE_CONFIG: tracing pixel');
    expect(out).to.contain('TRACE: Raw matrix');
    const t = parseTrace(out);
    expect(t.prefix).to.equal('TS');
    expect(t.entries.length).to.equal(parseTrace(SAMPLE).entries.length);
  });

  it('finds no per-pixel block in a set-up-only text', () => {
    const t = parseTrace(SAMPLE.split('\r\n').filter((l) => !l.startsWith('TRACE_C: ')).join('\n'));
    expect(hasPixelBlock(t)).to.equal(false);
    expect(parseTrace('hello\nworld\n').prefix).to.equal(null);
  });

  it('keeps repeated sub-path keys in order (simple_cubic: 2x2 oversample, 4 occurrences)', () => {
    const t = parseTrace(readFileSync(caseFile('simple_cubic', 'trace_s100_f150.log'), 'utf8'));
    for (const k of ['pix0_vector_meters', 'pixel_pos_meters', 'rot_a_angstroms', 'hkl_frac', 'F_latt', 'F_cell']) {
      expect(t.entries.filter((e) => e.key === k).map((e) => e.occurrence), k).to.deep.equal([1, 2, 3, 4]);
    }
    expect(t.entries.filter((e) => e.key === 'I_before_scaling')).to.have.length(1);
    expect(t.phi.map((r) => r.group)).to.deep.equal([0, 1, 2, 3]);
    const pos = t.entries.filter((e) => e.key === 'pixel_pos_meters').map((e) => e.value.raw);
    expect(pos[0]).to.equal('0.1 0.002875 0.002125');
    expect(pos[3]).to.equal('0.1 0.002825 0.002175');
  });

  it('parses every committed C trace, and the catalogue knows every key in them', () => {
    const catalogue = loadCatalogue();
    const unknown = new Set<string>();
    let files = 0;
    for (const dir of readdirSync(TRACES, {withFileTypes: true})) {
      if (!dir.isDirectory()) continue;
      for (const f of readdirSync(join(TRACES, dir.name))) {
        if (!/^trace_s\d+_f\d+\.log$/.test(f)) continue;
        files++;
        const t = parseTrace(readFileSync(join(TRACES, dir.name, f), 'utf8'), {source: f});
        expect(t.prefix, `${dir.name}/${f}`).to.equal('C');
        expect(hasPixelBlock(t), `${dir.name}/${f}`).to.equal(true);
        for (const e of t.entries) {
          const spec = catalogue.get(e.key);
          if (!spec) unknown.add(e.key);
          else if (spec.kind !== 'text' && spec.kind !== 'pairs') {
            expect(e.value.numbers, `${dir.name}/${f}:${e.line} ${e.key}`).to.not.equal(null);
            expect(e.value.numbers!.length, `${dir.name}/${f}:${e.line} ${e.key}`).to.equal(spec.components);
          }
        }
        for (const r of t.phi) expect(Number.isFinite(r.k_frac), `${f}:${r.line}`).to.equal(true);
      }
    }
    expect(files).to.be.greaterThan(50);
    expect([...unknown]).to.deep.equal([]);
  });
});
