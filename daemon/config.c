/* config: privfwd's settings. The table below is the whole file format; see privfw.conf(5). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
#include "finding.h"
#include "textfile.h"

#define CONFIG_MAX_BYTES (1 << 20)

enum kind { K_UINT, K_BOOL, K_FAIL_MODE, K_MARK, K_PATH };

struct setting {
	const char *name;
	enum kind kind;
	size_t off;                 /* into struct config */
	size_t size;                /* K_PATH: buffer size */
	unsigned min, max;          /* K_UINT */
	const char *comment;        /* printed above the setting */
};

#define FIELD(f) offsetof(struct config, f)

static const struct setting settings[] = {
	{ "queue", K_UINT, FIELD(queue), 0, 0, 65535,
	  "NFQUEUE number the firewall rules send undecided packets to (0..65535)." },
	{ "queues", K_UINT, FIELD(queues), 0, 0, CONFIG_QUEUES_MAX,
	  "Queues from that number on, one thread each; 0: one per CPU, at most 4 (0..16)." },
	{ "queue_poll_us", K_UINT, FIELD(queue_poll_us), 0, 0, 1000,
	  "Microseconds a queue's thread keeps looking for packets after one before it sleeps (0..1000)." },
	{ "fail_mode", K_FAIL_MODE, FIELD(fail_open), 0, 0, 0,
	  "Queued packets while privfwd is not running: \"closed\" drops, \"open\" accepts." },
	{ "queue_loopback", K_BOOL, FIELD(queue_loopback), 0, 0, 0,
	  "Whether traffic to loopback addresses is inspected as well." },
	{ "flows_max", K_UINT, FIELD(flows_max), 0, 1024, 4194304,
	  "Most flows tracked at once (1024..4194304)." },
	{ "event_rate", K_UINT, FIELD(event_rate), 0, 1, 10000,
	  "Journal events per second before rate limiting (1..10000)." },
	{ "mark_accept", K_MARK, FIELD(mark_accept), 0, 0, 0,
	  "Packet and conntrack mark bit of a settled, accepted flow (one bit)." },
	{ "mark_deny", K_MARK, FIELD(mark_deny), 0, 0, 0,
	  "Packet and conntrack mark bit of a settled, denied flow (one bit)." },
	{ "policy", K_PATH, FIELD(policy_path), sizeof(((struct config *)0)->policy_path), 0, 0,
	  "Policy file privfwd reads and rewrites (absolute path)." },
	{ "default_policy", K_PATH, FIELD(default_policy_path),
	  sizeof(((struct config *)0)->default_policy_path), 0, 0,
	  "Copied to policy when that file does not exist (absolute path)." },
	{ "socket", K_PATH, FIELD(socket_path), sizeof(((struct config *)0)->socket_path), 0, 0,
	  "Varlink control socket (absolute path, under 108 bytes)." },
	{ "inspect_budget", K_UINT, FIELD(inspect_budget), 0, 1024, 16777216,
	  "Outbound payload bytes inspected per flow before it settles (1024..16777216)." },
	{ "identity_discover", K_BOOL, FIELD(identity_discover), 0, 0, 0,
	  "Learn the device's identifiers at start (machine-id, MACs, hostname, modem)." },
	{ "secrets_file", K_PATH, FIELD(secrets_path), sizeof(((struct config *)0)->secrets_path), 0, 0,
	  "Values the owner declares secret; root-only file, missing means none (absolute path)." },
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))


void config_defaults(struct config *c)
{
	*c = (struct config){
		.queue = 0,
		.queues = 0,
		.queue_poll_us = 50,
		.fail_open = false,
		.queue_loopback = false,
		.flows_max = 65536,
		.event_rate = 20,
		.mark_accept = 0x100,
		.mark_deny = 0x200,
		.policy_path = "/var/lib/privfw/policy.conf",
		.default_policy_path = "/etc/privfw/policy.conf",
		.socket_path = "/run/privfw/io.privfw.Firewall",
		.inspect_budget = 65536,
		.identity_discover = true,
		.secrets_path = "/etc/privfw/secrets.conf",
	};
}

static bool all_of(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, set) == n;
}

#define DIGITS "0123456789"
#define HEX "0123456789abcdefABCDEF"

static bool mac_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 12)
		return all_of(s, HEX, 12, 12);
	if (n != 17)
		return false;
	for (size_t i = 0; i < n; i++)
		if (i % 3 == 2 ? (s[i] != ':' && s[i] != '-') : !strchr(HEX, s[i]))
			return false;
	return true;
}

/* safe_mode_allow = [ "org.gnome.Calls", "system:ModemManager.service" ]; */
static int parse_safe_mode(struct config *c, const config_setting_t *s, const char *name,
			   struct policy_error *err)
{
	int line = (int)config_setting_source_line(s), n = config_setting_length(s);

	if ((config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) ||
	    n > CONFIG_SAFE_MAX) {
		policy_error_set(err, name, line, "safe_mode_allow must be a list of at most %d app ids",
				 CONFIG_SAFE_MAX);
		return -EINVAL;
	}
	c->n_safe_mode_allow = 0;
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(s, i);

		if (!v || !policy_app_id_valid(v) || strlen(v) >= CONFIG_APPID_MAX) {
			policy_error_set(err, name, line, "safe_mode_allow: invalid app id");
			return -EINVAL;
		}
		memcpy(c->safe_mode_allow[c->n_safe_mode_allow++], v, strlen(v) + 1);
	}
	return 0;
}

static int number(const config_setting_t *s, double *v)
{
	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		*v = config_setting_get_float(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
		*v = config_setting_get_int(s);
	else
		return -EINVAL;
	return 0;
}

/* Shape checks only; the detectors judge the values themselves when they compile. */
static int parse_identity(struct identity *id, const config_setting_t *g, const char *name,
			  struct policy_error *err)
{
	static const struct {
		const char *key;
		size_t off, size;
		const char *set;
		size_t min, max;
		const char *what;
	} strs[] = {
#define ID(k, set, min, max, what) { #k, offsetof(struct identity, k), sizeof(((struct identity *)0)->k), set, min, max, what }
		ID(imei, DIGITS, 15, 15, "15 digits"),
		ID(imsi, DIGITS, 14, 15, "14 or 15 digits"),
		ID(iccid, DIGITS, 18, 22, "18 to 22 digits"),
		ID(phone, "+" DIGITS " -().", 8, 24, "a number such as +41791234567"),
		ID(email, NULL, 3, 254, "an address"),
		ID(machine_id, HEX "-", 32, 36, "32 hex digits"),
		ID(serial, NULL, 4, 63, "4 to 63 characters"),
		ID(hostname, NULL, 1, 253, "1 to 253 characters"),
#undef ID
	};
	int n = config_setting_length(g);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		policy_error_set(err, name, (int)config_setting_source_line(g), "identity must be a group");
		return -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(s), *v;
		int line = (int)config_setting_source_line(s);
		size_t j;

		if (!strcmp(key, "mac")) {
			int m = config_setting_length(s);

			if ((config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) ||
			    m > CONFIG_MACS_MAX) {
				policy_error_set(err, name, line, "identity.mac must be a list of at most %d addresses",
						 CONFIG_MACS_MAX);
				return -EINVAL;
			}
			id->n_mac = 0;
			for (int k = 0; k < m; k++) {
				v = config_setting_get_string_elem(s, k);
				if (!v || !mac_valid(v)) {
					policy_error_set(err, name, line, "identity.mac: not a MAC address such as 02:00:5e:10:00:01");
					return -EINVAL;
				}
				snprintf(id->mac[id->n_mac++], sizeof(id->mac[0]), "%s", v);
			}
			continue;
		}
		if (!strcmp(key, "location")) {
			const config_setting_t *a = config_setting_get_elem(s, 0), *b = config_setting_get_elem(s, 1);
			double lat, lon;

			if (config_setting_length(s) != 2 || !a || !b || number(a, &lat) < 0 ||
			    number(b, &lon) < 0 || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
				policy_error_set(err, name, line, "identity.location must be [ latitude, longitude ] in degrees");
				return -EINVAL;
			}
			id->have_location = true;
			id->lat = lat;
			id->lon = lon;
			continue;
		}
		for (j = 0; j < sizeof(strs) / sizeof(strs[0]) && strcmp(strs[j].key, key); j++)
			;
		if (j == sizeof(strs) / sizeof(strs[0])) {
			policy_error_set(err, name, line, "unknown setting \"%s\" in identity", key);
			return -EINVAL;
		}
		v = config_setting_get_string(s);
		if (!v || strlen(v) < strs[j].min || strlen(v) > strs[j].max || strlen(v) >= strs[j].size ||
		    (strs[j].set && strspn(v, strs[j].set) != strlen(v)) ||
		    (!strcmp(key, "email") && !strchr(v, '@'))) {
			policy_error_set(err, name, line, "identity.%s must be %s", key, strs[j].what);
			return -EINVAL;
		}
		for (const char *p = v; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				policy_error_set(err, name, line, "identity.%s must not contain control characters", key);
				return -EINVAL;
			}
		}
		memcpy((char *)id + strs[j].off, v, strlen(v) + 1);
	}
	return 0;
}

static bool is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* TODO: libconfig 1.5 silently truncates decimal literals past 32 bits; only ranges that
 * survive the truncation are checked. */
static int apply(struct config *c, const struct setting *d, const config_setting_t *s,
		 const char *name, struct policy_error *err)
{
	int line = (int)config_setting_source_line(s);
	char *field = (char *)c + d->off;
	long long v;
	const char *str;

	switch (d->kind) {
	case K_UINT:
		v = is_int(s) ? config_setting_get_int64(s) : -1;
		if (!is_int(s) || v < d->min || v > d->max) {
			policy_error_set(err, name, line, "%s must be an integer in %u..%u", d->name,
				  d->min, d->max);
			return -EINVAL;
		}
		*(unsigned *)field = (unsigned)v;
		break;
	case K_MARK:
		/* Hex literals from 0x80000000 up arrive as negative 32-bit ints. */
		if (config_setting_type(s) == CONFIG_TYPE_INT)
			v = (uint32_t)config_setting_get_int(s);
		else
			v = is_int(s) ? config_setting_get_int64(s) : 0;
		if (v <= 0 || v > UINT32_MAX || (v & (v - 1))) {
			policy_error_set(err, name, line, "%s must be a single bit, such as 0x100",
				  d->name);
			return -EINVAL;
		}
		*(unsigned *)field = (unsigned)v;
		break;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			policy_error_set(err, name, line, "%s must be true or false", d->name);
			return -EINVAL;
		}
		*(bool *)field = config_setting_get_bool(s);
		break;
	case K_FAIL_MODE:
		str = config_setting_get_string(s);
		if (!str || (strcmp(str, "closed") && strcmp(str, "open"))) {
			policy_error_set(err, name, line, "%s must be \"closed\" or \"open\"", d->name);
			return -EINVAL;
		}
		*(bool *)field = !strcmp(str, "open");
		break;
	case K_PATH:
		str = config_setting_get_string(s);
		if (!str || str[0] != '/') {
			policy_error_set(err, name, line, "%s must be an absolute path", d->name);
			return -EINVAL;
		}
		if (strlen(str) >= d->size) {
			policy_error_set(err, name, line, "%s must be shorter than %zu bytes", d->name,
				  d->size);
			return -EINVAL;
		}
		for (const char *p = str; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				policy_error_set(err, name, line, "%s must not contain control characters",
					  d->name);
				return -EINVAL;
			}
		}
		memcpy(field, str, strlen(str) + 1);
		break;
	}
	return 0;
}

static int parse_root(struct config *c, const config_setting_t *root, const char *name,
		      struct policy_error *err)
{
	int lines[N_SETTINGS] = { 0 };
	const config_setting_t *s;
	const char *key;
	int i, n, r, line;
	size_t j;

	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		key = config_setting_name(s);
		if (!strcmp(key, "identity")) {
			if ((r = parse_identity(&c->identity, s, name, err)) < 0)
				return r;
			continue;
		}
		if (!strcmp(key, "safe_mode_allow")) {
			if ((r = parse_safe_mode(c, s, name, err)) < 0)
				return r;
			continue;
		}
		for (j = 0; j < N_SETTINGS && strcmp(settings[j].name, key); j++)
			;
		if (j == N_SETTINGS) {
			policy_error_set(err, name, (int)config_setting_source_line(s),
				  "unknown setting \"%s\"", key);
			return -EINVAL;
		}
		if ((r = apply(c, &settings[j], s, name, err)) < 0)
			return r;
		lines[j] = (int)config_setting_source_line(s);
	}
	/* A clash can involve a default, so point at whichever mark the file sets last. */
	if (c->mark_accept == c->mark_deny) {
		for (line = 0, j = 0; j < N_SETTINGS; j++)
			if (settings[j].kind == K_MARK && lines[j] > line)
				line = lines[j];
		policy_error_set(err, name, line, "mark_accept and mark_deny must differ");
		return -EINVAL;
	}
	/* Auto (0) may take up to 4; privfwd uses fewer rather than pass 65535. */
	if (c->queue + (c->queues ? c->queues : 1) - 1 > 65535) {
		for (line = 0, j = 0; j < N_SETTINGS; j++)
			if ((!strcmp(settings[j].name, "queue") || !strcmp(settings[j].name, "queues")) &&
			    lines[j] > line)
				line = lines[j];
		policy_error_set(err, name, line, "queue + queues - 1 must be at most 65535");
		return -EINVAL;
	}
	return 0;
}

int config_load(struct config *c, const char *path, struct policy_error *err)
{
	struct config next;
	char *text = NULL;
	config_t cfg;
	int r, line;

	config_init(&cfg);
	config_defaults(&next);
	if ((r = textfile_read(path, CONFIG_MAX_BYTES, &text)) < 0) {
		policy_error_set(err, path, 0, "%s",
			  r == -EINVAL ? "file contains a NUL byte" : strerror(-r));
		goto out;
	}
	if ((line = textfile_include_line(text))) {
		policy_error_set(err, path, line, "include directives are not allowed");
		r = -EINVAL;
		goto out;
	}
	if (!config_read_string(&cfg, text)) {
		policy_error_set(err, path, config_error_line(&cfg), "%s", config_error_text(&cfg));
		r = -EINVAL;
		goto out;
	}
	if ((r = parse_root(&next, config_root_setting(&cfg), path, err)) < 0)
		goto out;
	*c = next;
out:
	config_destroy(&cfg);
	free(text);
	return r;
}

/* A libconfig string literal. */
static int print_string(FILE *f, const char *s)
{
	if (fputc('"', f) == EOF)
		return -errno;
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			if (fprintf(f, "\\%c", *s) < 0)
				return -errno;
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			if (fprintf(f, "\\x%02x", (unsigned char)*s) < 0)
				return -errno;
		} else if (fputc(*s, f) == EOF) {
			return -errno;
		}
	}
	if (fputc('"', f) == EOF)
		return -errno;
	return 0;
}

/* Masked: the canonical form is for reading, and personal data does not go to terminals. */
static int print_identity(const struct identity *id, FILE *f)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{ "imei", offsetof(struct identity, imei) }, { "imsi", offsetof(struct identity, imsi) },
		{ "iccid", offsetof(struct identity, iccid) }, { "phone", offsetof(struct identity, phone) },
		{ "email", offsetof(struct identity, email) },
		{ "machine_id", offsetof(struct identity, machine_id) },
		{ "serial", offsetof(struct identity, serial) },
		{ "hostname", offsetof(struct identity, hostname) },
	};
	char m[FINDING_MASK_MAX];
	bool any = id->n_mac || id->have_location;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		any |= ((const char *)id + strs[i].off)[0] != '\0';
	if (!any)
		return 0;
	if (fputs("\n# The device's identifiers set here (values masked).\nidentity = {\n", f) == EOF)
		return -errno;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *v = (const char *)id + strs[i].off;

		if (!*v)
			continue;
		finding_mask(m, v, strlen(v), DT_IMEI);
		if (fprintf(f, "  %s = \"%s\";\n", strs[i].key, m) < 0)
			return -errno;
	}
	if (id->n_mac && fputs("  mac = [ ", f) == EOF)
		return -errno;
	for (unsigned i = 0; i < id->n_mac; i++) {
		finding_mask(m, id->mac[i], strlen(id->mac[i]), DT_MAC);
		if (fprintf(f, "\"%s\"%s", m, i + 1 < id->n_mac ? ", " : " ];\n") < 0)
			return -errno;
	}
	if (id->have_location && fputs("  location = [ \"•\", \"•\" ];\n", f) == EOF)
		return -errno;
	return fputs("};\n", f) == EOF ? -errno : 0;
}

void secrets_free(struct secrets *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].label);
		if (s->v[i].value)
			explicit_bzero(s->v[i].value, strlen(s->v[i].value));
		free(s->v[i].value);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int secrets_load(struct secrets *out, const char *path, unsigned owner_uid, struct policy_error *err)
{
	const config_setting_t *list;
	struct secrets next = { 0 };
	char *text = NULL;
	struct stat st;
	config_t cfg;
	int r, fd, n;

	config_init(&cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		policy_error_set(err, path, 0, "%s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != owner_uid) || (st.st_mode & 066)) {
		policy_error_set(err, path, 0, "refusing a secrets file that others can read or write "
				 "(it must be a regular file owned by root, mode 0600 or 0400)");
		r = -EPERM;
		goto out;
	}
	if ((r = textfile_read(path, CONFIG_MAX_BYTES, &text)) < 0) {
		policy_error_set(err, path, 0, "%s", r == -EINVAL ? "file contains a NUL byte" : strerror(-r));
		goto out;
	}
	r = -EINVAL;
	if (!config_read_string(&cfg, text)) {
		policy_error_set(err, path, config_error_line(&cfg), "%s", config_error_text(&cfg));
		goto out;
	}
	list = config_lookup(&cfg, "secrets");
	if (!list || config_setting_type(list) != CONFIG_TYPE_LIST) {
		policy_error_set(err, path, list ? (int)config_setting_source_line(list) : 0,
				 "secrets must be a list: secrets = ( { label = \"...\"; value = \"...\"; } );");
		goto out;
	}
	n = config_setting_length(list);
	if (n > 256 || !(next.v = calloc((size_t)n + 1, sizeof(*next.v)))) {
		policy_error_set(err, path, 0, n > 256 ? "at most 256 secrets" : "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const char *label = NULL, *value = NULL;
		int line = (int)config_setting_source_line(e);

		if (config_setting_type(e) != CONFIG_TYPE_GROUP ||
		    !config_setting_lookup_string(e, "label", &label) ||
		    !config_setting_lookup_string(e, "value", &value) || config_setting_length(e) != 2) {
			policy_error_set(err, path, line, "each secret is { label = \"...\"; value = \"...\"; }");
			goto out;
		}
		if (!*label || strlen(label) > 64 || strlen(value) < 4 || strlen(value) > 256) {
			policy_error_set(err, path, line, "a label is 1 to 64 characters, a value 4 to 256");
			goto out;
		}
		if (!(next.v[i].label = strdup(label)) || !(next.v[i].value = strdup(value))) {
			next.n = (size_t)i + 1;
			policy_error_set(err, path, 0, "out of memory");
			r = -ENOMEM;
			goto out;
		}
		next.n = (size_t)i + 1;
	}
	*out = next;
	next = (struct secrets){ 0 };
	r = 0;
out:
	secrets_free(&next);
	if (fd >= 0)
		close(fd);
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	config_destroy(&cfg);
	return r;
}

int config_print(const struct config *c, FILE *f)
{
	const struct setting *d;
	const char *field;
	int r = 0;

	if (fprintf(f, "# privfwd settings; see privfw.conf(5).\n") < 0)
		return -errno;
	for (d = settings; d < settings + N_SETTINGS; d++) {
		field = (const char *)c + d->off;
		if (fprintf(f, "\n# %s\n%s = ", d->comment, d->name) < 0)
			return -errno;
		switch (d->kind) {
		case K_UINT:
			r = fprintf(f, "%u", *(const unsigned *)field) < 0 ? -errno : 0;
			break;
		case K_MARK:
			r = fprintf(f, "0x%x", *(const unsigned *)field) < 0 ? -errno : 0;
			break;
		case K_BOOL:
			r = fputs(*(const bool *)field ? "true" : "false", f) == EOF ? -errno : 0;
			break;
		case K_FAIL_MODE:
			r = fputs(*(const bool *)field ? "\"open\"" : "\"closed\"", f);
			r = r == EOF ? -errno : 0;
			break;
		case K_PATH:
			r = print_string(f, field);
			break;
		}
		if (r < 0)
			return r;
		if (fputs(";\n", f) == EOF)
			return -errno;
	}
	if (fputs("\n# Apps that keep the network in safe mode, when privfwd cannot be restarted.\n"
		  "safe_mode_allow = [", f) == EOF)
		return -errno;
	for (unsigned i = 0; i < c->n_safe_mode_allow; i++)
		if (fprintf(f, "%s\"%s\"", i ? ", " : " ", c->safe_mode_allow[i]) < 0)
			return -errno;
	if (fputs(" ];\n", f) == EOF)
		return -errno;
	return print_identity(&c->identity, f);
}

static bool is_name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '*';
}

/* Whether a line starts with one of the policy's top-level names. */
static bool looks_like_policy(const char *text)
{
	static const char *const names[] = { "apps", "default", "version" };
	const char *p = text;
	size_t i, n;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		p += strspn(p, " \t");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			n = strlen(names[i]);
			/* "default_policy" is a privfw.conf setting. */
			if (!strncmp(p, names[i], n) && !is_name_char(p[n]))
				return true;
		}
	}
	return false;
}

int config_file_is_policy(const char *path)
{
	const config_setting_t *root;
	char *text = NULL;
	config_t cfg;
	int r;

	config_init(&cfg);
	if ((r = textfile_read(path, CONFIG_MAX_BYTES, &text)) < 0) {
		/* A NUL byte is for the loader to report. */
		if (r == -EINVAL)
			r = 0;
		goto out;
	}
	if (textfile_include_line(text) || !config_read_string(&cfg, text)) {
		r = looks_like_policy(text);
		goto out;
	}
	root = config_root_setting(&cfg);
	r = config_setting_get_member(root, "apps") || config_setting_get_member(root, "default") ||
	    config_setting_get_member(root, "version");
out:
	config_destroy(&cfg);
	free(text);
	return r;
}
