/* config: privfwd's settings (privfw.conf), loaded with file:line errors. Pure apart from file I/O. */
#ifndef PRIVFW_CONFIG_H
#define PRIVFW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "policy.h"

#define CONFIG_DEFAULT_PATH "/etc/privfw/privfw.conf"

#define CONFIG_MACS_MAX 16
#define CONFIG_SAFE_MAX 32
#define CONFIG_APPID_MAX 256
#define CONFIG_QUEUES_MAX 16

/* The device's own identifiers. privfwd learns them at start (identity_discover) and the file
 * may set or add to each; empty strings are unknown. */
struct identity {
	char imei[32], imsi[32], iccid[32], phone[32];
	char email[256], machine_id[64], serial[64], hostname[256];
	char mac[CONFIG_MACS_MAX][24];
	unsigned n_mac;
	bool have_location;
	double lat, lon;
};

/* Values the owner declares secret, from a file only root may read. */
struct secret {
	char *label, *value;
};

struct secrets {
	struct secret *v;
	size_t n;
};

struct config {
	unsigned queue;          /* NFQUEUE number, default 0 */
	unsigned queues;         /* queues queue.. queue+queues-1; 0 (default): per CPU, at most 4 */
	unsigned queue_poll_us;  /* busy-poll a queue this long after a packet, default 50 */
	bool fail_open;          /* fail_mode = "open"; default closed */
	bool queue_loopback;     /* default false */
	unsigned flows_max;      /* flow table bound, default 65536 */
	unsigned event_rate;     /* journal events per second before rate limiting, default 20 */
	unsigned mark_accept;    /* packet/ct mark bit of a settled accepted flow, default 0x100 */
	unsigned mark_deny;      /* ... of a denied flow, default 0x200 */
	char policy_path[256];   /* default /var/lib/privfw/policy.conf */
	char default_policy_path[256]; /* seed when policy_path is missing, default /etc/privfw/policy.conf */
	char socket_path[108];   /* default /run/privfw/io.privfw.Firewall */
	unsigned inspect_budget; /* outbound payload bytes inspected per flow, default 65536 */
	bool identity_discover;  /* learn the device's identifiers at start, default true */
	char secrets_path[256];  /* default /etc/privfw/secrets.conf; a missing file means none */
	struct identity identity;
	/* Apps that keep the network in safe mode (privfwd down for good), by app ID. */
	char safe_mode_allow[CONFIG_SAFE_MAX][CONFIG_APPID_MAX];
	unsigned n_safe_mode_allow;
};

/* Fills c with the defaults. */
void config_defaults(struct config *c);

/* Loads path over the defaults. 0, -EINVAL (err has file:line), or -errno. Blocks on file I/O. */
int config_load(struct config *c, const char *path, struct policy_error *err);

/* Reads the owner's secrets (secrets = ( { label = "..."; value = "..."; } );). The file must be
 * a regular file owned by root (or by owner_uid) that neither group nor others may read or
 * write. 0, -ENOENT, -EPERM (err says why), -EINVAL (err has file:line), -errno. */
int secrets_load(struct secrets *out, const char *path, unsigned owner_uid, struct policy_error *err);
void secrets_free(struct secrets *s);

/* Canonical form, every setting spelled out; identity values are printed masked.
 * 0 or -errno. */
int config_print(const struct config *c, FILE *f);

/* Whether the libconfig file at path looks like a policy (has "default" or "apps") rather than
 * a privfw.conf. -errno when it cannot be read. */
int config_file_is_policy(const char *path);

#endif
