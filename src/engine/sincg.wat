;; The lattice transform sincg(x, N) = sin(N x) / sin(x), with both sines taken at once in
;; the two lanes of a 128-bit vector, bit for bit what Math.sin returns.
;;
;; Why: six sines per (pixel, phi step, mosaic domain) are most of a frame's cost, and Math.sin
;; (a call into V8's C++ fdlibm, ~20-25 ns) is the bottleneck. Math.sin is the fdlibm algorithm;
;; this evaluates the same algorithm, step for step in the same double operations, for two
;; arguments at once and without data-dependent branches. Arguments that would take one of
;; fdlibm's rarer paths (|x| < 3pi/4, |x| > 2^20 pi/2, inf/NaN, a reduction that cancels more
;; than 16 bits, a reduced argument below 2^-27) are handed to Math.sin itself, so every result
;; is exactly Math.sin's. test/sincg.test.ts checks that on millions of arguments.
;;
;; fdlibm, for |x| in [3pi/4, 2^20 pi/2]:
;;   n  = (int)(|x| * 2/pi + 0.5)
;;   r  = |x| - n*pio2_1;  w = n*pio2_1t;  y0 = r - w;  y1 = (r - y0) - w     (|x| - n pi/2 = y0 + y1)
;;   sin|x| = [ksin(y0,y1), kcos(y0,y1), -ksin(y0,y1), -kcos(y0,y1)][n mod 4];  sin x = sign(x) sin|x|
;; (fdlibm negates y0, y1 and n for x < 0; ksin is odd and kcos even in (y0, y1), so that equals
;; flipping the sign of the result.)
(module
  (import "math" "sin" (func $mathSin (param f64) (result f64)))

  (func $sinPair (param $x v128) (result v128)
    (local $ax v128) (local $n v128) (local $fn v128) (local $r v128) (local $w v128)
    (local $y0 v128) (local $y1 v128) (local $ay0 v128) (local $z v128) (local $v v128)
    (local $polyS v128) (local $polyC v128) (local $s v128) (local $c v128) (local $qx v128)
    (local $res v128) (local $slow v128)
    (local.set $ax (v128.and (local.get $x) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff)))

    ;; Cody-Waite reduction by pi/2, first round (33 + 53 bits of pi/2). fdlibm's n is
    ;; (int)(|x| 2/pi + 0.5), a floor for these positive values; n itself (its low bits) is read
    ;; off the mantissa of n + 2^52
    (local.set $fn (f64x2.floor
      (f64x2.add (f64x2.mul (local.get $ax) (f64x2.splat (f64.const 6.36619772367581382433e-01)))
                 (f64x2.splat (f64.const 0.5)))))
    (local.set $n (f64x2.add (local.get $fn) (f64x2.splat (f64.const 0x1p52))))
    (local.set $r (f64x2.sub (local.get $ax) (f64x2.mul (local.get $fn) (f64x2.splat (f64.const 1.57079632673412561417e+00)))))
    (local.set $w (f64x2.mul (local.get $fn) (f64x2.splat (f64.const 6.07710050650619224932e-11))))
    (local.set $y0 (f64x2.sub (local.get $r) (local.get $w)))
    (local.set $y1 (f64x2.sub (f64x2.sub (local.get $r) (local.get $y0)) (local.get $w)))
    (local.set $ay0 (v128.and (local.get $y0) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff)))

    ;; lanes for Math.sin: |x| outside [3pi/4, 2^20 pi/2] (fdlibm's high-word bounds; NaN
    ;; included), or a reduced argument below |x| 2^-16. The last takes in every lane where fdlibm would cancel more than 16 bits
    ;; and take further reduction rounds, and every reduced argument below 2^-27 (|x| > 2): a
    ;; few more lanes than needed, all exact anyway
    (local.set $slow (v128.or
      (v128.or
        (f64x2.lt (local.get $ax) (f64x2.splat (f64.const 0x1.2d97cp+1)))
        (v128.not (f64x2.le (local.get $ax) (f64x2.splat (f64.const 0x1.921fbffffffffp+20)))))
      (f64x2.lt (local.get $ay0) (f64x2.mul (local.get $ax) (f64x2.splat (f64.const 0x1p-16))))))

    ;; ksin(y0, y1) = y0 - ((z*(y1/2 - v*P) - y1) - v*S1),  z = y0^2, v = z*y0
    (local.set $z (f64x2.mul (local.get $y0) (local.get $y0)))
    (local.set $v (f64x2.mul (local.get $z) (local.get $y0)))
    (local.set $polyS (f64x2.add (f64x2.splat (f64.const 8.33333333332248946124e-03))
      (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -1.98412698298579493134e-04))
        (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 2.75573137070700676789e-06))
          (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -2.50507602534068634195e-08))
            (f64x2.mul (local.get $z) (f64x2.splat (f64.const 1.58969099521155010221e-10)))))))))))
    (local.set $s (f64x2.sub (local.get $y0)
      (f64x2.sub
        (f64x2.sub
          (f64x2.mul (local.get $z)
            (f64x2.sub (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $y1)) (f64x2.mul (local.get $v) (local.get $polyS))))
          (local.get $y1))
        (f64x2.mul (local.get $v) (f64x2.splat (f64.const -1.66666666666666324348e-01))))))

    ;; kcos(y0, y1) = (1 - qx) - ((z/2 - qx) - (z*Q - y0*y1)), with qx = 0 for |y0| < 0.3 (then it
    ;; is fdlibm's short form exactly), 0.28125 above 0.78125, else |y0|/4 cut to its high word
    (local.set $polyC (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 4.16666666666666019037e-02))
      (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -1.38888888888741095749e-03))
        (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 2.48015872894767294178e-05))
          (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const -2.75573143513906633035e-07))
            (f64x2.mul (local.get $z) (f64x2.add (f64x2.splat (f64.const 2.08757232129817482790e-09))
              (f64x2.mul (local.get $z) (f64x2.splat (f64.const -1.13596475577881948265e-11))))))))))))))
    (local.set $qx (v128.and
      (i64x2.sub (local.get $ay0) (v128.const i64x2 0x0020000000000000 0x0020000000000000))
      (v128.const i64x2 0xffffffff00000000 0xffffffff00000000)))
    (local.set $qx (v128.bitselect (f64x2.splat (f64.const 0.28125)) (local.get $qx)
      (i64x2.gt_s (local.get $ay0) (v128.const i64x2 0x3fe90000ffffffff 0x3fe90000ffffffff))))
    (local.set $qx (v128.bitselect (f64x2.splat (f64.const 0)) (local.get $qx)
      (i64x2.lt_s (local.get $ay0) (v128.const i64x2 0x3fd3333300000000 0x3fd3333300000000))))
    (local.set $c (f64x2.sub (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $qx))
      (f64x2.sub
        (f64x2.sub (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $z)) (local.get $qx))
        (f64x2.sub (f64x2.mul (local.get $z) (local.get $polyC)) (f64x2.mul (local.get $y0) (local.get $y1))))))

    ;; quadrant n mod 4: bit 0 of n picks kcos, bit 1 flips the sign, and so does the sign of x
    (local.set $res (v128.bitselect (local.get $c) (local.get $s)
      (i64x2.lt_s (i64x2.shl (local.get $n) (i32.const 63)) (v128.const i64x2 0 0))))
    (local.set $res (v128.xor (local.get $res)
      (v128.and (v128.xor (i64x2.shl (local.get $n) (i32.const 62)) (local.get $x))
                (v128.const i64x2 0x8000000000000000 0x8000000000000000))))

    (if (v128.any_true (local.get $slow))
      (then
        (if (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $slow)))
          (then (local.set $res (f64x2.replace_lane 0 (local.get $res) (call $mathSin (f64x2.extract_lane 0 (local.get $x)))))))
        (if (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $slow)))
          (then (local.set $res (f64x2.replace_lane 1 (local.get $res) (call $mathSin (f64x2.extract_lane 1 (local.get $x)))))))))
    (local.get $res))

  ;; sin(x*N)/sin(x), N at x = 0 (C's sincg)
  (func (export "sincg") (param $x f64) (param $N f64) (result f64)
    (local $s v128)
    (if (f64.eq (local.get $x) (f64.const 0)) (then (return (local.get $N))))
    (local.set $s (call $sinPair
      (f64x2.replace_lane 1 (f64x2.splat (f64.mul (local.get $x) (local.get $N))) (local.get $x))))
    (f64.div (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
)
