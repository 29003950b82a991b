/* inspect: payload inspection of one direction of a flow. Puts each TCP flow's outbound bytes
 * back in order, picks a decoder (HTTP, TLS, DNS, QUIC, or raw bytes) from the first payload,
 * feeds the detectors and reports findings, the destination host, and when nothing more can be
 * learned (the flow may settle). Pure apart from per-flow allocation: no I/O, no logging. */
#ifndef PRIVFW_INSPECT_H
#define PRIVFW_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

struct detect_db;
struct pkt;
struct inspect;
struct inspect_flow;

#define INSPECT_FINDINGS_MAX 16
#define INSPECT_BUDGET_DEFAULT 65536
#define INSPECT_LIVE_MAX 4096   /* flows inspected at once; more are refused (NULL) */

enum inspect_carrier { CARRIER_NONE, CARRIER_RAW, CARRIER_HTTP, CARRIER_TLS, CARRIER_DNS, CARRIER_QUIC };

enum inspect_status {
	INSPECT_MORE,  /* keep inspecting this flow */
	INSPECT_DONE,  /* nothing more to learn (TLS/QUIC hello read, budget spent): settle */
	INSPECT_GAP,   /* TCP data beyond a hole: not inspected; the sender will resend the hole */
};

struct inspect_result {
	struct finding findings[INSPECT_FINDINGS_MAX];
	size_t n;
	size_t lost;          /* findings beyond INSPECT_FINDINGS_MAX */
	enum inspect_status status;
	bool host_changed;    /* this packet told the host (inspect_flow_host) */
};

struct inspect_stats {
	uint64_t bytes, segments, retransmits, gaps, flows, flows_live, oom;
	uint64_t busy;        /* flows refused: INSPECT_LIVE_MAX already inspected */
	uint64_t mem;         /* heap held by live flows' decoders and streams, approximately */
};

/* The engine that scans for findings; takes db. budget: outbound payload bytes inspected per
 * flow before it settles. NULL on ENOMEM. */
struct inspect *inspect_new(struct detect_db *db, uint32_t budget);
/* The same over a database the caller keeps (it must outlive in). */
struct inspect *inspect_new_borrowed(const struct detect_db *db, uint32_t budget);
/* Frees in; flows must be freed first. */
void inspect_free(struct inspect *in);

/* Replaces the database (takes db): new flows use it, flows in progress keep the old one
 * until they end. */
void inspect_set_db(struct inspect *in, struct detect_db *db);
const struct detect_db *inspect_db(const struct inspect *in);

/* Per-flow state for flows of proto (IPPROTO_TCP or IPPROTO_UDP) to dport. NULL on ENOMEM or
 * when INSPECT_LIVE_MAX flows are inspected already. */
struct inspect_flow *inspect_flow_new(struct inspect *in, uint8_t proto, uint16_t dport);
void inspect_flow_free(struct inspect *in, struct inspect_flow *f);

/* Inspects one outbound packet of f. Never blocks; bounded work per byte. */
void inspect_packet(struct inspect *in, struct inspect_flow *f, const struct pkt *p,
		    struct inspect_result *r);

/* The destination host learned so far (HTTP Host, SNI, DNS name), or NULL. */
const char *inspect_flow_host(const struct inspect_flow *f);
enum inspect_carrier inspect_flow_carrier(const struct inspect_flow *f);
const char *inspect_carrier_name(enum inspect_carrier c);
/* Label of a finding's known value (NULL when none), from the database f was opened with. */
const char *inspect_flow_label(const struct inspect_flow *f, unsigned label);

void inspect_get_stats(const struct inspect *in, struct inspect_stats *s);

#endif
