/* config: privfwd's settings. The table below is the whole file format; see privfw.conf(5). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
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
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))


void config_defaults(struct config *c)
{
	*c = (struct config){
		.queue = 0,
		.fail_open = false,
		.queue_loopback = false,
		.flows_max = 65536,
		.event_rate = 20,
		.mark_accept = 0x100,
		.mark_deny = 0x200,
		.policy_path = "/var/lib/privfw/policy.conf",
		.default_policy_path = "/etc/privfw/policy.conf",
		.socket_path = "/run/privfw/io.privfw.Firewall",
	};
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
	return 0;
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
