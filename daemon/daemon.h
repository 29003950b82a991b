/* daemon: privfwd's state, shared by main.c (the event loop) and api.c (control methods). */
#ifndef PRIVFW_DAEMON_H
#define PRIVFW_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "inspect.h"
#include "nflog.h"
#include "queue.h"

struct apps;
struct conntrack;
struct ctl;
struct ctl_peer;
struct detect_db;
struct events;
struct flow_table;
struct ident;
struct nflog;
struct policy;
struct varlink_call;

#define DAEMON_QUEUES_AUTO_MAX 4

struct daemon_stats {
	uint64_t packets, accepted, denied, dropped, parse_errors, flows;
	uint64_t orphans;  /* packets whose socket was gone before it could be named */
	uint64_t reloads, reload_errors;
	uint64_t findings, data_denied, hosts_denied;
	uint64_t gap_drops;     /* TCP segments past a hole, dropped until the hole is resent */
	uint64_t inspect_busy;  /* packets dropped because no inspection state could be had */
	uint64_t ends_seen;     /* payload-free FIN/RST copies that ended an inspected flow */
	uint64_t ends_lost;     /* copies lost to a full mailbox (the flow then expires) */
};

#define WORKER_NOTES 256

/* A copy of a packet that went on without privfwd (nflog.h), for the worker whose flow it is. */
struct worker_note {
	uint16_t len;
	uint8_t data[NFLOG_COPY];
};

/* What a worker last published, for status and the watchdog. */
struct worker_snap {
	struct daemon_stats stats;
	struct queue_stats queue;
	struct inspect_stats inspect;
	uint64_t flows;
};

/* One NFQUEUE and the flows the kernel sends to it. The kernel spreads flows over the queues
 * by their address pair, so every packet of a flow reaches the same queue: the thread owns its
 * flows and inspection state outright and takes d->lock only to name a new flow's app or act
 * on what inspection found. */
struct worker {
	struct daemon *d;
	unsigned num;                 /* queue number */
	pthread_t thread;
	bool started;
	int epfd, wakefd;
	struct queue *queue;
	struct flow_table *flows;
	struct inspect *inspect;
	uint64_t now_ms, expired_ms;  /* monotonic */
	uint64_t beat_ms;             /* last loop turn, read by the watchdog (atomic) */
	unsigned epoch;               /* the policy epoch this worker's flows were decided under */
	struct daemon_stats stats;    /* written by this thread only */
	pthread_mutex_t snap_lock;
	struct worker_snap snap;
	/* Filled by the main thread, emptied by this one; wakefd says there is something. */
	pthread_mutex_t notes_lock;
	unsigned notes_head, notes_n;
	uint64_t notes_lost;
	struct worker_note notes[WORKER_NOTES];
};

struct daemon {
	struct config cfg;
	const char *config_path;
	bool config_missing_ok;       /* the default config path, missing: defaults */
	/* The slow path: policy, apps, ident, events, conntrack, ctl. Workers take it per new flow
	 * and per finding; the main thread for control requests and signals. */
	pthread_mutex_t lock;
	struct policy *policy;
	struct conntrack *conntrack;
	struct nflog *nflog;          /* ends of connections under inspection; NULL: none */
	struct ctl *ctl;
	struct ident *ident;
	struct apps *apps;
	struct events *events;
	const struct detect_db *db;   /* shared by the workers' inspection engines */
	struct worker *workers;
	unsigned n_workers;
	unsigned policy_epoch;        /* bumped under lock by every policy change (atomic) */
	bool stop_workers;            /* atomic */
	size_t n_known;       /* known values the detectors look for */
	int nfq_proc_fd;      /* /proc/net/netfilter/nfnetlink_queue, opened while root */
	bool debug;
	bool stop;
	time_t started;
	unsigned restarts;    /* starts since boot before this one */
	uint64_t now_ms;      /* monotonic, the main loop's */
	struct daemon_stats stats;    /* the main thread's: reloads */
};

/* The workers' published figures, summed. */
void daemon_snapshot(struct daemon *d, struct worker_snap *out);

/* Re-reads the policy file. On error the old policy stays and err says file:line. */
int daemon_reload(struct daemon *d, struct policy_error *err);

/* Saves next as the policy file and makes it live; on failure the live policy and the file are
 * untouched and -errno is returned. Takes ownership of next either way. */
int daemon_policy_commit(struct daemon *d, struct policy *next, const char *what);

/* The control method table: answers one varlink call (see ctl_handler). */
char *api_handle(void *ctx, const struct ctl_peer *peer, const struct varlink_call *call, size_t *len);

#endif
