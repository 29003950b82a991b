/* config: privfwd's settings (privfw.conf), loaded with file:line errors. Pure apart from file I/O. */
#ifndef PRIVFW_CONFIG_H
#define PRIVFW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "policy.h"

#define CONFIG_DEFAULT_PATH "/etc/privfw/privfw.conf"

struct config {
	unsigned queue;          /* NFQUEUE number, default 0 */
	bool fail_open;          /* fail_mode = "open"; default closed */
	bool queue_loopback;     /* default false */
	unsigned flows_max;      /* flow table bound, default 65536 */
	unsigned event_rate;     /* journal events per second before rate limiting, default 20 */
	unsigned mark_accept;    /* packet/ct mark bit of a settled accepted flow, default 0x100 */
	unsigned mark_deny;      /* ... of a denied flow, default 0x200 */
	char policy_path[256];   /* default /var/lib/privfw/policy.conf */
	char default_policy_path[256]; /* seed when policy_path is missing, default /etc/privfw/policy.conf */
	char socket_path[108];   /* default /run/privfw/io.privfw.Firewall */
};

/* Fills c with the defaults. */
void config_defaults(struct config *c);

/* Loads path over the defaults. 0, -EINVAL (err has file:line), or -errno. Blocks on file I/O. */
int config_load(struct config *c, const char *path, struct policy_error *err);

/* Canonical form, every setting spelled out. 0 or -errno. */
int config_print(const struct config *c, FILE *f);

/* Whether the libconfig file at path looks like a policy (has "default" or "apps") rather than
 * a privfw.conf. -errno when it cannot be read. */
int config_file_is_policy(const char *path);

#endif
