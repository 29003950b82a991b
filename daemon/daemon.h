/* daemon: privfwd's state, shared by main.c (the event loop) and api.c (control methods). */
#ifndef PRIVFW_DAEMON_H
#define PRIVFW_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct apps;
struct conntrack;
struct ctl;
struct ctl_peer;
struct events;
struct flow_table;
struct ident;
struct inspect;
struct policy;
struct queue;
struct varlink_call;

struct daemon_stats {
	uint64_t packets, accepted, denied, dropped, parse_errors, flows;
	uint64_t orphans;  /* packets whose socket was gone before it could be named */
	uint64_t reloads, reload_errors;
	uint64_t findings, data_denied, hosts_denied;
	uint64_t gap_drops;     /* TCP segments past a hole, dropped until the hole is resent */
	uint64_t inspect_busy;  /* packets dropped because no inspection state could be had */
};

struct daemon {
	struct config cfg;
	const char *config_path;
	struct policy *policy;
	struct queue *queue;
	struct conntrack *conntrack;
	struct ctl *ctl;
	struct ident *ident;
	struct flow_table *flows;
	struct apps *apps;
	struct events *events;
	struct inspect *inspect;
	size_t n_known;       /* known values the detectors look for */
	int nfq_proc_fd;      /* /proc/net/netfilter/nfnetlink_queue, opened while root */
	bool debug;
	bool stop;
	time_t started;
	unsigned restarts;    /* starts since boot before this one */
	uint64_t now_ms;      /* monotonic, updated once per loop iteration */
	struct daemon_stats stats;
};

/* Re-reads the policy file. On error the old policy stays and err says file:line. */
int daemon_reload(struct daemon *d, struct policy_error *err);

/* Saves next as the policy file and makes it live; on failure the live policy and the file are
 * untouched and -errno is returned. Takes ownership of next either way. */
int daemon_policy_commit(struct daemon *d, struct policy *next, const char *what);

/* The control method table: answers one varlink call (see ctl_handler). */
char *api_handle(void *ctx, const struct ctl_peer *peer, const struct varlink_call *call, size_t *len);

#endif
