/* SPDX-License-Identifier: ISC */
/*
 * pyfloat.c - Python's repr() and 2.7's str() of a double, and the double
 * of a number's text (see pyfloat.h).
 *
 * repr() is the shortest digit string that reads back as the same double;
 * of several, the nearest; halfway, the even one (David Gay's dtoa, mode
 * 0). Ryu finds it with two 64x64-bit products per bound against tables
 * of 5^i and 2^k/5^q kept to 125 bits; the tables are computed once, the
 * first time a non-integral float is printed, by exact arithmetic on big
 * numbers. Integral values below 2^53 (0.0, 1.0, 512.0: most floats in
 * CloudTrail) take a shorter path: their digits are the integer's.
 *
 * Not thread-safe (the tables are built on first use); getawslog has one
 * thread.
 */

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"

#define MANT_BITS	52
#define EXP_BITS	11
#define EXP_BIAS	1023
#define POW5_BITS	125	/* bits kept of each table entry */
#define POW5_N		326	/* pow5[i] for 5^i, i < POW5_N */
#define POW5_INV_N	342	/* pow5inv[q] for 2^k / 5^q, q < POW5_INV_N */
#define BIG_LIMBS	33	/* 32-bit limbs: 2^1024 and 5^341 fit */
#define BIG_TOP		1024	/* the inverses come from 2^BIG_TOP / 5^q */
#define DIGITS_MAX	20	/* a uint64_t in decimal */
#define STR_DIGITS	12	/* str() has 12 significant digits */
#define STR_KEEP_MAX	14	/* dtoa's "small integer" path: d < 10^15 */
#define FAST_EXP10	22	/* 10^22 is the largest exact power of ten */

typedef unsigned __int128 u128;

static uint64_t	pow5[POW5_N][2];	/* [0] low, [1] high 64 bits */
static uint64_t	pow5inv[POW5_INV_N][2];
static int	tables_done;

/* ceil(log2(5^e)), 1 for e == 0; for 0 <= e <= 1500. */
static int
pow5_bits(int e)
{
	return (int)(((uint32_t)e * 1217359) >> 19) + 1;
}

/* floor(log10(2^e)), for 0 <= e <= 1500. */
static int
log10_pow2(int e)
{
	return (int)(((uint32_t)e * 78913) >> 18);
}

/* floor(log10(5^e)), for 0 <= e <= 1500. */
static int
log10_pow5(int e)
{
	return (int)(((uint32_t)e * 732923) >> 20);
}

static int
big_bitlen(const uint32_t *x)
{
	int	i;

	for (i = BIG_LIMBS - 1; i >= 0; i--)
		if (x[i] != 0)
			return 32 * i + 32 - __builtin_clz(x[i]);
	return 0;
}

/* floor(x / 2^shift) (shift < 0: x * 2^-shift), its low 128 bits. */
static void
big_bits(const uint32_t *x, int shift, uint64_t out[2])
{
	int	j, b;

	out[0] = out[1] = 0;
	for (j = 0; j < 128; j++) {
		b = j + shift;
		if (b >= 0 && b < 32 * BIG_LIMBS && (x[b / 32] >> (b % 32) & 1))
			out[j / 64] |= (uint64_t)1 << (j % 64);
	}
}

static void
big_mul5(uint32_t *x)
{
	uint64_t t, carry = 0;
	int	 k;

	for (k = 0; k < BIG_LIMBS; k++) {
		t = (uint64_t)x[k] * 5 + carry;
		x[k] = (uint32_t)t;
		carry = t >> 32;
	}
}

/* x = floor(x / 5): floors compose, so repeating it divides exactly. */
static void
big_div5(uint32_t *x)
{
	uint64_t t, rem = 0;
	int	 k;

	for (k = BIG_LIMBS - 1; k >= 0; k--) {
		t = rem << 32 | x[k];
		x[k] = (uint32_t)(t / 5);
		rem = t % 5;
	}
}

/*
 * pow5[i] = 5^i >> (bits(5^i) - POW5_BITS): exactly POW5_BITS bits.
 * pow5inv[q] = floor(2^(bits(5^q) - 1 + POW5_BITS) / 5^q) + 1.
 */
static void
tables_init(void)
{
	uint32_t p[BIG_LIMBS], x[BIG_LIMBS];
	int	 i, len;

	memset(p, 0, sizeof(p));
	memset(x, 0, sizeof(x));
	p[0] = 1;
	x[BIG_TOP / 32] = 1;
	for (i = 0; i < POW5_INV_N; i++) {
		len = big_bitlen(p);
		if (i < POW5_N)
			big_bits(p, len - POW5_BITS, pow5[i]);
		big_bits(x, BIG_TOP - (len - 1 + POW5_BITS), pow5inv[i]);
		if (++pow5inv[i][0] == 0)
			pow5inv[i][1]++;
		big_mul5(p);
		big_div5(x);
	}
	tables_done = 1;
}

/* (m * mul) >> j for a 128-bit table entry mul; 64 < j < 128. */
static inline uint64_t
mul_shift(uint64_t m, const uint64_t mul[2], int j)
{
	u128	lo = (u128)m * mul[0], hi = (u128)m * mul[1];

	return (uint64_t)(((lo >> 64) + hi) >> (j - 64));
}

static int
pow5_factor(uint64_t v)
{
	int	n = 0;

	while (v % 5 == 0) {
		v /= 5;
		n++;
	}
	return n;
}

/*
 * The interval of a double, as shortest() narrows it: the double (vr) and
 * its neighbours' midpoints (vp above, vm below) divided by 10^e10;
 * vr_tz and vm_tz say the divisions of vr and vm were exact, even that
 * the midpoints belong to the double.
 */
struct interval {
	uint64_t vr, vp, vm;
	int	 e10, even, vr_tz, vm_tz;
};

/*
 * The interval of the positive finite double of mantissa field m and
 * exponent field e. The double is (4*m2) * 2^e2 / 4; its neighbours'
 * midpoints are (4*m2 + 2) and (4*m2 - 1 - mmshift) on the same scale
 * (the lower gap is half as wide at a power of two). Both midpoints
 * belong to the double when m2 is even (ties to even), so then they may
 * be chosen.
 */
static inline void
interval_of(uint64_t m, unsigned e, struct interval *v)
{
	uint64_t m2, mv;
	int	 e2, q, k, i, j, mmshift;

	if (e == 0) {
		e2 = 1 - EXP_BIAS - MANT_BITS - 2;
		m2 = m;
	} else {
		e2 = (int)e - EXP_BIAS - MANT_BITS - 2;
		m2 = (uint64_t)1 << MANT_BITS | m;
	}
	v->even = (m2 & 1) == 0;
	v->vr_tz = v->vm_tz = 0;
	mv = 4 * m2;
	mmshift = m != 0 || e <= 1;

	if (e2 >= 0) {
		q = log10_pow2(e2) - (e2 > 3);
		v->e10 = q;
		k = POW5_BITS + pow5_bits(q) - 1;
		i = -e2 + q + k;
		v->vr = mul_shift(mv, pow5inv[q], i);
		v->vp = mul_shift(mv + 2, pow5inv[q], i);
		v->vm = mul_shift(mv - 1 - mmshift, pow5inv[q], i);
		if (q <= 21) {
			/* Exact quotients: at most one of the three has 5^q. */
			if (mv % 5 == 0)
				v->vr_tz = pow5_factor(mv) >= q;
			else if (v->even)
				v->vm_tz = pow5_factor(mv - 1 - mmshift) >= q;
			else
				v->vp -= pow5_factor(mv + 2) >= q;
		}
	} else {
		q = log10_pow5(-e2) - (-e2 > 1);
		v->e10 = q + e2;
		i = -e2 - q;
		k = pow5_bits(i) - POW5_BITS;
		j = q - k;
		v->vr = mul_shift(mv, pow5[i], j);
		v->vp = mul_shift(mv + 2, pow5[i], j);
		v->vm = mul_shift(mv - 1 - mmshift, pow5[i], j);
		if (q <= 1) {
			/* mv has two low zero bits; mm one when mmshift. */
			v->vr_tz = 1;
			if (v->even)
				v->vm_tz = mmshift == 1;
			else
				v->vp--;
		} else if (q < 63) {
			/* vr = mv * 5^i / 2^q is exact when 2^q divides mv. */
			v->vr_tz = (mv & (((uint64_t)1 << q) - 1)) == 0;
		}
	}
}

/*
 * The shortest decimal D * 10^*exp10 that reads back as the positive
 * finite double of mantissa field m and exponent field e; returns D.
 */
static uint64_t
shortest(uint64_t m, unsigned e, int *exp10)
{
	struct interval iv;
	uint64_t vr, vp, vm, nvr;
	int	 removed = 0, vm_tz, vr_tz, last = 0;

	if (!tables_done)
		tables_init();
	interval_of(m, e, &iv);
	vr = iv.vr;
	vp = iv.vp;
	vm = iv.vm;
	vr_tz = iv.vr_tz;
	vm_tz = iv.vm_tz;

	/*
	 * Drop digits while the bounds still differ above them; then, where
	 * the bound may be exact, the lower bound's trailing zeros.
	 */
#define DROP() do {							\
		vr_tz &= last == 0;					\
		nvr = vr / 10;						\
		last = (int)(vr - 10 * nvr);				\
		vr = nvr;						\
		vp /= 10;						\
		vm /= 10;						\
		removed++;						\
	} while (0)
	while (vp / 10 > vm / 10) {
		vm_tz &= vm % 10 == 0;
		DROP();
	}
	while (vm_tz && vm % 10 == 0)
		DROP();
#undef DROP
	if (vr_tz && last == 5 && vr % 2 == 0)
		last = 4;	/* exactly halfway: to even */
	vr += (vr == vm && (!iv.even || !vm_tz)) || last >= 5;
	*exp10 = iv.e10 + removed;
	return vr;
}

/*
 * The shortest digits of |d| (finite, nonzero) into dig without trailing
 * zeros; returns their count, *exp10 the power of ten of the first,
 * *exact 1 when they are d's own (an integer below 2^53).
 */
static int
digits_of(double d, char dig[DIGITS_MAX], int *exp10, int *exact)
{
	uint64_t bits, m, v;
	unsigned e;
	int	 n, sh, ex = 0;
	char	 t[DIGITS_MAX];

	memcpy(&bits, &d, sizeof(bits));
	m = bits & (((uint64_t)1 << MANT_BITS) - 1);
	e = (unsigned)(bits >> MANT_BITS) & ((1u << EXP_BITS) - 1);
	sh = EXP_BIAS + MANT_BITS - (int)e;
	if (e != 0 && sh >= 0 && sh <= MANT_BITS &&
	    (m & (((uint64_t)1 << sh) - 1)) == 0) {
		/* An integer below 2^53: its own digits are the shortest. */
		v = ((uint64_t)1 << MANT_BITS | m) >> sh;
		*exact = 1;
	} else {
		v = shortest(m, e, &ex);
		*exact = 0;
	}
	while (v % 10 == 0) {
		v /= 10;
		ex++;
	}
	n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (sh = 0; sh < n; sh++)
		dig[sh] = t[n - 1 - sh];
	*exp10 = ex + n - 1;
	return n;
}

/* "e+XX" / "e-XXX": at least two exponent digits, as Python and C do. */
static size_t
put_exp(char *p, int e)
{
	size_t	n = 0;

	p[n++] = 'e';
	p[n++] = e < 0 ? '-' : '+';
	if (e < 0)
		e = -e;
	if (e >= 100)
		p[n++] = (char)('0' + e / 100);
	p[n++] = (char)('0' + e / 10 % 10);
	p[n++] = (char)('0' + e % 10);
	return n;
}

/* nan, inf, -inf, 0.0 and -0.0 as both repr and str write them. */
static int
special(double d, char *buf, size_t *len)
{
	const char *s;

	if (isnan(d))
		s = "nan";
	else if (isinf(d))
		s = d < 0 ? "-inf" : "inf";
	else if (d == 0)
		s = signbit(d) ? "-0.0" : "0.0";
	else
		return 0;
	*len = strlen(s);
	memcpy(buf, s, *len + 1);
	return 1;
}

/*
 * Digits dig[0..nd) of decimal exponent x (no trailing zeros) after the
 * sign in p: fixed notation when lo <= x < hi, else d.ddde+XX. With dot0,
 * a fixed number without a fraction gets ".0".
 */
static size_t
layout(char *p, const char *dig, int nd, int x, int lo, int hi, int dot0)
{
	size_t	n = 0;
	int	i;

	if (x < lo || x >= hi) {
		p[n++] = dig[0];
		if (nd > 1) {
			p[n++] = '.';
			memcpy(p + n, dig + 1, nd - 1);
			n += nd - 1;
		}
		return n + put_exp(p + n, x);
	}
	if (x < 0) {
		p[n++] = '0';
		p[n++] = '.';
		for (i = x + 1; i < 0; i++)
			p[n++] = '0';
		memcpy(p + n, dig, nd);
		return n + nd;
	}
	for (i = 0; i <= x; i++)
		p[n++] = i < nd ? dig[i] : '0';
	if (nd > x + 1) {
		p[n++] = '.';
		memcpy(p + n, dig + x + 1, nd - x - 1);
		n += nd - x - 1;
	} else if (dot0) {
		p[n++] = '.';
		p[n++] = '0';
	}
	return n;
}

size_t
pyfloat_repr(double d, char buf[PYFLOAT_MAX])
{
	char	 dig[DIGITS_MAX];
	size_t	 n = 0;
	int	 nd, x, exact;

	if (special(d, buf, &n))
		return n;
	nd = digits_of(d, dig, &x, &exact);
	if (signbit(d))
		buf[n++] = '-';
	/* repr: exponent notation below 1e-4 and from 1e16 on. */
	n += layout(buf + n, dig, nd, x, -4, 16, 1);
	buf[n] = '\0';
	return n;
}

/*
 * |d|'s digits correctly rounded to STR_DIGITS (ties to even) through
 * printf, trailing zeros dropped: slow, but right for any double.
 */
static int
digits_printf(double d, char dig[DIGITS_MAX], int *exp10)
{
	char	 t[PYFLOAT_MAX];
	int	 w, nd = 0, i;

	w = snprintf(t, sizeof(t), "%.*e", STR_DIGITS - 1, fabs(d));
	if (w < STR_DIGITS + 5 || w >= (int)sizeof(t)) {
		dig[0] = '0';	/* cannot happen: "d.ddde+XX" fits */
		*exp10 = 0;
		return 1;
	}
	for (i = 0; i < w && t[i] != 'e' && nd < DIGITS_MAX; i++)
		if (t[i] != '.')
			dig[nd++] = t[i];
	*exp10 = (int)strtol(t + i + 1, NULL, 10);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	return nd;
}

/*
 * Digits dig[0..nd) rounded to STR_DIGITS (a 13th digit of 5 or more
 * rounds up: the caller has settled exact ties), trailing zeros dropped
 * unless keep; returns the new count. A normal double's shortest digits
 * are within 2^-53 of it, far closer than half a unit in the 12th
 * digit, so rounding them is rounding d.
 */
static int
round_str(char *dig, int nd, int *x, int keep)
{
	int	i;

	if (nd > STR_DIGITS) {
		nd = STR_DIGITS;
		if (dig[STR_DIGITS] >= '5') {
			for (i = nd - 1; i >= 0 && dig[i] == '9'; i--)
				;
			if (i < 0) {
				dig[0] = '1';
				(*x)++;
				return 1;
			}
			dig[i]++;
			return i + 1;
		}
	}
	while (!keep && nd > 1 && dig[nd - 1] == '0')
		nd--;
	return nd;
}

/*
 * Python 2.7's str(d): repr's rules with 12 digits, and two quirks of
 * its dtoa (mode 2, 12 digits) found by testing against CPython 2.7.18
 * (HACKING.md, "Python 2.7's float text"):
 * - exponent form once the point would come after the 11th digit
 *   (x >= 11), where '%.12g' waits for the 12th: with ".0" to add, a
 *   digit less;
 * - an integral d below 10^15 whose digits after the 12th are exactly
 *   5, 50 or 500 and whose 12th digit is even (a tie rounded down) keeps
 *   its 12 digits, trailing zeros and all: 4391741834105.0 is
 *   4.39174183410e+12.
 */
size_t
pyfloat_str(double d, char buf[PYFLOAT_MAX])
{
	char	 dig[DIGITS_MAX];
	size_t	 n = 0;
	int	 nd, x, exact, keep = 0;

	if (special(d, buf, &n))
		return n;
	if (fabs(d) < DBL_MIN)	/* a subnormal has fewer digits of its own */
		nd = digits_printf(d, dig, &x);
	else {
		nd = digits_of(d, dig, &x, &exact);
		if (nd == STR_DIGITS + 1 && dig[STR_DIGITS] == '5') {
			if (!exact)	/* d may lie on either side of the 5 */
				nd = digits_printf(d, dig, &x);
			else if ((dig[STR_DIGITS - 1] - '0') % 2 == 0) {
				/* An exact tie, to even: down. */
				nd = STR_DIGITS;
				keep = x <= STR_KEEP_MAX;
			}
		}
		nd = round_str(dig, nd, &x, keep);
	}
	if (signbit(d))
		buf[n++] = '-';
	n += layout(buf + n, dig, nd, x, -4, STR_DIGITS - 1, 1);
	buf[n] = '\0';
	return n;
}

int
pyfloat_parse(const char *s, size_t len, double *out)
{
	static const double p10[FAST_EXP10 + 1] = { 1e0, 1e1, 1e2, 1e3, 1e4,
	    1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	char	 t[64], *copy = NULL;
	size_t	 i = 0;
	uint64_t w = 0;
	int	 neg = 0, nd = 0, e = 0, ex = 0, eneg = 0;
	double	 v;

	/*
	 * Clinger's fast path: a significand below 2^53 and a power of ten
	 * up to 10^22 are both exact, so one IEEE multiplication or
	 * division rounds correctly. The grammar was checked by the parser.
	 */
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (w != 0 || s[i] != '0')
			nd++;
		w = w * 10 + (uint64_t)(s[i] - '0');
		if (nd > 15)
			goto slow;
	}
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (w != 0 || s[i] != '0')
				nd++;
			w = w * 10 + (uint64_t)(s[i] - '0');
			e--;
			if (nd > 15)
				goto slow;
		}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			ex = ex * 10 + (s[i] - '0');
			if (ex > 1000)
				goto slow;
		}
	}
	if (i != len)
		goto slow;
	e += eneg ? -ex : ex;
	if (e < -FAST_EXP10 || e > FAST_EXP10)
		goto slow;
	v = e >= 0 ? (double)w * p10[e] : (double)w / p10[-e];
	*out = neg ? -v : v;
	return 0;
 slow:
	/* strtod wants a terminated copy; lexemes are rarely long. */
	if (len < sizeof(t))
		copy = t;
	else if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	*out = strtod(copy, NULL);
	if (copy != t)
		free(copy);
	return 0;
}
