/* apps: the apps privfwd has seen, with their counters. Bounded; entries live until exit. */
#ifndef PRIVFW_APPS_H
#define PRIVFW_APPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "appid.h"
#include "finding.h"

struct app_entry {
	char id[APPID_MAX];
	uint64_t flows_allowed, flows_denied;
	time_t first_seen, last_seen;  /* wall clock */
	int64_t uid;                   /* last socket owner seen, -1 when unknown */
	int net;                       /* cached policy decision; -1 = not evaluated */
	int inspects;                  /* cached policy_inspects; -1 = not evaluated */
	uint64_t findings[CAT_COUNT];  /* personal data found, per category */
	uint64_t data_denied;          /* flows cut because of a finding */
	uint64_t hosts_denied;         /* flows cut because of their destination host */
};

struct apps;

/* A registry of at most max apps. NULL with errno. */
struct apps *apps_new(size_t max);
void apps_free(struct apps *a);

/* Finds id, creating it when new (*created set). NULL when the registry is full. */
struct app_entry *apps_get(struct apps *a, const char *id, time_t now, bool *created);

/* Finds id without creating. */
struct app_entry *apps_find(struct apps *a, const char *id);

size_t apps_count(const struct apps *a);
/* The i-th entry in first-seen order, i < apps_count(). */
struct app_entry *apps_at(struct apps *a, size_t i);

/* Forgets every cached policy decision (after the policy changed). */
void apps_invalidate(struct apps *a);

#endif
