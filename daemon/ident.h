/* ident: who sent this packet? socket -> cgroup -> app ID, with fallbacks, cached by cgroup id. */
#ifndef PRIVFW_IDENT_H
#define PRIVFW_IDENT_H

#include <stdint.h>

#include "appid.h"

struct pkt;
struct ident;

struct ident_result {
	char app[APPID_MAX];  /* "org.gnome.Maps", "system:foo.service", "exe:/usr/bin/curl", "uid:1000" */
	uint64_t cgroup_id;   /* 0 when unknown */
	uint32_t uid;         /* socket owner; (uint32_t)-1 when unknown */
	int cached;           /* 1 when answered from the cgroup cache without touching /proc or /sys */
	int orphan;           /* 1 when the sending socket is gone: no app can be named */
};

struct ident_stats {
	uint64_t lookups, cache_hits, diag_misses, fallbacks_exe, fallbacks_uid;
	uint64_t uncached;                /* lookups that had to map a cgroup id to a path */
	uint64_t ns_cached, ns_uncached;  /* time spent in cache hits and in those lookups */
};

/* Creates the resolver. cgroup_root is the cgroup2 mount (from cgroup_find_mount); NULL disables
 * cgroup mapping (everything falls back to uid). Returns NULL with errno set. */
struct ident *ident_new(const char *cgroup_root);
void ident_free(struct ident *id);

/* Resolves the app behind outbound packet p. uid_hint is NFQA_UID ((uint32_t)-1 when absent),
 * used when sock_diag finds nothing. Always fills out (worst case "uid:N" or "unknown").
 * Returns 0. Blocks on one netlink round trip and, on a cache miss, on /sys and /proc reads. */
int ident_lookup(struct ident *id, const struct pkt *p, uint32_t uid_hint, struct ident_result *out);

/* Counters for status and benchmarks. */
void ident_get_stats(const struct ident *id, struct ident_stats *out);

#endif
