/* policy: per-app network permission, loaded from and saved to libconfig files.
 * Loading and evaluation are pure; saving is atomic (temp file, fsync, rename, fsync dir). */
#ifndef PRIVFW_POLICY_H
#define PRIVFW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "finding.h"

/* network takes allow or deny; a data category any of the three. */
enum policy_action { POLICY_ALLOW, POLICY_DENY, POLICY_LOG };
#define POLICY_UNSET (-1)   /* an app's data category that follows the default */

/* Destination lists. Patterns are lower-case host names; "*.example.com" matches example.com
 * and every name under it. */
struct policy_hosts {
	char **allow, **deny;       /* owned */
	size_t n_allow, n_deny;
};

struct policy_app {
	char *id;                   /* owned */
	enum policy_action network;
	int8_t data[CAT_COUNT];     /* enum policy_action or POLICY_UNSET */
	struct policy_hosts hosts;  /* when both lists are empty the default's apply */
};

struct policy {
	enum policy_action default_network; /* for apps without an entry */
	bool log_new_apps;                  /* event when an app is first seen */
	int8_t default_data[CAT_COUNT];     /* enum policy_action, never unset */
	struct policy_hosts default_hosts;
	struct policy_app *apps;            /* sorted by id (strcmp), unique */
	size_t n_apps, cap_apps;
};

/* Where and why a file was rejected. line is 0 when not tied to a line. */
struct policy_error {
	char file[256];
	int line;
	char msg[256];
};

/* Fills err (which may be NULL) with file, line and a formatted message. */
void policy_error_set(struct policy_error *err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parses a policy file. On success *out owns a new policy and 0 is returned; on failure
 * -EINVAL (validation, err filled with file:line) or -errno (I/O, err filled). Blocks on file I/O. */
int policy_load(struct policy **out, const char *path, struct policy_error *err);

/* Same as policy_load over an in-memory text; name is used in errors. */
int policy_parse(struct policy **out, const char *text, const char *name, struct policy_error *err);

/* A policy with the shipped defaults (allow, log new apps, no entries). NULL on ENOMEM. */
struct policy *policy_new(void);
void policy_free(struct policy *p);

/* Writes the canonical form (what --check -v prints and what policy_save writes). 0 or -errno. */
int policy_print(const struct policy *p, FILE *f);

/* Atomically replaces path with the canonical form of p. On any failure (including fsync) the old
 * file is untouched, the temp file is removed and -errno is returned. Blocks on disk I/O. */
int policy_save(const struct policy *p, const char *path);

/* Removes temporary files a save interrupted by a crash left beside path. Returns how many,
 * or -errno. Blocks on directory I/O. */
int policy_clean_temp(const char *path);

/* Network permission for app; *explicit (may be NULL) says whether an entry exists. */
enum policy_action policy_network(const struct policy *p, const char *app, bool *explicit_entry);

/* What app may do with personal data of category cat: allow, deny or log. */
enum policy_action policy_data(const struct policy *p, const char *app, unsigned cat);

/* Whether app may reach host under its destination lists (POLICY_ALLOW or POLICY_DENY). A deny
 * pattern beats an allow pattern that is no more specific; a non-empty allow list denies what
 * it does not match. host NULL (not known) matches no pattern. */
enum policy_action policy_host(const struct policy *p, const char *app, const char *host);

/* Whether flows of app must be inspected: some category is not "allow", or it has host lists. */
bool policy_inspects(const struct policy *p, const char *app);

/* Sets app's action for category cat (POLICY_UNSET: back to the default); app NULL means the
 * default entry. Adds an entry (network from the default) when app has none.
 * 0, -EINVAL, -ENOMEM. */
int policy_set_data(struct policy *p, const char *app, unsigned cat, int action);

/* Puts pattern on app's allow (deny false) or deny list, taking it off the other one; app
 * NULL means the default entry. 0, -EINVAL for a bad pattern, -ENOMEM. */
int policy_set_host(struct policy *p, const char *app, const char *pattern, bool deny);

/* Removes pattern from app's lists. 0 or -ENOENT. */
int policy_unset_host(struct policy *p, const char *app, const char *pattern);

/* Whether s is a valid host pattern: a host name of [a-z0-9_-] labels, optionally "*." first. */
bool policy_host_pattern_valid(const char *s);

/* Sets (or adds) app's permission. 0, -EINVAL for an invalid app id, -ENOMEM. */
int policy_set_app(struct policy *p, const char *app, enum policy_action a);

/* Removes app's entry so the default applies again. 0 or -ENOENT. */
int policy_reset_app(struct policy *p, const char *app);

/* Deep copy, for trial edits that must not touch the live policy. NULL on ENOMEM. */
struct policy *policy_dup(const struct policy *p);

/* Whether s is a valid app id: 1..255 bytes of [A-Za-z0-9._:@/+-], no control characters. */
bool policy_app_id_valid(const char *s);

const char *policy_action_name(enum policy_action a);
/* Parses "allow" / "deny" / "log". 0 or -EINVAL. */
int policy_action_parse(const char *s, enum policy_action *a);

#endif
