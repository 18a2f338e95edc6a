/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: open addressing over an index of (signature, entry) slots at
 * most half full, linear probing, backward-shift deletion; entries in a
 * preallocated pool with a free list. See nfw_flowtab.h for the semantics.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_flowtab.h"

struct flowkey {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t af;
	uint16_t exp_id;
};
_Static_assert(sizeof(struct flowkey) == 40, "flow key is 40 bytes");

/*
 * An entry is one cache line: everything a record that joins its flow reads
 * or writes (key, counters, flags, times), so a hit costs the index slot
 * and this line. Counters are as wide as a flow needs between two exports
 * (bytes 2^48, packets 2^32, 255 records, a span of 49 days); a record that
 * would overflow one closes the entry (reason LIMIT) and starts the next,
 * so nothing is ever lost or wrapped. The rest, written when a flow starts
 * and read when it leaves, is in a parallel array (struct flowcold).
 */
#define BYTES_MAX ((1ull << 48) - 1)
#define MS_MAX ((1ull << 48) - 1)
#define RECORDS_MAX 255u

struct flowent {
	struct flowkey key;          /* while free: key.src[0..3] holds the next free index */
	uint64_t bytes : 48;
	uint64_t records : 8;
	uint64_t tcp_flags : 8;
	uint64_t last_ms : 48;
	uint64_t flags : 8;
	uint64_t end_reason : 8;
	uint32_t packets;
	uint32_t span_ms;            /* last_ms - first_ms */
};
_Static_assert(sizeof(struct flowent) == 64, "flow entry is one cache line");

struct flowcold {
	uint32_t sampling;
	uint32_t in_if;
	uint32_t out_if;
	uint8_t tos;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct flowcold) == 16, "cold part is 16 bytes");

static inline uint32_t
next_free(const struct flowent *e)
{
	uint32_t v;
	memcpy(&v, e->key.src, sizeof(v));
	return v;
}

static inline void
set_next_free(struct flowent *e, uint32_t v)
{
	memcpy(e->key.src, &v, sizeof(v));
}

struct slot {
	uint32_t sig;  /* hash; 0 marks an empty slot (real hashes are forced non-zero) */
	uint32_t idx;
};

struct expent {
	uint8_t addr[16];
	uint16_t port;
	uint16_t version;
	uint32_t domain;
};

struct nfw_flowtab {
	struct nfw_flowtab_params p;
	struct slot *slots;
	uint32_t mask;
	struct flowent *ent;
	struct flowcold *cold;
	uint32_t free_head;
	struct expent *exps;
	uint32_t nexps;
	uint32_t last_exp;
	uint64_t now_ms;
	uint32_t age_cursor;
	struct nfw_flowtab_stats st;
};

static const char *const close_str[] = {
#define NFW_X_CL_STR_(n, s, h) s,
	NFW_FLOW_CLOSE_REASONS(NFW_X_CL_STR_)
#undef NFW_X_CL_STR_
};

const char *
nfw_flow_close_str(unsigned r)
{
	return r < NFW_FLOW_CLOSE__MAX ? close_str[r] : "unknown";
}

static inline uint32_t
key_hash(const struct flowkey *k)
{
	uint64_t w[5];
	memcpy(w, k, sizeof(w));
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 5; i++) {
		h ^= w[i] * 0xbf58476d1ce4e5b9ULL;
		h = (h << 31 | h >> 33) * 0x94d049bb133111ebULL;
	}
	h ^= h >> 29;
	uint32_t s = (uint32_t)h ^ (uint32_t)(h >> 32);
	return s ? s : 1;
}

struct nfw_flowtab *
nfw_flowtab_create(const struct nfw_flowtab_params *in)
{
	struct nfw_flowtab *t;

	if (in == NULL || in->emit == NULL) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->p = *in;
	if (t->p.max_flows == 0)
		t->p.max_flows = 1u << 20;
	if (t->p.idle_ms == 0)
		t->p.idle_ms = 60000;
	if (t->p.stitch_gap_ms == 0)
		t->p.stitch_gap_ms = 2000;
	if (t->p.max_exporters == 0)
		t->p.max_exporters = 1024;
	if (t->p.max_flows > (1u << 28) || t->p.max_exporters > 65535) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	uint32_t n = 16;
	while (n < t->p.max_flows * 2u)
		n <<= 1;
	t->mask = n - 1;
	t->slots = calloc(n, sizeof(*t->slots));
	t->ent = aligned_alloc(64, ((size_t)t->p.max_flows * sizeof(*t->ent) + 63) & ~(size_t)63);
	t->cold = calloc(t->p.max_flows, sizeof(*t->cold));
	t->exps = calloc(t->p.max_exporters, sizeof(*t->exps));
	if (t->slots == NULL || t->ent == NULL || t->cold == NULL || t->exps == NULL)
		goto nomem;
	for (uint32_t i = 0; i < t->p.max_flows; i++)
		set_next_free(&t->ent[i], i + 1 < t->p.max_flows ? i + 1 : UINT32_MAX);
	t->free_head = 0;
	return t;
nomem:
	nfw_flowtab_free(t);
	errno = ENOMEM;
	return NULL;
}

void
nfw_flowtab_free(struct nfw_flowtab *t)
{
	if (t == NULL)
		return;
	free(t->exps);
	free(t->cold);
	free(t->ent);
	free(t->slots);
	free(t);
}

size_t
nfw_flowtab_memory(const struct nfw_flowtab *t)
{
	return ((size_t)t->mask + 1) * sizeof(struct slot) +
	       (size_t)t->p.max_flows * (sizeof(struct flowent) + sizeof(struct flowcold)) +
	       (size_t)t->p.max_exporters * sizeof(struct expent);
}

static int
exporter_id(struct nfw_flowtab *t, const struct nfw_flow *r)
{
	/* a shard sees few exporters: the last one, then a short scan */
	const struct expent *l = &t->exps[t->last_exp];
	if (t->nexps > 0 && l->port == r->exporter_port && l->domain == r->domain &&
	    l->version == r->version && memcmp(l->addr, r->exporter, 16) == 0)
		return (int)t->last_exp;
	for (uint32_t i = t->nexps; i-- > 0;) {
		const struct expent *e = &t->exps[i];
		if (e->port == r->exporter_port && e->domain == r->domain && e->version == r->version &&
		    memcmp(e->addr, r->exporter, 16) == 0) {
			t->last_exp = i;
			return (int)i;
		}
	}
	if (t->nexps >= t->p.max_exporters)
		return -1;
	struct expent *e = &t->exps[t->nexps];
	memcpy(e->addr, r->exporter, 16);
	e->port = r->exporter_port;
	e->domain = r->domain;
	e->version = r->version;
	return (int)t->nexps++;
}

static void
entry_view(const struct nfw_flowtab *t, const struct flowent *e, uint8_t reason, struct nfw_flow_closed *out)
{
	struct nfw_flow_closed c;
	const struct expent *x = &t->exps[e->key.exp_id];
	const struct flowcold *k = &t->cold[e - t->ent];

	memset(&c, 0, sizeof(c));
	memcpy(c.f.src_addr, e->key.src, 16);
	memcpy(c.f.dst_addr, e->key.dst, 16);
	c.f.src_port = e->key.sport;
	c.f.dst_port = e->key.dport;
	c.f.proto = e->key.proto;
	c.f.af = e->key.af;
	memcpy(c.f.exporter, x->addr, 16);
	c.f.exporter_port = x->port;
	c.f.domain = x->domain;
	c.f.version = x->version;
	c.f.bytes = e->bytes;
	c.f.packets = e->packets;
	c.f.start_ms = e->last_ms - e->span_ms;
	c.f.end_ms = e->last_ms;
	c.f.sampling = k->sampling;
	c.f.in_if = k->in_if;
	c.f.out_if = k->out_if;
	c.f.tcp_flags = e->tcp_flags;
	c.f.end_reason = e->end_reason;
	c.f.flags = e->flags;
	c.f.tos = k->tos;
	c.records = e->records;
	c.reason = reason;
	*out = c;
}

static void
emit_entry(struct nfw_flowtab *t, const struct flowent *e, uint8_t reason)
{
	struct nfw_flow_closed c;
	entry_view(t, e, reason, &c);
	t->st.closed[reason]++;
	t->p.emit(&c, t->p.emit_arg);
}

static void
slot_remove(struct nfw_flowtab *t, uint32_t i)
{
	uint32_t hole = i, j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].sig == 0)
			break;
		uint32_t home = t->slots[j].sig & t->mask;
		bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!in_range) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	t->slots[hole].sig = 0;
}

static void
entry_release(struct nfw_flowtab *t, uint32_t slot)
{
	uint32_t idx = t->slots[slot].idx;
	set_next_free(&t->ent[idx], t->free_head);
	t->free_head = idx;
	slot_remove(t, slot);
	t->st.active--;
}

static bool
closes(const struct nfw_flow *r)
{
	switch (r->end_reason) {
	case 1: case 3: case 4: case 5:
		return true;
	case 2:
		return false;
	default:
		return r->proto == 6 && (r->tcp_flags & 0x05) != 0; /* FIN or RST */
	}
}

/* a record an entry can hold alone (else it passes through, closed as it came) */
static inline bool
fits(const struct nfw_flow *r)
{
	return r->bytes <= BYTES_MAX && r->packets <= UINT32_MAX && r->end_ms <= MS_MAX &&
	       r->start_ms <= r->end_ms && r->end_ms - r->start_ms <= UINT32_MAX;
}

static void
entry_fill(struct nfw_flowtab *t, struct flowent *e, const struct flowkey *k, const struct nfw_flow *r)
{
	struct flowcold *c = &t->cold[e - t->ent];
	e->key = *k;
	e->bytes = r->bytes;
	e->packets = (uint32_t)r->packets;
	e->last_ms = r->end_ms;
	e->span_ms = (uint32_t)(r->end_ms - r->start_ms);
	e->records = 1;
	e->tcp_flags = r->tcp_flags;
	e->end_reason = r->end_reason;
	e->flags = r->flags;
	c->sampling = r->sampling;
	c->in_if = r->in_if;
	c->out_if = r->out_if;
	c->tos = r->tos;
}

/* The key of a record, or -1 when its exporter does not fit (passed through). */
static int
make_key(struct nfw_flowtab *t, const struct nfw_flow *r, struct flowkey *k)
{
	int exp = exporter_id(t, r);
	if (exp < 0)
		return -1;
	memcpy(k->src, r->src_addr, 16);
	memcpy(k->dst, r->dst_addr, 16);
	k->sport = r->src_port;
	k->dport = r->dst_port;
	k->proto = r->proto;
	k->af = r->af;
	k->exp_id = (uint16_t)exp;
	return 0;
}

static void
pass_through(struct nfw_flowtab *t, const struct nfw_flow *r)
{
	/* no exporter id: a closed flow of its own, with its exporter */
	struct nfw_flow_closed c = { .f = *r, .records = 1, .reason = NFW_FLOW_CLOSE_FULL };
	t->st.exporter_full++;
	t->st.closed[NFW_FLOW_CLOSE_FULL]++;
	t->p.emit(&c, t->p.emit_arg);
}

/* one record as a flow of its own, closed at once, as a table entry would give it back */
static void
pass_alone(struct nfw_flowtab *t, const struct nfw_flow *r, const struct flowkey *k, uint8_t reason)
{
	struct nfw_flow_closed c;
	const struct expent *x = &t->exps[k->exp_id];
	c.f = *r;
	/* no AS, next hop or direction: a table entry does not keep them */
	memset(c.f.nexthop, 0, sizeof(c.f.nexthop));
	c.f.src_as = c.f.dst_as = 0;
	c.f.direction = 0;
	c.f.pad_ = 0;
	memcpy(c.f.exporter, x->addr, 16);
	c.records = 1;
	c.reason = reason;
	t->st.created++;
	t->st.closed[reason]++;
	t->p.emit(&c, t->p.emit_arg);
}

static void add_keyed(struct nfw_flowtab *t, const struct nfw_flow *r, const struct flowkey *kp,
		      uint32_t h);

void
nfw_flowtab_add(struct nfw_flowtab *t, const struct nfw_flow *r)
{
	struct flowkey k;

	t->st.records++;
	if (r->end_ms > t->now_ms)
		t->now_ms = r->end_ms;
	if (make_key(t, r, &k) != 0) {
		pass_through(t, r);
		return;
	}
	add_keyed(t, r, &k, key_hash(&k));
}

/*
 * A burst: keys and hashes first, then the index slots read (plain loads,
 * independent of each other, so the out-of-order core overlaps their
 * misses) with the entries they point at prefetched, then the work: the
 * two cache misses of each record overlap with the others'.
 *
 * The slots are loaded, not prefetched: on the build machine (a VM) a
 * prefetch of the slot followed by its load made the whole table 25 %
 * slower (bench_flowtab burst 65 -> 51 ns per open record without it,
 * flow mode v9 9.5 -> 11.0 M records/s); the entry prefetch does pay
 * (without it flow mode fell to 7.7 M), and so does a prefetch over a
 * plain load of the entry (10.7 M). bench/RESULTS.md has the runs.
 */
void
nfw_flowtab_add_burst(struct nfw_flowtab *t, const struct nfw_flow *r, unsigned n)
{
	struct flowkey k[NFW_FLOWTAB_BURST];
	uint32_t h[NFW_FLOWTAB_BURST];
	int ok[NFW_FLOWTAB_BURST];

	while (n > 0) {
		unsigned m = n < NFW_FLOWTAB_BURST ? n : NFW_FLOWTAB_BURST;
		for (unsigned i = 0; i < m; i++) {
			ok[i] = make_key(t, &r[i], &k[i]) == 0;
			h[i] = ok[i] ? key_hash(&k[i]) : 0;
		}
		/*
		 * No branch on what the slot holds: a branch on a load that
		 * misses is mispredicted half the time, and each flush waits
		 * for that miss, one after the other. An empty slot's idx is 0
		 * or a stale index, always inside the pool: prefetching it is
		 * harmless.
		 */
		for (unsigned i = 0; i < m; i++)
			__builtin_prefetch(&t->ent[t->slots[h[i] & t->mask].idx]); /* one line */
		for (unsigned i = 0; i < m; i++) {
			t->st.records++;
			if (r[i].end_ms > t->now_ms)
				t->now_ms = r[i].end_ms;
			if (ok[i])
				add_keyed(t, &r[i], &k[i], h[i]);
			else
				pass_through(t, &r[i]);
		}
		r += m;
		n -= m;
	}
}

static void
add_keyed(struct nfw_flowtab *t, const struct nfw_flow *r, const struct flowkey *kp, uint32_t h)
{
	const struct flowkey k = *kp;
	uint32_t i = h & t->mask;
	for (;; i = (i + 1) & t->mask) {
		struct slot *s = &t->slots[i];
		if (s->sig == 0)
			break;
		if (s->sig != h || memcmp(&t->ent[s->idx].key, &k, sizeof(k)) != 0)
			continue;
		struct flowent *e = &t->ent[s->idx];
		if (!fits(r)) { /* too big for any entry: out as it came, the open flow untouched */
			pass_alone(t, r, &k, NFW_FLOW_CLOSE_LIMIT);
			return;
		}
		uint64_t first = e->last_ms - e->span_ms;
		uint64_t nfirst = r->start_ms < first ? r->start_ms : first;
		uint64_t nlast = r->end_ms > e->last_ms ? r->end_ms : e->last_ms;
		if (r->start_ms > e->last_ms + t->p.stitch_gap_ms) {
			/* the same key much later: a new conversation */
			emit_entry(t, e, NFW_FLOW_CLOSE_SUPERSEDED);
			entry_fill(t, e, &k, r);
			t->st.created++;
		} else if (e->bytes + r->bytes > BYTES_MAX || (uint64_t)e->packets + r->packets > UINT32_MAX ||
			   e->records == RECORDS_MAX || nlast - nfirst > UINT32_MAX) {
			/* one more would overflow the entry: close it, the record opens the next */
			emit_entry(t, e, NFW_FLOW_CLOSE_LIMIT);
			entry_fill(t, e, &k, r);
			t->st.created++;
		} else {
			e->bytes += r->bytes;
			e->packets += (uint32_t)r->packets;
			e->last_ms = nlast;
			e->span_ms = (uint32_t)(nlast - nfirst);
			e->records++;
			e->tcp_flags |= r->tcp_flags;
			e->end_reason = r->end_reason;
			e->flags |= r->flags;
			t->st.merged++;
		}
		if (closes(r)) {
			emit_entry(t, e, NFW_FLOW_CLOSE_END);
			entry_release(t, i);
		}
		return;
	}
	/* a new flow that is over at once, too big for an entry, or no room: out as it came */
	if (closes(r) || !fits(r) || t->free_head == UINT32_MAX) {
		pass_alone(t, r, &k, closes(r) ? NFW_FLOW_CLOSE_END : !fits(r) ? NFW_FLOW_CLOSE_LIMIT
											 : NFW_FLOW_CLOSE_FULL);
		return;
	}
	uint32_t idx = t->free_head;
	t->free_head = next_free(&t->ent[idx]);
	entry_fill(t, &t->ent[idx], &k, r);
	t->slots[i].sig = h;
	t->slots[i].idx = idx;
	t->st.created++;
	t->st.active++;
}

unsigned
nfw_flowtab_age(struct nfw_flowtab *t, unsigned budget)
{
	unsigned closed = 0;
	uint32_t i = t->age_cursor;

	if (t->st.active == 0)
		return 0;
	for (unsigned n = 0; n < budget && n <= t->mask; n++) {
		struct slot *s = &t->slots[i];
		if (s->sig != 0) {
			struct flowent *e = &t->ent[s->idx];
			if (e->last_ms + t->p.idle_ms < t->now_ms) {
				emit_entry(t, e, NFW_FLOW_CLOSE_AGED);
				entry_release(t, i);
				closed++;
				continue; /* a slot shifted into i: look at it again */
			}
		}
		i = (i + 1) & t->mask;
	}
	t->age_cursor = i;
	return closed;
}

void
nfw_flowtab_flush(struct nfw_flowtab *t)
{
	for (uint32_t i = 0; i <= t->mask && t->st.active > 0;) {
		if (t->slots[i].sig != 0) {
			emit_entry(t, &t->ent[t->slots[i].idx], NFW_FLOW_CLOSE_FLUSH);
			entry_release(t, i);
			continue;
		}
		i++;
	}
}

uint32_t
nfw_flowtab_scan(const struct nfw_flowtab *t, uint32_t cursor, unsigned budget,
		 void (*fn)(const struct nfw_flow_closed *c, void *arg), void *arg, bool *done)
{
	uint32_t i = cursor;
	for (unsigned k = 0; k < budget && i <= t->mask; k++, i++)
		if (t->slots[i].sig != 0) {
			struct nfw_flow_closed c;
			entry_view(t, &t->ent[t->slots[i].idx], NFW_FLOW_CLOSE_FLUSH, &c);
			fn(&c, arg);
		}
	*done = i > t->mask;
	return i;
}

void
nfw_flowtab_stats_get(const struct nfw_flowtab *t, struct nfw_flowtab_stats *s)
{
	*s = t->st;
}
