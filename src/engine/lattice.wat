;; The lattice kernel: for one scattering vector, the Miller indices, the square crystal's
;; lattice factor and the nearest-grid structure factor at every (phi step, mosaic domain).
;; pixel.ts calls `steps` once per (sub-pixel, source) and reads one record per step; it does
;; everything else (other crystal shapes, interpolation, accumulation, the trace hook) itself.
;;
;; Why here and not in JS: six sines per (pixel, phi step, mosaic domain) are most of a frame's
;; cost, and Math.sin (a call into V8's C++ fdlibm) is the bottleneck; so is crossing from JS into
;; WebAssembly three times per step. One call per (sub-pixel, source) that does the whole
;; step loop costs 60 ns per step on the supervisor frame where the JS loop around a wasm sincg
;; took 100 (probe of 300 rows on one core). Function calls are not inlined by V8 here, so the
;; sine pair is written out inside $sincg.
;;
;; Sines: Math.sin is the fdlibm algorithm; $sincg evaluates the same algorithm, step for step
;; in the same double operations, for two arguments at once (sin(N x) and sin(x) of a sincg, in
;; the two lanes of a 128-bit vector) and without data-dependent branches. Arguments that would
;; take one of fdlibm's rarer paths (|x| < 3pi/4, |x| > 2^20 pi/2, inf/NaN, a reduction that
;; cancels more than 16 bits, a reduced argument below 2^-27) are handed to Math.sin itself, so
;; every result is exactly Math.sin's. test/lattice.test.ts checks that on millions of arguments.
;;
;; fdlibm, for |x| in [3pi/4, 2^20 pi/2]:
;;   n  = (int)(|x| * 2/pi + 0.5)
;;   r  = |x| - n*pio2_1;  w = n*pio2_1t;  y0 = r - w;  y1 = (r - y0) - w     (|x| - n pi/2 = y0 + y1)
;;   sin|x| = [ksin(y0,y1), kcos(y0,y1), -ksin(y0,y1), -kcos(y0,y1)][n mod 4];  sin x = sign(x) sin|x|
;; (fdlibm negates y0, y1 and n for x < 0; ksin is odd and kcos even in (y0, y1), so that equals
;; flipping the sign of the result.)
(module
  (import "math" "sin" (func $mathSin (param f64) (result f64)))

  ;; fdlibm's constants, as mutable globals: V8 rebuilds a v128.const or f64x2.splat from
  ;; immediates (3-4 instructions) at every use, but reads a global with one load (4% of a frame)
  (global $invPio2 (mut v128) (v128.const f64x2 6.36619772367581382433e-01 6.36619772367581382433e-01))
  (global $half (mut v128) (v128.const f64x2 0.5 0.5))
  (global $two52 (mut v128) (v128.const f64x2 0x1p52 0x1p52))
  (global $pio2_1 (mut v128) (v128.const f64x2 1.57079632673412561417e+00 1.57079632673412561417e+00))
  (global $pio2_1t (mut v128) (v128.const f64x2 6.07710050650619224932e-11 6.07710050650619224932e-11))
  (global $threePio4 (mut v128) (v128.const f64x2 0x1.2d97cp+1 0x1.2d97cp+1))
  (global $reductionMax (mut v128) (v128.const f64x2 0x1.921fbffffffffp+20 0x1.921fbffffffffp+20))
  (global $cancelLimit (mut v128) (v128.const f64x2 0x1p-16 0x1p-16))
  (global $S2 (mut v128) (v128.const f64x2 8.33333333332248946124e-03 8.33333333332248946124e-03))
  (global $S3 (mut v128) (v128.const f64x2 -1.98412698298579493134e-04 -1.98412698298579493134e-04))
  (global $S4 (mut v128) (v128.const f64x2 2.75573137070700676789e-06 2.75573137070700676789e-06))
  (global $S5 (mut v128) (v128.const f64x2 -2.50507602534068634195e-08 -2.50507602534068634195e-08))
  (global $S6 (mut v128) (v128.const f64x2 1.58969099521155010221e-10 1.58969099521155010221e-10))
  (global $S1 (mut v128) (v128.const f64x2 -1.66666666666666324348e-01 -1.66666666666666324348e-01))
  (global $C1 (mut v128) (v128.const f64x2 4.16666666666666019037e-02 4.16666666666666019037e-02))
  (global $C2 (mut v128) (v128.const f64x2 -1.38888888888741095749e-03 -1.38888888888741095749e-03))
  (global $C3 (mut v128) (v128.const f64x2 2.48015872894767294178e-05 2.48015872894767294178e-05))
  (global $C4 (mut v128) (v128.const f64x2 -2.75573143513906633035e-07 -2.75573143513906633035e-07))
  (global $C5 (mut v128) (v128.const f64x2 2.08757232129817482790e-09 2.08757232129817482790e-09))
  (global $C6 (mut v128) (v128.const f64x2 -1.13596475577881948265e-11 -1.13596475577881948265e-11))
  (global $qxMax (mut v128) (v128.const f64x2 0.28125 0.28125))
  (global $one (mut v128) (v128.const f64x2 1 1))
  (global $absMask (mut v128) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff))
  (global $quarterExp (mut v128) (v128.const i64x2 0x0020000000000000 0x0020000000000000))
  (global $highWord (mut v128) (v128.const i64x2 0xffffffff00000000 0xffffffff00000000))
  (global $qxFixedAbove (mut v128) (v128.const i64x2 0x3fe90000ffffffff 0x3fe90000ffffffff))
  (global $qxZeroBelow (mut v128) (v128.const i64x2 0x3fd3333300000000 0x3fd3333300000000))
  (global $signBit (mut v128) (v128.const i64x2 0x8000000000000000 0x8000000000000000))

  ;; sin(x*N)/sin(x), N at x = 0 (C's sincg): lane 0 takes sin(x N), lane 1 sin(x)
  (func $sincg (export "sincg") (param $xs f64) (param $N f64) (result f64)
    (local $x v128)
    (local $ax v128) (local $n v128) (local $fn v128) (local $r v128) (local $w v128)
    (local $y0 v128) (local $y1 v128) (local $ay0 v128) (local $z v128) (local $v v128)
    (local $polyS v128) (local $polyC v128) (local $s v128) (local $c v128) (local $qx v128)
    (local $res v128) (local $slow v128)
    (if (f64.eq (local.get $xs) (f64.const 0)) (then (return (local.get $N))))
    (local.set $x (f64x2.replace_lane 1 (f64x2.splat (f64.mul (local.get $xs) (local.get $N))) (local.get $xs)))
    (local.set $ax (v128.and (local.get $x) (global.get $absMask)))

    ;; Cody-Waite reduction by pi/2, first round (33 + 53 bits of pi/2). fdlibm's n is
    ;; (int)(|x| 2/pi + 0.5), a floor for these positive values; n itself (its low bits) is read
    ;; off the mantissa of n + 2^52
    (local.set $fn (f64x2.floor
      (f64x2.add (f64x2.mul (local.get $ax) (global.get $invPio2))
                 (global.get $half))))
    (local.set $n (f64x2.add (local.get $fn) (global.get $two52)))
    (local.set $r (f64x2.sub (local.get $ax) (f64x2.mul (local.get $fn) (global.get $pio2_1))))
    (local.set $w (f64x2.mul (local.get $fn) (global.get $pio2_1t)))
    (local.set $y0 (f64x2.sub (local.get $r) (local.get $w)))
    (local.set $y1 (f64x2.sub (f64x2.sub (local.get $r) (local.get $y0)) (local.get $w)))
    (local.set $ay0 (v128.and (local.get $y0) (global.get $absMask)))

    ;; lanes for Math.sin: |x| outside [3pi/4, 2^20 pi/2] (fdlibm's high-word bounds; NaN
    ;; included), or a reduced argument below |x| 2^-16. The last takes in every lane where fdlibm would cancel more than 16 bits
    ;; and take further reduction rounds, and every reduced argument below 2^-27 (|x| > 2): a
    ;; few more lanes than needed, all exact anyway
    (local.set $slow (v128.or
      (v128.or
        (f64x2.lt (local.get $ax) (global.get $threePio4))
        (v128.not (f64x2.le (local.get $ax) (global.get $reductionMax))))
      (f64x2.lt (local.get $ay0) (f64x2.mul (local.get $ax) (global.get $cancelLimit)))))

    ;; ksin(y0, y1) = y0 - ((z*(y1/2 - v*P) - y1) - v*S1),  z = y0^2, v = z*y0
    (local.set $z (f64x2.mul (local.get $y0) (local.get $y0)))
    (local.set $v (f64x2.mul (local.get $z) (local.get $y0)))
    (local.set $polyS (f64x2.add (global.get $S2)
      (f64x2.mul (local.get $z) (f64x2.add (global.get $S3)
        (f64x2.mul (local.get $z) (f64x2.add (global.get $S4)
          (f64x2.mul (local.get $z) (f64x2.add (global.get $S5)
            (f64x2.mul (local.get $z) (global.get $S6))))))))))
    (local.set $s (f64x2.sub (local.get $y0)
      (f64x2.sub
        (f64x2.sub
          (f64x2.mul (local.get $z)
            (f64x2.sub (f64x2.mul (global.get $half) (local.get $y1)) (f64x2.mul (local.get $v) (local.get $polyS))))
          (local.get $y1))
        (f64x2.mul (local.get $v) (global.get $S1)))))

    ;; kcos(y0, y1) = (1 - qx) - ((z/2 - qx) - (z*Q - y0*y1)), with qx = 0 for |y0| < 0.3 (then it
    ;; is fdlibm's short form exactly), 0.28125 above 0.78125, else |y0|/4 cut to its high word
    (local.set $polyC (f64x2.mul (local.get $z) (f64x2.add (global.get $C1)
      (f64x2.mul (local.get $z) (f64x2.add (global.get $C2)
        (f64x2.mul (local.get $z) (f64x2.add (global.get $C3)
          (f64x2.mul (local.get $z) (f64x2.add (global.get $C4)
            (f64x2.mul (local.get $z) (f64x2.add (global.get $C5)
              (f64x2.mul (local.get $z) (global.get $C6)))))))))))))
    (local.set $qx (v128.and
      (i64x2.sub (local.get $ay0) (global.get $quarterExp))
      (global.get $highWord)))
    (local.set $qx (v128.bitselect (global.get $qxMax) (local.get $qx)
      (i64x2.gt_s (local.get $ay0) (global.get $qxFixedAbove))))
    (local.set $qx (v128.bitselect (v128.const i64x2 0 0) (local.get $qx)
      (i64x2.lt_s (local.get $ay0) (global.get $qxZeroBelow))))
    (local.set $c (f64x2.sub (f64x2.sub (global.get $one) (local.get $qx))
      (f64x2.sub
        (f64x2.sub (f64x2.mul (global.get $half) (local.get $z)) (local.get $qx))
        (f64x2.sub (f64x2.mul (local.get $z) (local.get $polyC)) (f64x2.mul (local.get $y0) (local.get $y1))))))

    ;; quadrant n mod 4: bit 0 of n picks kcos, bit 1 flips the sign, and so does the sign of x
    (local.set $res (v128.bitselect (local.get $c) (local.get $s)
      (i64x2.lt_s (i64x2.shl (local.get $n) (i32.const 63)) (v128.const i64x2 0 0))))
    (local.set $res (v128.xor (local.get $res)
      (v128.and (v128.xor (i64x2.shl (local.get $n) (i32.const 62)) (local.get $x))
                (global.get $signBit))))

    (if (v128.any_true (local.get $slow))
      (then
        (if (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $slow)))
          (then (local.set $res (f64x2.replace_lane 0 (local.get $res) (call $mathSin (f64x2.extract_lane 0 (local.get $x)))))))
        (if (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $slow)))
          (then (local.set $res (f64x2.replace_lane 1 (local.get $res) (call $mathSin (f64x2.extract_lane 1 (local.get $x)))))))))
    (f64.div (f64x2.extract_lane 0 (local.get $res)) (f64x2.extract_lane 1 (local.get $res))))

  ;; Memory: step records from byte 0 (lattice.ts sizes it), then the cell tables, then the
  ;; structure-factor grid; lattice.ts lays it out and calls `configure` once.
  (memory (export "memory") 1)
  (global $Na (mut f64) (f64.const 1)) (global $Nb (mut f64) (f64.const 1)) (global $Nc (mut f64) (f64.const 1))
  (global $square (mut i32) (i32.const 1))
  (global $defaultF (mut f64) (f64.const 0))
  ;; grid bounds as doubles: the range test runs on the rounded indices before any conversion,
  ;; so NaN, infinities and huge values fall through to defaultF as they do in C
  (global $hMin (mut f64) (f64.const 0)) (global $hMax (mut f64) (f64.const -1))
  (global $kMin (mut f64) (f64.const 0)) (global $kMax (mut f64) (f64.const -1))
  (global $lMin (mut f64) (f64.const 0)) (global $lMax (mut f64) (f64.const -1))
  (global $kStride (mut i32) (i32.const 0)) (global $lStride (mut i32) (i32.const 0))
  (global $grid (mut i32) (i32.const 0))

  (func (export "configure") (param $Na f64) (param $Nb f64) (param $Nc f64) (param $square i32) (param $defaultF f64)
      (param $hMin f64) (param $hMax f64) (param $kMin f64) (param $kMax f64) (param $lMin f64) (param $lMax f64)
      (param $kStride i32) (param $lStride i32) (param $grid i32)
    (global.set $Na (local.get $Na)) (global.set $Nb (local.get $Nb)) (global.set $Nc (local.get $Nc))
    (global.set $square (local.get $square)) (global.set $defaultF (local.get $defaultF))
    (global.set $hMin (local.get $hMin)) (global.set $hMax (local.get $hMax))
    (global.set $kMin (local.get $kMin)) (global.set $kMax (local.get $kMax))
    (global.set $lMin (local.get $lMin)) (global.set $lMax (local.get $lMax))
    (global.set $kStride (local.get $kStride)) (global.set $lStride (local.get $lStride))
    (global.set $grid (local.get $grid)))

  ;; F_latt factor of one axis: C multiplies in sincg(pi x, N) only for N > 1
  (func $axisFactor (param $x f64) (param $N f64) (result f64)
    (if (result f64) (f64.gt (local.get $N) (f64.const 1))
      (then (call $sincg (f64.mul (f64.const 3.141592653589793) (local.get $x)) (local.get $N)))
      (else (f64.const 1))))

  ;; One record of 11 doubles per step, for `count` steps whose cells (a, b, c: 9 doubles, in
  ;; metres) start at byte `cells`: h k l, h0 k0 l0 (C's ceil(x - 0.5)), F_latt_a/b/c and F_latt
  ;; (square crystal only, else 1), F_cell from the nearest grid point (or defaultF).
  ;; `same` points to one i32 per step: -1, or an earlier step with bit-identical cells, whose
  ;; record is copied (C evaluates it again, to the same bits: with C-PARITY-001 the zero-angle
  ;; phi step reuses the last step's cell).
  (func (export "steps") (param $sx f64) (param $sy f64) (param $sz f64) (param $cells i32) (param $count i32) (param $same i32)
    (local $rec i32) (local $end i32) (local $from i32)
    (local $h f64) (local $k f64) (local $l f64) (local $h0 f64) (local $k0 f64) (local $l0 f64)
    (local $fa f64) (local $fb f64) (local $fc f64) (local $F f64)
    (local.set $end (i32.add (local.get $cells) (i32.mul (local.get $count) (i32.const 72))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $cells) (local.get $end)))
      (local.set $from (i32.load (local.get $same)))
      (if (i32.ge_s (local.get $from) (i32.const 0))
        (then
          (memory.copy (local.get $rec) (i32.mul (local.get $from) (i32.const 88)) (i32.const 88))
          (local.set $rec (i32.add (local.get $rec) (i32.const 88)))
          (local.set $cells (i32.add (local.get $cells) (i32.const 72)))
          (local.set $same (i32.add (local.get $same) (i32.const 4)))
          (br $next)))
      (local.set $h (f64.add (f64.add (f64.mul (f64.load offset=0 (local.get $cells)) (local.get $sx))
        (f64.mul (f64.load offset=8 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=16 (local.get $cells)) (local.get $sz))))
      (local.set $k (f64.add (f64.add (f64.mul (f64.load offset=24 (local.get $cells)) (local.get $sx))
        (f64.mul (f64.load offset=32 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=40 (local.get $cells)) (local.get $sz))))
      (local.set $l (f64.add (f64.add (f64.mul (f64.load offset=48 (local.get $cells)) (local.get $sx))
        (f64.mul (f64.load offset=56 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=64 (local.get $cells)) (local.get $sz))))
      (local.set $h0 (f64.ceil (f64.sub (local.get $h) (f64.const 0.5))))
      (local.set $k0 (f64.ceil (f64.sub (local.get $k) (f64.const 0.5))))
      (local.set $l0 (f64.ceil (f64.sub (local.get $l) (f64.const 0.5))))
      (if (global.get $square)
        (then
          (local.set $fa (call $axisFactor (local.get $h) (global.get $Na)))
          (local.set $fb (call $axisFactor (local.get $k) (global.get $Nb)))
          (local.set $fc (call $axisFactor (local.get $l) (global.get $Nc))))
        (else (local.set $fa (f64.const 1)) (local.set $fb (f64.const 1)) (local.set $fc (f64.const 1))))
      (local.set $F (global.get $defaultF))
      (if (i32.and (i32.and
            (i32.and (f64.le (local.get $h0) (global.get $hMax)) (f64.ge (local.get $h0) (global.get $hMin)))
            (i32.and (f64.le (local.get $k0) (global.get $kMax)) (f64.ge (local.get $k0) (global.get $kMin))))
            (i32.and (f64.le (local.get $l0) (global.get $lMax)) (f64.ge (local.get $l0) (global.get $lMin))))
        (then (local.set $F (f64.load (i32.add (global.get $grid) (i32.shl
          (i32.add
            (i32.mul
              (i32.add (i32.mul (i32.trunc_f64_s (f64.sub (local.get $h0) (global.get $hMin))) (global.get $kStride))
                       (i32.trunc_f64_s (f64.sub (local.get $k0) (global.get $kMin))))
              (global.get $lStride))
            (i32.trunc_f64_s (f64.sub (local.get $l0) (global.get $lMin))))
          (i32.const 3)))))))
      (f64.store offset=0 (local.get $rec) (local.get $h))
      (f64.store offset=8 (local.get $rec) (local.get $k))
      (f64.store offset=16 (local.get $rec) (local.get $l))
      (f64.store offset=24 (local.get $rec) (local.get $h0))
      (f64.store offset=32 (local.get $rec) (local.get $k0))
      (f64.store offset=40 (local.get $rec) (local.get $l0))
      (f64.store offset=48 (local.get $rec) (local.get $fa))
      (f64.store offset=56 (local.get $rec) (local.get $fb))
      (f64.store offset=64 (local.get $rec) (local.get $fc))
      ;; C's order: F_latt = 1, then *= each factor in turn
      (f64.store offset=72 (local.get $rec) (f64.mul (f64.mul (local.get $fa) (local.get $fb)) (local.get $fc)))
      (f64.store offset=80 (local.get $rec) (local.get $F))
      (local.set $rec (i32.add (local.get $rec) (i32.const 88)))
      (local.set $cells (i32.add (local.get $cells) (i32.const 72)))
      (local.set $same (i32.add (local.get $same) (i32.const 4)))
      (br $next))))
)
