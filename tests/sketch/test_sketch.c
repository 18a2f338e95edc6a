/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sketches against theory, over many seeds:
 *  - HyperLogLog at p = 12 (sigma = 1.04/64 = 1.6 %): over 200 seeds the RMS
 *    relative error stays within 1.25 sigma, 99 % of runs within 3 sigma,
 *    the mean within 3 sigma / sqrt(200); small sets (linear counting) within
 *    a few percent; merge equals the sketch of the union, register for register.
 *  - count-min: never below the truth; plain and conservative within
 *    e N / w for all but a few keys (probability e^-d); conservative never
 *    worse than plain; plain merge equals the sketch of the union; the
 *    conservative merge is an upper bound that stays at or above the truth.
 *  - top-k: on a Zipf stream the true heaviest keys are all kept, every
 *    count brackets the truth (count - error <= true <= count), and merging
 *    two halves keeps them.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nfw_sketch.h"

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
test_hll_error(void **state)
{
	(void)state;
	const unsigned trials = 200, n = 50000;
	const double sigma = 1.04 / sqrt(4096.0);
	double sum = 0, sumsq = 0;
	unsigned within3 = 0;
	for (unsigned t = 0; t < trials; t++) {
		struct nfw_hll *h = nfw_hll_create(12);
		uint64_t s = 1000 + t;
		for (unsigned i = 0; i < n; i++) {
			uint64_t k = rnd(&s);
			nfw_hll_add(h, nfw_hash64(&k, 8, 7));
		}
		double e = (nfw_hll_count(h) - n) / n;
		sum += e;
		sumsq += e * e;
		within3 += fabs(e) <= 3 * sigma;
		nfw_hll_free(h);
	}
	double mean = sum / trials, rms = sqrt(sumsq / trials);
	print_message("HLL p=12 n=%u: mean %.4f, rms %.4f (sigma %.4f), %u/%u within 3 sigma\n", n, mean,
		      rms, sigma, within3, trials);
	assert_true(fabs(mean) <= 3 * sigma / sqrt((double)trials));
	assert_true(rms <= 1.25 * sigma);
	assert_true(within3 >= trials * 99 / 100);
}

static void
test_hll_small_and_merge(void **state)
{
	(void)state;
	/* linear counting at the low end */
	for (unsigned n = 10; n <= 1000; n *= 10) {
		struct nfw_hll *h = nfw_hll_create(12);
		for (uint64_t i = 0; i < n; i++)
			nfw_hll_add(h, nfw_hash64(&i, 8, 1));
		for (uint64_t i = 0; i < n; i++) /* duplicates change nothing */
			nfw_hll_add(h, nfw_hash64(&i, 8, 1));
		double e = nfw_hll_count(h);
		print_message("HLL n=%u: %.1f\n", n, e);
		assert_true(fabs(e - n) <= 0.03 * n + 1);
		nfw_hll_free(h);
	}
	/* merge(a, b) is the sketch of the union */
	struct nfw_hll *a = nfw_hll_create(10), *b = nfw_hll_create(10), *u = nfw_hll_create(10);
	for (uint64_t i = 0; i < 30000; i++) {
		uint64_t x = nfw_hash64(&i, 8, 3);
		if (i % 3 == 0 || i % 5 == 0)
			nfw_hll_add(a, x);
		if (i % 2 == 0)
			nfw_hll_add(b, x);
		if (i % 3 == 0 || i % 5 == 0 || i % 2 == 0)
			nfw_hll_add(u, x);
	}
	assert_int_equal(nfw_hll_merge(a, b), 0);
	size_t n1, n2;
	const uint8_t *r1 = nfw_hll_registers(a, &n1), *r2 = nfw_hll_registers(u, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(r1, r2, n1);
	struct nfw_hll *c = nfw_hll_create(11);
	assert_int_equal(nfw_hll_merge(a, c), -EINVAL);
	assert_null(nfw_hll_create(3));
	nfw_hll_free(a);
	nfw_hll_free(b);
	nfw_hll_free(u);
	nfw_hll_free(c);
}

/* a Zipf(1.1) key over `keys` by inversion of a precomputed CDF */
struct zipf {
	double *cdf;
	unsigned n;
};

static struct zipf
zipf_make(unsigned n, double s)
{
	struct zipf z = { malloc(n * sizeof(double)), n };
	double acc = 0;
	for (unsigned i = 0; i < n; i++)
		acc += 1.0 / pow(i + 1, s);
	double run = 0;
	for (unsigned i = 0; i < n; i++) {
		run += 1.0 / pow(i + 1, s) / acc;
		z.cdf[i] = run;
	}
	return z;
}

static unsigned
zipf_draw(const struct zipf *z, uint64_t *s)
{
	double u = (double)(rnd(s) >> 11) / 9007199254740992.0;
	unsigned lo = 0, hi = z->n - 1;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
test_cms(void **state)
{
	(void)state;
	const unsigned keys = 20000, n = 200000, w = 1024, d = 4;
	struct zipf z = zipf_make(keys, 1.1);
	uint64_t *truth = calloc(keys, sizeof(uint64_t));
	unsigned over_plain = 0, over_cu = 0, checked = 0;
	for (unsigned seed = 1; seed <= 20; seed++) {
		struct nfw_cms *p = nfw_cms_create(w, d, 0, seed), *c = nfw_cms_create(w, d, 1, seed);
		memset(truth, 0, keys * sizeof(uint64_t));
		uint64_t s = seed * 77;
		for (unsigned i = 0; i < n; i++) {
			unsigned k = zipf_draw(&z, &s);
			uint64_t key = nfw_hash64(&k, sizeof(k), 9);
			uint64_t cnt = 1 + (i & 3);
			truth[k] += cnt;
			nfw_cms_add(p, key, cnt);
			nfw_cms_add(c, key, cnt);
		}
		double bound = exp(1.0) / w * (double)nfw_cms_total(p);
		for (unsigned k = 0; k < keys; k++) {
			uint64_t key = nfw_hash64(&k, sizeof(k), 9);
			uint64_t ep = nfw_cms_estimate(p, key), ec = nfw_cms_estimate(c, key);
			assert_true(ep >= truth[k] && ec >= truth[k]); /* never below */
			assert_true(ec <= ep);                           /* CU never worse */
			over_plain += (double)(ep - truth[k]) > bound;
			over_cu += (double)(ec - truth[k]) > bound;
			checked++;
		}
		nfw_cms_free(p);
		nfw_cms_free(c);
	}
	double fp = (double)over_plain / checked, fc = (double)over_cu / checked;
	print_message("count-min w=%u d=%u: over e*N/w: plain %.4f, conservative %.4f (theory <= %.4f)\n",
		      w, d, fp, fc, exp(-(double)d));
	assert_true(fp <= exp(-(double)d));
	assert_true(fc <= fp);

	/* merge: plain equals the union's sketch; conservative stays an upper bound */
	struct nfw_cms *a = nfw_cms_create(256, 3, 0, 5), *b = nfw_cms_create(256, 3, 0, 5),
		       *u = nfw_cms_create(256, 3, 0, 5);
	struct nfw_cms *ca = nfw_cms_create(256, 3, 1, 5), *cb = nfw_cms_create(256, 3, 1, 5);
	memset(truth, 0, keys * sizeof(uint64_t));
	uint64_t s = 3;
	for (unsigned i = 0; i < 50000; i++) {
		unsigned k = zipf_draw(&z, &s);
		uint64_t key = nfw_hash64(&k, sizeof(k), 9);
		truth[k]++;
		nfw_cms_add(i & 1 ? a : b, key, 1);
		nfw_cms_add(i & 1 ? ca : cb, key, 1);
		nfw_cms_add(u, key, 1);
	}
	assert_int_equal(nfw_cms_merge(a, b), 0);
	assert_int_equal(nfw_cms_merge(ca, cb), 0);
	for (unsigned k = 0; k < keys; k++) {
		uint64_t key = nfw_hash64(&k, sizeof(k), 9);
		assert_int_equal(nfw_cms_estimate(a, key), nfw_cms_estimate(u, key));
		assert_true(nfw_cms_estimate(ca, key) >= truth[k]);
	}
	struct nfw_cms *other = nfw_cms_create(256, 3, 0, 6);
	assert_int_equal(nfw_cms_merge(a, other), -EINVAL);
	assert_null(nfw_cms_create(100, 3, 0, 1));
	nfw_cms_free(a); nfw_cms_free(b); nfw_cms_free(u); nfw_cms_free(ca); nfw_cms_free(cb);
	nfw_cms_free(other);
	free(truth);
	free(z.cdf);
}

static void
test_topk(void **state)
{
	(void)state;
	const unsigned keys = 100000, n = 1000000, k = 200;
	struct zipf z = zipf_make(keys, 1.1);
	uint64_t *truth = calloc(keys, sizeof(uint64_t));
	struct nfw_topk *t = nfw_topk_create(k), *h1 = nfw_topk_create(k), *h2 = nfw_topk_create(k);
	uint64_t s = 11;
	for (unsigned i = 0; i < n; i++) {
		unsigned x = zipf_draw(&z, &s);
		uint8_t label[16] = { 0 };
		memcpy(label, &x, sizeof(x));
		truth[x]++;
		nfw_topk_add(t, x, label, 1);
		nfw_topk_add(i < n / 2 ? h1 : h2, x, label, 1);
	}
	struct nfw_topk_item items[200];
	unsigned m = nfw_topk_list(t, items, 200);
	assert_int_equal(m, k);
	assert_int_equal(nfw_topk_total(t), n);
	for (unsigned i = 0; i < m; i++) {
		uint64_t tr = truth[items[i].key];
		assert_true(items[i].count >= tr);
		assert_true(items[i].count - items[i].error <= tr);
		unsigned lk;
		memcpy(&lk, items[i].label, sizeof(lk));
		assert_int_equal(lk, items[i].key);
	}
	/* Zipf keys are ranked by index: the 20 heaviest must be the first 20, in order */
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(items[i].key, i);
	nfw_topk_merge(h1, h2);
	assert_int_equal(nfw_topk_total(h1), n);
	m = nfw_topk_list(h1, items, 20);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(items[i].key, i);
	print_message("top-k k=%u over %u keys: top 20 exact in order, key 0 counted %llu (true %llu)\n", k,
		      keys, (unsigned long long)items[0].count, (unsigned long long)truth[0]);
	nfw_topk_free(t);
	nfw_topk_free(h1);
	nfw_topk_free(h2);
	free(truth);
	free(z.cdf);
}

/* a lazy offer: a held key's count moves once it gains more than 1/2^lag */
static void
test_topk_lazy(void **state)
{
	(void)state;
	struct nfw_topk *t = nfw_topk_create(2);
	struct nfw_topk_item it[2];
	nfw_topk_offer_lazy(t, 1, NULL, 100, 3);
	nfw_topk_offer_lazy(t, 2, NULL, 50, 3);
	nfw_topk_offer_lazy(t, 1, NULL, 112, 3); /* 100 + 100/8: not more */
	assert_int_equal(nfw_topk_list(t, it, 2), 2);
	assert_int_equal(it[0].key, 1);
	assert_int_equal(it[0].count, 100);
	nfw_topk_offer_lazy(t, 1, NULL, 113, 3);
	nfw_topk_list(t, it, 2);
	assert_int_equal(it[0].count, 113);
	/* the smallest (50) leaves for a newcomer above it; lag 0 is nfw_topk_offer */
	nfw_topk_offer_lazy(t, 3, NULL, 50, 3);
	nfw_topk_offer_lazy(t, 3, NULL, 51, 3);
	nfw_topk_offer_lazy(t, 3, NULL, 52, 0);
	nfw_topk_list(t, it, 2);
	assert_int_equal(it[1].key, 3);
	assert_int_equal(it[1].count, 52);
	nfw_topk_free(t);
}

/* the embedded top eight: slots, inheritance on replacement, order, labels, saturation */
static void
test_top8(void **state)
{
	(void)state;
	struct nfw_top8 t;
	uint8_t labels[NFW_TOP8_K][16];
	bool fresh;
	memset(&t, 0, sizeof(t));
	assert_int_equal(sizeof(t), 64);
	for (uint32_t k = 1; k <= 8; k++) {
		unsigned slot = nfw_top8_add(&t, 100 + k, 10 * k, &fresh);
		assert_true(fresh);
		assert_int_equal(slot, k - 1);
		memset(labels[slot], (int)k, 16);
	}
	assert_int_equal(nfw_top8_add(&t, 103, 5, &fresh), 2);
	assert_false(fresh);
	/* a ninth key takes the smallest (key 101, 10) and inherits its count: 10 + 1 */
	unsigned slot = nfw_top8_add(&t, 109, 1, &fresh);
	assert_true(fresh);
	assert_int_equal(slot, 0);
	memset(labels[slot], 9, 16);
	struct nfw_topk_item it[8];
	unsigned n = nfw_top8_list(&t, (const uint8_t(*)[16])labels, it, 8);
	assert_int_equal(n, 8);
	const uint64_t keys[8] = { 108, 107, 106, 105, 104, 103, 102, 109 };
	const uint64_t counts[8] = { 80, 70, 60, 50, 40, 35, 20, 11 };
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(it[i].key, keys[i]);
		assert_int_equal(it[i].count, counts[i]);
		assert_int_equal(it[i].label[0], keys[i] - 100);
	}
	assert_int_equal(nfw_top8_list(&t, NULL, it, 3), 3);
	assert_int_equal(it[2].key, 106);
	/* counts saturate */
	nfw_top8_add(&t, 108, UINT32_MAX - 10, &fresh);
	nfw_top8_add(&t, 108, 1000, &fresh);
	nfw_top8_list(&t, NULL, it, 1);
	assert_int_equal(it[0].count, UINT32_MAX);
	/* space-saving: a key with more than an eighth of a long stream is held, never under-counted */
	memset(&t, 0, sizeof(t));
	uint64_t s = 3, heavy = 0;
	for (unsigned i = 0; i < 100000; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t key = i % 4 == 0 ? 7 : (uint32_t)(s >> 40) + 1000;
		heavy += key == 7;
		nfw_top8_add(&t, key, 1, &fresh);
	}
	nfw_top8_list(&t, NULL, it, 1);
	assert_int_equal(it[0].key, 7);
	assert_true(it[0].count >= heavy);
	assert_int_equal(heavy, 25000);
}

/* registers a caller owns count as the same adds into an nfw_hll do */
static void
test_hll_regs(void **state)
{
	(void)state;
	uint8_t reg[1u << 9];
	memset(reg, 0, sizeof(reg));
	struct nfw_hll *h = nfw_hll_create(9);
	for (uint64_t i = 0; i < 3000; i++) {
		uint64_t x = nfw_hash64(&i, sizeof(i), 1);
		nfw_hll_add(h, x);
		nfw_hll_regs_add(reg, 9, x);
	}
	size_t m;
	const uint8_t *r = nfw_hll_registers(h, &m);
	assert_int_equal(m, sizeof(reg));
	assert_memory_equal(r, reg, m);
	assert_true(nfw_hll_regs_count(reg, 9) == nfw_hll_count(h));
	assert_int_equal(nfw_hll_regs_index(9, 0xff80000000000000ULL), 511);
	nfw_hll_free(h);
}

/* heavy changers between two epochs: rates per second, the largest change first, a key new in one */
static void
test_hh_changes(void **state)
{
	(void)state;
	struct nfw_hh *a = nfw_hh_create(16, 1024, 4, 7), *b = nfw_hh_create(16, 1024, 4, 7);
	uint8_t label[16] = { 0 };
	for (uint64_t k = 1; k <= 10; k++) {
		label[0] = (uint8_t)k;
		nfw_hh_add(a, k, label, 1000);               /* 2 s: 500/s each */
		if (k != 7)
			nfw_hh_add(b, k, label, k == 5 ? 50000 : 1000); /* 1 s */
	}
	label[0] = 42;
	nfw_hh_add(b, 42, label, 30000);
	struct nfw_hh_change ch[32];
	unsigned n = nfw_hh_changes(a, 2.0, b, 1.0, ch, 32);
	assert_int_equal(n, 11);
	assert_int_equal(ch[0].key, 5);
	assert_true(ch[0].before == 500.0 && ch[0].after == 50000.0);
	assert_int_equal(ch[1].key, 42);
	assert_int_equal(ch[1].label[0], 42);
	assert_true(ch[1].before == 0.0 && ch[1].after == 30000.0);
	for (unsigned i = 2; i < n; i++) {
		assert_true(fabs(ch[i].after - ch[i].before) == 500.0);
		if (ch[i].key == 7)
			assert_true(ch[i].after == 0.0);
	}
	assert_int_equal(nfw_hh_changes(a, 2.0, b, 1.0, ch, 2), 2);
	assert_int_equal(nfw_hh_changes(a, 0.0, b, 1.0, ch, 2), 0);
	nfw_hh_free(a);
	nfw_hh_free(b);
}

/* heavy hitters (count-min + heap): the same top 20 as the truth, bounds that hold, merge */
static void
test_hh(void **state)
{
	(void)state;
	const unsigned keys = 100000, n = 1000000, k = 200;
	struct zipf z = zipf_make(keys, 1.1);
	uint64_t *truth = calloc(keys, sizeof(uint64_t));
	struct nfw_cms *twin = nfw_cms_create(4096, 4, 1, 7); /* h's count-min, cell for cell */
	struct nfw_hh *h = nfw_hh_create(k, 4096, 4, 7), *a = nfw_hh_create(k, 4096, 4, 7),
		      *b = nfw_hh_create(k, 4096, 4, 7), *other = nfw_hh_create(k, 2048, 4, 7);
	assert_non_null(h);
	uint64_t s = 13, total = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned x = zipf_draw(&z, &s);
		uint8_t label[16] = { 0 };
		memcpy(label, &x, sizeof(x));
		uint64_t w = 1 + (i % 7); /* weighted, like bytes */
		truth[x] += w;
		total += w;
		nfw_hh_add(h, x, label, w);
		nfw_cms_add(twin, x, w);
		nfw_hh_add(i % 3 ? a : b, x, label, w);
	}
	struct nfw_topk_item it[200];
	unsigned m = nfw_hh_list(h, it, 200);
	assert_int_equal(m, k);
	assert_int_equal(nfw_hh_total(h), total);
	for (unsigned i = 0; i < m; i++) {
		uint64_t tr = truth[it[i].key];
		assert_true(it[i].count >= tr);
		assert_true(it[i].count - it[i].error <= tr);
		/* listed at the estimate now, though held counts trail it by up to 1/8 */
		assert_int_equal(it[i].count, nfw_cms_estimate(twin, it[i].key));
		unsigned lk;
		memcpy(&lk, it[i].label, sizeof(lk));
		assert_int_equal(lk, it[i].key);
	}
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(it[i].key, i);
	nfw_cms_free(twin);
	/* merge: the union's totals, the same heaviest keys, still upper bounds */
	assert_int_equal(nfw_hh_merge(a, b), 0);
	assert_int_equal(nfw_hh_total(a), total);
	m = nfw_hh_list(a, it, 20);
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(it[i].key, i);
		assert_true(it[i].count >= truth[i]);
	}
	assert_int_equal(nfw_hh_merge(a, other), -EINVAL);
	print_message("heavy hitters k=%u, cms 4096x4: top 20 exact, key 0 %llu (true %llu, bound %llu), %zu bytes\n",
		      k, (unsigned long long)it[0].count, (unsigned long long)truth[0],
		      (unsigned long long)it[0].error, nfw_hh_memory(h));
	nfw_hh_clear(h);
	assert_int_equal(nfw_hh_total(h), 0);
	assert_int_equal(nfw_hh_list(h, it, 200), 0);
	nfw_hh_free(h);
	nfw_hh_free(a);
	nfw_hh_free(b);
	nfw_hh_free(other);
	free(truth);
	free(z.cdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hll_error),
		cmocka_unit_test(test_hll_small_and_merge),
		cmocka_unit_test(test_cms),
		cmocka_unit_test(test_topk),
		cmocka_unit_test(test_topk_lazy),
		cmocka_unit_test(test_top8),
		cmocka_unit_test(test_hh_changes),
		cmocka_unit_test(test_hll_regs),
		cmocka_unit_test(test_hh),
	};
	return cmocka_run_group_tests_name("sketch", tests, NULL, NULL);
}
