/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The period of a beacon seen through packet sampling, by phase coherence.
 *
 * At 1:N packet sampling a session of s packets is seen with the chance
 * q = 1 - (1 - 1/N)^s: a beacon of 3-packet sessions at 1:100 leaves one
 * session in 30. The intervals between the sessions seen are k periods,
 * k geometric with mean 1/q, so the direct test of beacon.c (most
 * intervals one period) cannot hold. What still tells a beacon from
 * chance is that every interval is close to a whole number of periods:
 * its phase 2 pi x / P is near 0. For n intervals the Rayleigh statistic
 *
 *     Z = |sum w_i e^(2 pi i x_i / P)|^2 / sum w_i^2
 *
 * is about exponential with mean 1 for arrivals at random, and about
 * n R^2 for a beacon, R the mean cosine of its phase errors. Jitter that
 * is drawn each beat (a sleep of P +- j P, the usual implant) adds up: an
 * interval of k beats has a phase error k times as wide in variance, so
 * Z is taken both unweighted and with weights 1 / k (the short intervals,
 * which keep their phase), and the larger is kept.
 *
 * Candidate periods: the six shortest intervals of at least min_period,
 * each divided by 1..4 (the shortest seen is one to four periods unless
 * sampling is thinner than that), each refined twice as the total time
 * over the total beats of the intervals within a quarter period of a
 * multiple. A multiple of the best (2P, 3P, 4P) that is nearly as
 * coherent is preferred: a beacon of period P is also perfectly coherent
 * at P / 2.
 *
 * Searching 24 candidates raises the largest Z of random arrivals:
 * simulated (24 000 Poisson streams of 13 to 64 events over 6 h, two seeds)
 * P(Z > 9.5) was 1e-3, the tail ~13 e^-Z; beacon.c asks for Z >= 18
 * (beacon_min_phase_z), ~2e-7 a test.
 */
#include <math.h>
#include <string.h>

#include "detect_priv.h"

#define PHASE_SMALLEST 6
#define PHASE_DIV 4

/* the nearest whole number of periods to x >= 0 (a cast: floor() is a call without SSE4.1) */
static inline double
nearest(double x)
{
	return (double)(int64_t)(x + 0.5);
}

/* The period refined: total time over total beats of the intervals near a multiple. */
static double
refine(const double *iv, unsigned n, double p)
{
	for (int round = 0; round < 2; round++) {
		double num = 0, den = 0, inv = 1 / p;
		for (unsigned i = 0; i < n; i++) {
			double x = iv[i] * inv, k = nearest(x);
			double on = (k >= 1) & (fabs(x - k) < 0.25); /* no branch: it is a coin toss at random */
			num += on * iv[i];
			den += on * k;
		}
		if (den == 0)
			break;
		p = num / den;
	}
	return p;
}

/*
 * cos and sin of 2 pi u for u in [-1/2, 1/2]: by the half angle h = pi u in
 * [-pi/2, pi/2], where Taylor series to h^9 and h^8 are good to 4e-6, then
 * doubled. libm's pair cost most of a search (bench_detect BM_beacon_run).
 */
static inline void
phase_cs(double u, double *c, double *s)
{
	double h = M_PI * u, h2 = h * h;
	double sh = h * (1 + h2 * (-1.0 / 6 + h2 * (1.0 / 120 + h2 * (-1.0 / 5040 + h2 * (1.0 / 362880)))));
	double ch = 1 + h2 * (-0.5 + h2 * (1.0 / 24 + h2 * (-1.0 / 720 + h2 * (1.0 / 40320))));
	*c = 1 - 2 * sh * sh;
	*s = 2 * sh * ch;
}

/* Rayleigh Z of the intervals' phases at period p: unweighted and 1/k-weighted, the larger. */
static double
coherence(const double *iv, unsigned n, double p)
{
	double c0 = 0, s0 = 0, c1 = 0, s1 = 0, w1 = 0, inv = 1 / p;
	for (unsigned i = 0; i < n; i++) {
		double x = iv[i] * inv, k = nearest(x), c, s;
		double w = k >= 1 ? 1 / k : 1;
		phase_cs(x - k, &c, &s);
		c0 += c;
		s0 += s;
		c1 += w * c;
		s1 += w * s;
		w1 += w * w;
	}
	double z0 = (c0 * c0 + s0 * s0) / n, z1 = w1 > 0 ? (c1 * c1 + s1 * s1) / w1 : 0;
	return z0 > z1 ? z0 : z1;
}

bool
beacon_phase_fit(const double *iv, unsigned n, double min_period, struct beacon_phase *out)
{
	double small[PHASE_SMALLEST], tried[PHASE_SMALLEST * PHASE_DIV];
	unsigned ns = 0, ntried = 0;
	memset(out, 0, sizeof(*out));
	if (n < 2 || min_period <= 0)
		return false;
	/* the shortest intervals of at least min_period, ascending (insertion into a short list) */
	for (unsigned i = 0; i < n; i++) {
		double x = iv[i];
		if (x < min_period || (ns == PHASE_SMALLEST && x >= small[ns - 1]))
			continue;
		unsigned j = ns < PHASE_SMALLEST ? ns++ : ns - 1;
		while (j > 0 && small[j - 1] > x) {
			small[j] = small[j - 1];
			j--;
		}
		small[j] = x;
	}
	for (unsigned a = 0; a < ns; a++)
		for (unsigned d = 1; d <= PHASE_DIV; d++) {
			double p = small[a] / d;
			if (p < min_period)
				break;
			p = refine(iv, n, p);
			if (p < min_period)
				continue;
			bool dup = false; /* candidates that refine to one period: once */
			for (unsigned q = 0; q < ntried && !dup; q++)
				dup = fabs(tried[q] - p) < 1e-3 * p;
			if (dup)
				continue;
			tried[ntried++] = p;
			double z = coherence(iv, n, p);
			if (z > out->z) {
				out->z = z;
				out->period = p;
			}
		}
	if (out->period == 0)
		return false;
	/* the largest multiple about as coherent: P, not P / 2 */
	double base = out->period, zbase = out->z;
	for (unsigned m = PHASE_DIV; m >= 2; m--) {
		double p = refine(iv, n, base * m);
		double z = coherence(iv, n, p);
		if (z >= 0.9 * zbase) {
			out->z = z;
			out->period = p;
			break;
		}
	}
	/* per-beat jitter: |x - kP| / (P sqrt k), its median over the intervals near a multiple */
	double dev[NFW_BEACON_PHASE_MAX];
	unsigned nd = 0;
	for (unsigned i = 0; i < n && nd < NFW_BEACON_PHASE_MAX; i++) {
		double k = nearest(iv[i] / out->period);
		if (k < 1)
			continue;
		double e = fabs(iv[i] - k * out->period) / out->period;
		if (e < 0.25) {
			dev[nd++] = e / sqrt(k);
			out->on++;
			out->beats += (unsigned)k;
		}
	}
	if (nd > 0) {
		for (unsigned i = 1; i < nd; i++) /* at most a few dozen: insertion sort */
			for (unsigned j = i; j > 0 && dev[j - 1] > dev[j]; j--) {
				double t = dev[j];
				dev[j] = dev[j - 1];
				dev[j - 1] = t;
			}
		out->jitter = nd % 2 ? dev[nd / 2] : (dev[nd / 2 - 1] + dev[nd / 2]) / 2;
	}
	return true;
}
