/* flow: bounded table of flows keyed by 5-tuple; the per-flow decision lives here.
 * No I/O; no allocation after flow_table_new. */
#ifndef PRIVFW_FLOW_H
#define PRIVFW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt;
struct app_entry;

struct flow_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t family, proto;
	uint8_t pad[2];  /* zeroed: the key is hashed and compared as bytes */
};

enum flow_stage {
	FLOW_NEW,      /* no decision yet */
	FLOW_INSPECT,  /* allowed for now; payload still being looked at */
	FLOW_SETTLED,  /* decision final and handed to the kernel (conntrack mark) */
};

enum flow_verdict { FLOW_ACCEPT, FLOW_DENY };

/* The table keeps a keyed hash of the key, not the key itself (see flow.c): whoever needs the
 * addresses of a flow keeps its own copy. 48 bytes, so a full default table costs 3 MiB. */
struct flow {
	struct app_entry *app;  /* owned by the apps table, which outlives flows */
	void *ext;              /* the owner's per-flow state (inspection); see flow_table_set_release */
	uint32_t bytes;         /* seen in user space; a flow settles long before this wraps */
	uint8_t stage;          /* enum flow_stage */
	uint8_t verdict;        /* enum flow_verdict */
	bool inspected;         /* payload inspection of this connection is over */
	bool recheck;           /* the policy changed while this flow was under inspection */
	/* The table's own; read-only for everyone else. */
	uint8_t proto;          /* of the key, for its idle timeout */
	uint8_t flags;
	uint32_t next;          /* hash chain or free list: index + 1, 0 = end */
	uint32_t tick;          /* last use, in 256 ms ticks since the table's first use */
	uint32_t id_hi;         /* with id: 96 bits of the key's keyed hash */
	uint64_t id;
};

struct flow_table;

/* A table that holds at most max flows (max >= 16). NULL with errno on failure. */
struct flow_table *flow_table_new(size_t max, uint64_t seed);
void flow_table_free(struct flow_table *t);

/* fn is called for a flow with ext set when the table drops it (expiry, eviction, free). */
void flow_table_set_release(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg);

/* Fills k from a parsed packet (outbound direction). */
void flow_key_from_pkt(struct flow_key *k, const struct pkt *p);

/* Finds the flow for k, or creates it in FLOW_NEW stage: also when the flow found has been idle
 * past its timeout, and by evicting an old flow when the table is full (second chance: a flow
 * that has not been used again since the last pass goes first; see flow_evictions). *created
 * tells which. Never NULL. */
struct flow *flow_get(struct flow_table *t, const struct flow_key *k, uint64_t now_ms, bool *created);

/* Finds without creating; NULL when absent. Knows no time, so it may return a flow past its
 * timeout that flow_expire has not dropped yet. */
struct flow *flow_find(struct flow_table *t, const struct flow_key *k);

/* Drops flows idle longer than their protocol's timeout. Each call sweeps a quarter of the table
 * (all of it up to 4096 flows), so a flow goes within four calls of expiring. Returns how many
 * were dropped. */
size_t flow_expire(struct flow_table *t, uint64_t now_ms);

/* Calls fn for every flow; fn may not add or remove flows. */
void flow_foreach(struct flow_table *t, void (*fn)(struct flow *f, void *arg), void *arg);

size_t flow_count(const struct flow_table *t);
uint64_t flow_evictions(const struct flow_table *t);

/* Idle timeouts. A settled flow is the kernel's business (its conntrack mark carries the
 * verdict), so it is kept only for packets already in flight. */
#define FLOW_TIMEOUT_TCP_MS (600 * 1000)
#define FLOW_TIMEOUT_UDP_MS (120 * 1000)
#define FLOW_TIMEOUT_SETTLED_MS (30 * 1000)

#endif
