/* replay: a capture through the same inspection and policy as live traffic. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "capture.h"
#include "detect.h"
#include "flow.h"
#include "inspect.h"
#include "pkt.h"
#include "policy.h"
#include "replay.h"

#define REPLAY_FLOWS 65536
#define PENDING_MAX 16           /* out-of-order segments held per flow */

/* A segment captured before the one that precedes it. */
struct pending {
	uint8_t *data;
	size_t len;
	double ts;
};

struct rflow {
	struct flow_key key;  /* the flow table keeps only a hash of it */
	struct inspect_flow *insp;
	struct pending pend[PENDING_MAX];
	unsigned npend;
	bool denied;
	uint64_t findings;
};

struct replay {
	const struct replay_opts *o;
	const struct policy *pol;
	struct inspect *in;
	struct flow_table *flows;
	uint64_t packets, skipped, unparsed, outbound, nflows, findings, flows_with, denied_flows;
	uint64_t by_type[DT_COUNT];
	uint64_t host_denied, gaps_left;
};

/* IP packet inside a link-layer frame; NULL when it carries none. */
static const uint8_t *link_strip(uint32_t link, const uint8_t *b, size_t *len)
{
	size_t n = *len, off;
	uint16_t proto;

	switch (link) {
	case CAPTURE_LINK_ETHERNET:
		if (n < 14)
			return NULL;
		off = 12;
		proto = (uint16_t)(b[off] << 8 | b[off + 1]);
		/* Up to two VLAN tags (802.1Q, 802.1ad). */
		for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
			off += 4;
			if (n < off + 2)
				return NULL;
			proto = (uint16_t)(b[off] << 8 | b[off + 1]);
		}
		off += 2;
		break;
	case CAPTURE_LINK_LINUX_SLL:
		if (n < 16)
			return NULL;
		proto = (uint16_t)(b[14] << 8 | b[15]);
		off = 16;
		break;
	case CAPTURE_LINK_LINUX_SLL2:
		if (n < 20)
			return NULL;
		proto = (uint16_t)(b[0] << 8 | b[1]);
		off = 20;
		break;
	case CAPTURE_LINK_NULL:
	case CAPTURE_LINK_LOOP:
		if (n < 4)
			return NULL;
		*len = n - 4;
		return b + 4;
	case CAPTURE_LINK_RAW:
	case CAPTURE_LINK_IPV4:
	case CAPTURE_LINK_IPV6:
		return b;
	default:
		return NULL;
	}
	if (proto != 0x0800 && proto != 0x86dd)
		return NULL;
	*len = n - off;
	return b + off;
}

static void addr_str(const struct flow_key *k, const uint8_t *a, char *out, size_t size)
{
	inet_ntop(k->family, a, out, (socklen_t)size);
}

static void report(struct replay *r, struct flow *fl, struct rflow *rf, const struct finding *fd, double ts)
{
	const struct replay_opts *o = r->o;
	const char *host = inspect_flow_host(rf->insp);
	const char *label = fd->label == FINDING_NO_LABEL ? NULL : inspect_flow_label(rf->insp, fd->label);
	const char *carrier = inspect_carrier_name(inspect_flow_carrier(rf->insp));
	const char *proto = rf->key.proto == IPPROTO_TCP ? "tcp" : "udp";
	enum data_cat cat = data_type_cat(fd->type);
	enum policy_action a = policy_data(r->pol, o->app, cat);
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	addr_str(&rf->key, rf->key.src, src, sizeof(src));
	addr_str(&rf->key, rf->key.dst, dst, sizeof(dst));
	r->findings++;
	if (fd->type < DT_COUNT)
		r->by_type[fd->type]++;
	if (!rf->findings++)
		r->flows_with++;
	if (a == POLICY_DENY && !rf->denied) {
		rf->denied = true;
		r->denied_flows++;
	}
	if (o->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:I, s:f}",
				      "type", data_type_name(fd->type), "category", data_cat_name(cat),
				      "encoding", data_enc_name(fd->enc), "mask", fd->mask,
				      "proto", proto, "carrier", carrier, "src", src, "sport", rf->key.sport,
				      "dst", dst, "dport", rf->key.dport, "action", policy_action_name(a),
				      "app", o->app, "offset", (json_int_t)fd->offset, "time", ts);
		char *s;

		if (!j)
			return;
		if (host)
			json_object_set_new(j, "host", json_string(host));
		if (label)
			json_object_set_new(j, "label", json_string(label));
		if ((s = json_dumps(j, JSON_COMPACT))) {
			fprintf(o->out, "%s\n", s);
			free(s);
		}
		json_decref(j);
		return;
	}
	fprintf(o->out, "%.6f %s %s%s%s:%u -> %s%s%s:%u%s%s %s/%s %s %s%s%s%s %s\n", ts, proto,
		rf->key.family == AF_INET6 ? "[" : "", src, rf->key.family == AF_INET6 ? "]" : "",
		rf->key.sport, rf->key.family == AF_INET6 ? "[" : "", dst,
		rf->key.family == AF_INET6 ? "]" : "", rf->key.dport, host ? " host=" : "", host ? host : "",
		data_type_name(fd->type), data_cat_name(cat), data_enc_name(fd->enc), fd->mask,
		label ? " (" : "", label ? label : "", label ? ")" : "", policy_action_name(a));
}

/* Returns false when the segment lies beyond a hole. */
static bool inspect_one(struct replay *r, struct flow *fl, struct rflow *rf, const struct pkt *p, double ts)
{
	struct inspect_result res;

	inspect_packet(r->in, rf->insp, p, &res);
	if (res.status == INSPECT_GAP)
		return false;
	if (res.host_changed && policy_host(r->pol, r->o->app, inspect_flow_host(rf->insp)) == POLICY_DENY)
		r->host_denied++;
	for (size_t i = 0; i < res.n; i++)
		report(r, fl, rf, &res.findings[i], ts);
	return true;
}

static void hold(struct rflow *rf, const uint8_t *b, size_t len, double ts)
{
	uint8_t *copy;

	if (rf->npend == PENDING_MAX || !(copy = malloc(len)))
		return;
	memcpy(copy, b, len);
	rf->pend[rf->npend++] = (struct pending){ copy, len, ts };
}

/* Segments held back may fit now that the hole before them is filled. */
static void drain(struct replay *r, struct flow *fl, struct rflow *rf)
{
	bool progress = true;

	while (progress && rf->npend) {
		progress = false;
		for (unsigned i = 0; i < rf->npend; i++) {
			struct pkt p;

			if (pkt_parse(&p, rf->pend[i].data, rf->pend[i].len) < 0 ||
			    inspect_one(r, fl, rf, &p, rf->pend[i].ts)) {
				free(rf->pend[i].data);
				rf->pend[i] = rf->pend[--rf->npend];
				progress = true;
				break;
			}
		}
	}
}

static void release(struct flow *f, void *arg)
{
	struct replay *r = arg;
	struct rflow *rf = f->ext;

	r->gaps_left += rf->npend;
	for (unsigned i = 0; i < rf->npend; i++)
		free(rf->pend[i].data);
	inspect_flow_free(r->in, rf->insp);
	free(rf);
}

static bool is_server_port(uint16_t port)
{
	return port < 1024 || port == 8080 || port == 8443 || port == 5353;
}

static void on_frame(struct replay *r, const uint8_t *ip, size_t len, double ts)
{
	struct flow_key k, rk;
	struct flow *fl;
	struct rflow *rf;
	struct pkt p;
	bool created;

	if (pkt_parse(&p, ip, len) < 0) {
		r->unparsed++;
		return;
	}
	if ((p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP) || (p.fragment && !p.sport)) {
		r->skipped++;
		return;
	}
	flow_key_from_pkt(&k, &p);
	if (!flow_find(r->flows, &k)) {
		rk = k;
		memcpy(rk.src, k.dst, sizeof(rk.src));
		memcpy(rk.dst, k.src, sizeof(rk.dst));
		rk.sport = k.dport;
		rk.dport = k.sport;
		/* Only what the client sends is inspected: find out which side that is. */
		if (flow_find(r->flows, &rk))
			return;
		if (p.proto == IPPROTO_TCP && (p.tcp_flags & PKT_TCP_SYN)) {
			if (p.tcp_flags & PKT_TCP_ACK)
				return;
		} else if (is_server_port(p.sport) && !is_server_port(p.dport)) {
			return;
		}
	}
	fl = flow_get(r->flows, &k, 0, &created);
	if (created) {
		r->nflows++;
		if (!(rf = calloc(1, sizeof(*rf))) ||
		    !(rf->insp = inspect_flow_new(r->in, p.proto, p.dport))) {
			free(rf);
			r->skipped++;
			return;
		}
		rf->key = k;
		fl->ext = rf;
	}
	rf = fl->ext;
	if (!rf)
		return;
	r->outbound++;
	if (!inspect_one(r, fl, rf, &p, ts))
		hold(rf, ip, len, ts);
	else
		drain(r, fl, rf);
}

static void summary(struct replay *r)
{
	FILE *f = r->o->json ? r->o->err : r->o->out;
	struct inspect_stats st;

	inspect_get_stats(r->in, &st);
	fprintf(f, "replay: %" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64 " bytes inspected; "
		   "%" PRIu64 " findings in %" PRIu64 " flows, %" PRIu64 " flows the policy denies",
		r->packets, r->nflows, st.bytes, r->findings, r->flows_with, r->denied_flows);
	if (r->host_denied)
		fprintf(f, ", %" PRIu64 " denied hosts", r->host_denied);
	if (r->unparsed || r->skipped)
		fprintf(f, "; %" PRIu64 " packets not parsed, %" PRIu64 " not TCP/UDP", r->unparsed, r->skipped);
	if (st.gaps)
		fprintf(f, "; %" PRIu64 " segments after holes", st.gaps);
	fputc('\n', f);
	for (unsigned t = 0; t < DT_COUNT; t++)
		if (r->by_type[t])
			fprintf(f, "  %-12s %" PRIu64 "\n", data_type_name(t), r->by_type[t]);
}

static bool link_known(uint32_t link)
{
	return link == CAPTURE_LINK_ETHERNET || link == CAPTURE_LINK_LINUX_SLL || link == CAPTURE_LINK_LINUX_SLL2 ||
	       link == CAPTURE_LINK_RAW || link == CAPTURE_LINK_IPV4 || link == CAPTURE_LINK_IPV6 ||
	       link == CAPTURE_LINK_NULL || link == CAPTURE_LINK_LOOP;
}

int replay_run(const struct replay_opts *o, const struct policy *pol, struct detect_db *db)
{
	struct replay r = { .o = o, .pol = pol };
	struct capture *cap = NULL;
	struct capture_pkt pk;
	FILE *f = o->in;
	char err[256];
	int rc, ret = 0;

	r.in = o->keep_db ? inspect_new_borrowed(db, o->budget) : inspect_new(db, o->budget);
	r.flows = flow_table_new(o->flows_max ? o->flows_max : REPLAY_FLOWS, 0x5eed);
	if (!r.in || !r.flows) {
		fprintf(o->err, "privfwd: out of memory\n");
		ret = -ENOMEM;
		goto out;
	}
	flow_table_set_release(r.flows, release, &r);
	if (!f && !(f = strcmp(o->path, "-") ? fopen(o->path, "rb") : stdin)) {
		fprintf(o->err, "privfwd: %s: %s\n", o->path, strerror(errno));
		ret = -EINVAL;
		goto out;
	}
	if (capture_new(&cap, f, err, sizeof(err)) < 0) {
		fprintf(o->err, "privfwd: %s: %s\n", o->path, err);
		ret = -EINVAL;
		goto out;
	}
	/* pcapng may describe more interfaces; packets on those of other types are skipped. */
	if (!link_known(capture_link(cap))) {
		fprintf(o->err, "privfwd: %s: link type %" PRIu32 " is not supported (Ethernet, raw IP, Linux SLL "
			"and SLL2, BSD loopback are)\n", o->path, capture_link(cap));
		ret = -EINVAL;
		goto out;
	}
	while ((rc = capture_next(cap, &pk, err, sizeof(err))) == 1) {
		size_t len = pk.caplen;
		const uint8_t *ip = link_strip(pk.link, pk.data, &len);

		r.packets++;
		if (!ip) {
			r.skipped++;
			continue;
		}
		on_frame(&r, ip, len, (double)pk.sec + (double)pk.usec / 1e6);
	}
	if (rc < 0) {
		/* A truncated capture still gets its summary; what was read was inspected. */
		fprintf(o->err, "privfwd: %s: %s\n", o->path, err);
	}
	flow_table_free(r.flows);
	r.flows = NULL;
	summary(&r);
	fflush(o->out);
out:
	capture_free(cap);
	/* Like libpcap, which closed what it read but stdin. */
	if (f && f != stdin)
		fclose(f);
	flow_table_free(r.flows);
	inspect_free(r.in);
	return ret;
}
