/*
 * The native sine path (optional): the sines of lattice.wat's sine slots, 8 (AVX-512) or 4 (AVX2)
 * lanes at a time where WebAssembly has 2. Same algorithm as $sines in lattice.wat, operation for
 * operation in the same double roundings (fdlibm's: Math.sin's), so each fast lane equals Math.sin
 * bit for bit; lanes that would take one of fdlibm's rarer paths are listed, not computed, and
 * lattice.wat gives them to Math.sin itself. Built at install when a C compiler is there
 * (src/build/native.ts, with -ffp-contract=off: a fused multiply-add would change the roundings);
 * without it, or on a processor without AVX2, the kernel runs its own $sines.
 *
 * Slots are 32 bytes: two arguments, then their two sines. See lattice.wat for the algorithm's
 * derivation from fdlibm and test/lattice.test.ts for the proof on millions of arguments.
 */
#include <immintrin.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

static const double INV_PIO2 = 6.36619772367581382433e-01;
static const double PIO2_1 = 1.57079632673412561417e+00;
static const double PIO2_1T = 6.07710050650619224932e-11;
static const double THREE_PIO4 = 0x1.2d97cp+1;             /* fdlibm's high-word bound 0x4002d97c */
static const double REDUCTION_MAX = 0x1.921fbffffffffp+20;  /* 2^20 pi/2: beyond, fdlibm's medium path ends */
static const double CANCEL_LIMIT = 0x1p-16;
static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                    S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                    C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
#define ABS_MASK 0x7fffffffffffffffLL
#define SIGN_BIT ((long long)0x8000000000000000ULL)
#define QUARTER_EXP 0x0020000000000000LL
#define HIGH_WORD ((long long)0xffffffff00000000ULL)
#define QX_FIXED_ABOVE 0x3fe90000ffffffffLL
#define QX_ZERO_BELOW 0x3fd3333300000000LL

/* 8 lanes: four slots per round. Returns how many lanes it listed in `slow` (lane = 2 slot + i). */
__attribute__((target("avx512f,avx512dq"))) static uint32_t sines8(double *slots, uint32_t count, uint32_t *slow) {
  const __m512i argLanes = _mm512_set_epi64(13, 12, 9, 8, 5, 4, 1, 0);
  /* slot pair A (lanes 0-7 of A) and B (8-15): sines into positions 2, 3, 6, 7 of each */
  const __m512i backA = _mm512_set_epi64(11, 10, 5, 4, 9, 8, 1, 0);
  const __m512i backB = _mm512_set_epi64(7, 6, 13, 12, 5, 4, 9, 8);
  const __m512i absMask = _mm512_set1_epi64(ABS_MASK), signBit = _mm512_set1_epi64(SIGN_BIT);
  uint32_t listed = 0;
  for (uint32_t s = 0; s < count; s += 4) {
    uint32_t here = count - s < 4 ? count - s : 4;
    __mmask8 live = (__mmask8)((1u << (2 * here)) - 1);
    double *at = slots + 4 * s;
    __m512d A = _mm512_maskz_loadu_pd(here >= 2 ? 0xff : 0x0f, at);
    __m512d B = here > 2 ? _mm512_maskz_loadu_pd(here == 4 ? 0xff : 0x0f, at + 8) : _mm512_setzero_pd();
    __m512d x = _mm512_permutex2var_pd(A, argLanes, B);
    __m512d ax = _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(x), absMask));
    __m512d fn = _mm512_roundscale_pd(_mm512_add_pd(_mm512_mul_pd(ax, _mm512_set1_pd(INV_PIO2)), _mm512_set1_pd(0.5)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512i n = _mm512_castpd_si512(_mm512_add_pd(fn, _mm512_set1_pd(0x1p52)));
    __m512d r = _mm512_sub_pd(ax, _mm512_mul_pd(fn, _mm512_set1_pd(PIO2_1)));
    __m512d w = _mm512_mul_pd(fn, _mm512_set1_pd(PIO2_1T));
    __m512d y0 = _mm512_sub_pd(r, w);
    __m512d y1 = _mm512_sub_pd(_mm512_sub_pd(r, y0), w);
    __m512i ay0i = _mm512_and_si512(_mm512_castpd_si512(y0), absMask);
    __m512d ay0 = _mm512_castsi512_pd(ay0i);
    __mmask8 slowLanes = (__mmask8)(_mm512_cmp_pd_mask(ax, _mm512_set1_pd(THREE_PIO4), _CMP_LT_OQ) | (__mmask8)~_mm512_cmp_pd_mask(ax, _mm512_set1_pd(REDUCTION_MAX), _CMP_LE_OQ) |
                                    _mm512_cmp_pd_mask(ay0, _mm512_mul_pd(ax, _mm512_set1_pd(CANCEL_LIMIT)), _CMP_LT_OQ)) & live;
    __m512d z = _mm512_mul_pd(y0, y0);
    __m512d v = _mm512_mul_pd(z, y0);
    __m512d pS = _mm512_add_pd(_mm512_set1_pd(S5), _mm512_mul_pd(z, _mm512_set1_pd(S6)));
    pS = _mm512_add_pd(_mm512_set1_pd(S4), _mm512_mul_pd(z, pS));
    pS = _mm512_add_pd(_mm512_set1_pd(S3), _mm512_mul_pd(z, pS));
    pS = _mm512_add_pd(_mm512_set1_pd(S2), _mm512_mul_pd(z, pS));
    __m512d sinK = _mm512_sub_pd(y0, _mm512_sub_pd(_mm512_sub_pd(_mm512_mul_pd(z, _mm512_sub_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), y1), _mm512_mul_pd(v, pS))), y1), _mm512_mul_pd(v, _mm512_set1_pd(S1))));
    __m512d pC = _mm512_add_pd(_mm512_set1_pd(C5), _mm512_mul_pd(z, _mm512_set1_pd(C6)));
    pC = _mm512_add_pd(_mm512_set1_pd(C4), _mm512_mul_pd(z, pC));
    pC = _mm512_add_pd(_mm512_set1_pd(C3), _mm512_mul_pd(z, pC));
    pC = _mm512_add_pd(_mm512_set1_pd(C2), _mm512_mul_pd(z, pC));
    pC = _mm512_mul_pd(z, _mm512_add_pd(_mm512_set1_pd(C1), _mm512_mul_pd(z, pC)));
    __m512d qx = _mm512_castsi512_pd(_mm512_and_si512(_mm512_sub_epi64(ay0i, _mm512_set1_epi64(QUARTER_EXP)), _mm512_set1_epi64(HIGH_WORD)));
    qx = _mm512_mask_blend_pd(_mm512_cmpgt_epi64_mask(ay0i, _mm512_set1_epi64(QX_FIXED_ABOVE)), qx, _mm512_set1_pd(0.28125));
    qx = _mm512_mask_blend_pd(_mm512_cmplt_epi64_mask(ay0i, _mm512_set1_epi64(QX_ZERO_BELOW)), qx, _mm512_setzero_pd());
    __m512d cosK = _mm512_sub_pd(_mm512_sub_pd(_mm512_set1_pd(1.0), qx), _mm512_sub_pd(_mm512_sub_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), z), qx), _mm512_sub_pd(_mm512_mul_pd(z, pC), _mm512_mul_pd(y0, y1))));
    __m512d res = _mm512_mask_blend_pd(_mm512_test_epi64_mask(n, _mm512_set1_epi64(1)), sinK, cosK);
    res = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(res), _mm512_and_si512(_mm512_xor_si512(_mm512_slli_epi64(n, 62), _mm512_castpd_si512(x)), signBit)));
    _mm512_mask_storeu_pd(at, here >= 2 ? 0xff : 0x0f, _mm512_permutex2var_pd(A, backA, res));
    if (here > 2) _mm512_mask_storeu_pd(at + 8, here == 4 ? 0xff : 0x0f, _mm512_permutex2var_pd(res, backB, B));
    while (slowLanes) {
      slow[listed++] = 2 * s + (uint32_t)__builtin_ctz(slowLanes);
      slowLanes &= (__mmask8)(slowLanes - 1);
    }
  }
  return listed;
}

/*
 * 4 lanes: two slots per round, the same operations. Written out with AVX2's own intrinsics
 * rather than shared with sines8 through generic vector types: that form (one body for both
 * widths, floor without a rounding instruction, selects by masks) measured 10 % slower per
 * pixel-step on both widths.
 */
__attribute__((target("avx2"))) static uint32_t sines4(double *slots, uint32_t count, uint32_t *slow) {
  const __m256i absMask = _mm256_set1_epi64x(ABS_MASK), signBit = _mm256_set1_epi64x(SIGN_BIT);
  uint32_t listed = 0;
  for (uint32_t s = 0; s < count; s += 2) {
    int pair = count - s >= 2;
    double *at = slots + 4 * s;
    __m128d a0 = _mm_loadu_pd(at);
    __m128d a1 = pair ? _mm_loadu_pd(at + 4) : _mm_setzero_pd();
    __m256d x = _mm256_set_m128d(a1, a0);
    __m256d ax = _mm256_and_pd(x, _mm256_castsi256_pd(absMask));
    __m256d fn = _mm256_floor_pd(_mm256_add_pd(_mm256_mul_pd(ax, _mm256_set1_pd(INV_PIO2)), _mm256_set1_pd(0.5)));
    __m256i n = _mm256_castpd_si256(_mm256_add_pd(fn, _mm256_set1_pd(0x1p52)));
    __m256d r = _mm256_sub_pd(ax, _mm256_mul_pd(fn, _mm256_set1_pd(PIO2_1)));
    __m256d w = _mm256_mul_pd(fn, _mm256_set1_pd(PIO2_1T));
    __m256d y0 = _mm256_sub_pd(r, w);
    __m256d y1 = _mm256_sub_pd(_mm256_sub_pd(r, y0), w);
    __m256d ay0 = _mm256_and_pd(y0, _mm256_castsi256_pd(absMask));
    __m256i ay0i = _mm256_castpd_si256(ay0);
    __m256d slowV = _mm256_or_pd(_mm256_or_pd(_mm256_cmp_pd(ax, _mm256_set1_pd(THREE_PIO4), _CMP_LT_OQ), _mm256_cmp_pd(ax, _mm256_set1_pd(REDUCTION_MAX), _CMP_NLE_UQ)),
                                 _mm256_cmp_pd(ay0, _mm256_mul_pd(ax, _mm256_set1_pd(CANCEL_LIMIT)), _CMP_LT_OQ));
    __m256d z = _mm256_mul_pd(y0, y0);
    __m256d v = _mm256_mul_pd(z, y0);
    __m256d pS = _mm256_add_pd(_mm256_set1_pd(S5), _mm256_mul_pd(z, _mm256_set1_pd(S6)));
    pS = _mm256_add_pd(_mm256_set1_pd(S4), _mm256_mul_pd(z, pS));
    pS = _mm256_add_pd(_mm256_set1_pd(S3), _mm256_mul_pd(z, pS));
    pS = _mm256_add_pd(_mm256_set1_pd(S2), _mm256_mul_pd(z, pS));
    __m256d sinK = _mm256_sub_pd(y0, _mm256_sub_pd(_mm256_sub_pd(_mm256_mul_pd(z, _mm256_sub_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), y1), _mm256_mul_pd(v, pS))), y1), _mm256_mul_pd(v, _mm256_set1_pd(S1))));
    __m256d pC = _mm256_add_pd(_mm256_set1_pd(C5), _mm256_mul_pd(z, _mm256_set1_pd(C6)));
    pC = _mm256_add_pd(_mm256_set1_pd(C4), _mm256_mul_pd(z, pC));
    pC = _mm256_add_pd(_mm256_set1_pd(C3), _mm256_mul_pd(z, pC));
    pC = _mm256_add_pd(_mm256_set1_pd(C2), _mm256_mul_pd(z, pC));
    pC = _mm256_mul_pd(z, _mm256_add_pd(_mm256_set1_pd(C1), _mm256_mul_pd(z, pC)));
    __m256d qx = _mm256_castsi256_pd(_mm256_and_si256(_mm256_sub_epi64(ay0i, _mm256_set1_epi64x(QUARTER_EXP)), _mm256_set1_epi64x(HIGH_WORD)));
    qx = _mm256_blendv_pd(qx, _mm256_set1_pd(0.28125), _mm256_castsi256_pd(_mm256_cmpgt_epi64(ay0i, _mm256_set1_epi64x(QX_FIXED_ABOVE))));
    qx = _mm256_blendv_pd(qx, _mm256_setzero_pd(), _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x(QX_ZERO_BELOW), ay0i)));
    __m256d cosK = _mm256_sub_pd(_mm256_sub_pd(_mm256_set1_pd(1.0), qx), _mm256_sub_pd(_mm256_sub_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), z), qx), _mm256_sub_pd(_mm256_mul_pd(z, pC), _mm256_mul_pd(y0, y1))));
    __m256d res = _mm256_blendv_pd(sinK, cosK, _mm256_castsi256_pd(_mm256_slli_epi64(n, 63)));
    res = _mm256_xor_pd(res, _mm256_castsi256_pd(_mm256_and_si256(_mm256_xor_si256(_mm256_slli_epi64(n, 62), _mm256_castpd_si256(x)), signBit)));
    _mm_storeu_pd(at + 2, _mm256_castpd256_pd128(res));
    if (pair) _mm_storeu_pd(at + 6, _mm256_extractf128_pd(res, 1));
    unsigned lanes = (unsigned)_mm256_movemask_pd(slowV) & (pair ? 0xfu : 0x3u);
    while (lanes) {
      slow[listed++] = 2 * s + (uint32_t)__builtin_ctz(lanes);
      lanes &= lanes - 1;
    }
  }
  return listed;
}

typedef uint32_t (*SinesFn)(double *, uint32_t, uint32_t *);

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/*
 * sines8/sines4(memory: ArrayBuffer, slots: byte offset, count, list: byte offset) -> lanes listed.
 * Offsets are checked against the buffer: a caller's mistake is an exception, never a write
 * outside it.
 */
static napi_value Sines(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *data = NULL;
  size_t length = 0;
  uint32_t slots = 0, count = 0, list = 0;
  SinesFn *fn = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&fn) != napi_ok || argc < 4 ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok || napi_get_value_uint32(env, argv[1], &slots) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &count) != napi_ok || napi_get_value_uint32(env, argv[3], &list) != napi_ok)
    return fail(env, "sines(memory, slots, count, list): bad arguments");
  if (slots % 8 || list % 4 || (uint64_t)slots + 32ull * count > length || (uint64_t)list + 8ull * count > length)
    return fail(env, "sines: slots or list outside the memory");
  uint32_t listed = (*fn)((double *)((char *)data + slots), count, (uint32_t *)((char *)data + list));
  napi_value out;
  napi_create_uint32(env, listed, &out);
  return out;
}

static void offer(napi_env env, napi_value exports, const char *name, SinesFn fn) {
  static SinesFn table[2] = {sines8, sines4};
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, Sines, fn == sines8 ? &table[0] : &table[1], &f);
  napi_set_named_property(env, exports, name, f);
}

/* exports sines8 and sines4 where this processor runs them */
NAPI_MODULE_INIT() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) offer(env, exports, "sines8", sines8);
  if (__builtin_cpu_supports("avx2")) offer(env, exports, "sines4", sines4);
  return exports;
}
