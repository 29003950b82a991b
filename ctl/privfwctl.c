/* privfwctl: command-line client for privfwd's control socket (io.privfw.Firewall).
 * One call per run: connect, send, read one reply, print it. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "varlink.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,
	EXIT_PERM = 4,
	EXIT_NO_APP = 5,
};

#define REPLY_MAX (16 * 1024 * 1024)  /* event and app lists outgrow VARLINK_MSG_MAX */
#define TIMEOUT_S 10
#define LOG_DEFAULT 20
#define LOG_MAX 1000000

struct opts {
	bool json;
	const char *socket;
};

static const char usage_text[] =
	"usage: privfwctl [--json] [--socket PATH] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  status              show the daemon's state and counters\n"
	"  apps                list apps seen and apps with a rule\n"
	"  allow APP           let APP reach the network\n"
	"  deny APP            block APP from the network\n"
	"  allow|deny APP --data CATEGORY\n"
	"                      let APP send, or block, personal data of CATEGORY:\n"
	"                      device_id contact location financial credential secret\n"
	"  allow|deny APP --host PATTERN\n"
	"                      put a host (\"*.example.com\" for a domain) on APP's\n"
	"                      allow or deny list\n"
	"  data APP|--default CATEGORY allow|deny|log|default\n"
	"                      set what happens when APP sends data of CATEGORY\n"
	"  host APP|--default PATTERN allow|deny|remove\n"
	"                      edit APP's destination lists\n"
	"  reset APP           drop APP's rule; the default applies again\n"
	"  default allow|deny  set the rule for apps without their own\n"
	"  log [-n N]          show the last N events (default 20)\n"
	"  reload              reread the policy file\n"
	"  help                show this text\n"
	"\n"
	"options:\n"
	"  --json              print the reply as JSON\n"
	"  --socket PATH       control socket (default $PRIVFW_SOCKET or\n"
	"                      " PRIVFW_SOCKET_DEFAULT ")\n"
	"\n"
	"exit status: 0 ok, 1 failure, 2 usage error, 3 privfwd not running,\n"
	"4 permission denied, 5 no such app\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("privfwctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* The daemon checks ids more strictly; this only catches typos before connecting. */
static bool app_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 255)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* Prints s with control characters (C0, DEL, and C1 as UTF-8) replaced: names and messages come
 * from other apps and must not drive the terminal. Returns the number of bytes printed. */
static int put_safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s && *s ? s : "-");
	int n = 0;

	for (; *u; u++, n++) {
		if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
			putchar('?');
			u++;
		} else {
			putchar(*u < 0x20 || *u == 0x7f ? '?' : *u);
		}
	}
	return n;
}

static void put_padded(const char *s, int width)
{
	for (int n = put_safe(s); n < width; n++)
		putchar(' ');
}

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Local time as "YYYY-MM-DD HH:MM:SS", or "-" for 0 (never). */
static const char *when(json_int_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		return "-";
	return buf;
}

/* Connects to path with send and receive timeouts. The fd or a negative errno. */
static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_SNDTIMEO also bounds connect() when the daemon's backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Says why connecting failed; returns the exit status. */
static int connect_failed(const char *path, int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
		fprintf(stderr, "privfwctl: privfwd is not running (no socket at %s)\n", path);
		return EXIT_NOT_RUNNING;
	case EACCES:
	case EPERM:
		fprintf(stderr, "privfwctl: permission denied: cannot connect to %s\n", path);
		return EXIT_PERM;
	case ENAMETOOLONG:
		fprintf(stderr, "privfwctl: socket path too long: %s\n", path);
		return EXIT_USAGE;
	default:
		fprintf(stderr, "privfwctl: cannot connect to %s: %s\n", path, strerror(e));
		return EXIT_FAIL;
	}
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one NUL-terminated reply into *msg. 0 or a negative errno (-EPIPE: closed early). */
static int recv_reply(int fd, char **msg, size_t *len)
{
	struct varlink_buf b;
	char buf[65536];
	ssize_t n;
	int r;

	varlink_buf_init(&b, REPLY_MAX);
	for (;;) {
		r = varlink_buf_pop(&b, msg, len);
		if (r != 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			break;
		}
		if (n == 0) {
			r = -EPIPE;
			break;
		}
		r = varlink_buf_append(&b, buf, (size_t)n);
		if (r < 0)
			break;
	}
	varlink_buf_free(&b);
	return r < 0 ? r : 0;
}

/* Sends one call and parses its reply into *reply; prints transport errors. Returns 0 or the
 * exit status to use. */
static int call(const struct opts *o, const char *method, json_t *params, struct varlink_reply *reply)
{
	char *out = NULL, *in = NULL;
	size_t out_len = 0, in_len = 0;
	int fd, r, ret = EXIT_FAIL;

	fd = connect_socket(o->socket);
	if (fd < 0)
		return connect_failed(o->socket, -fd);
	out = varlink_call_put(method, params, &out_len);
	if (!out) {
		fprintf(stderr, "privfwctl: cannot encode the request\n");
		goto out;
	}
	r = send_all(fd, out, out_len);
	if (r < 0) {
		fprintf(stderr, "privfwctl: sending to privfwd: %s\n", strerror(-r));
		goto out;
	}
	r = recv_reply(fd, &in, &in_len);
	if (r == -ETIMEDOUT)
		fprintf(stderr, "privfwctl: no reply from privfwd within %d s\n", TIMEOUT_S);
	else if (r == -EPIPE)
		fprintf(stderr, "privfwctl: privfwd closed the connection without a reply\n");
	else if (r == -EMSGSIZE)
		fprintf(stderr, "privfwctl: reply from privfwd is too large\n");
	else if (r < 0)
		fprintf(stderr, "privfwctl: reading from privfwd: %s\n", strerror(-r));
	else if (varlink_reply_parse(reply, in, in_len) < 0)
		fprintf(stderr, "privfwctl: malformed reply from privfwd\n");
	else
		ret = EXIT_OK;
out:
	free(out);
	free(in);
	close(fd);
	return ret;
}

/* Prints an error reply and returns its exit status. */
static int report_error(const struct varlink_reply *r, const char *app)
{
	json_t *p = r->parameters;
	const char *s;
	char *dump;

	if (!strcmp(r->error, VARLINK_ERR_PERMISSION_DENIED)) {
		fprintf(stderr, "privfwctl: permission denied: this needs root or membership of group privfw\n");
		return EXIT_PERM;
	}
	if (!strcmp(r->error, PRIVFW_ERR_NO_SUCH_APP)) {
		s = str_of(p, "app");
		fprintf(stderr, "privfwctl: no such app: %s has no rule of its own\n", s ? s : app ? app : "?");
		return EXIT_NO_APP;
	}
	if (!strcmp(r->error, VARLINK_ERR_METHOD_NOT_FOUND)) {
		fprintf(stderr, "privfwctl: privfwd does not know %s (different version?)\n",
			(s = str_of(p, "method")) ? s : "this method");
	} else if (!strcmp(r->error, VARLINK_ERR_INVALID_PARAMETER)) {
		fprintf(stderr, "privfwctl: privfwd refused parameter '%s'\n",
			(s = str_of(p, "parameter")) ? s : "?");
	} else if (!strcmp(r->error, PRIVFW_ERR_POLICY_SAVE)) {
		fprintf(stderr, "privfwctl: policy not saved: %s\n", (s = str_of(p, "reason")) ? s : "?");
	} else if (!strcmp(r->error, PRIVFW_ERR_BAD_REQUEST)) {
		fprintf(stderr, "privfwctl: %s", (s = str_of(p, "reason")) ? s : "bad request");
		if (str_of(p, "file"))
			fprintf(stderr, ": %s:%" JSON_INTEGER_FORMAT, str_of(p, "file"), int_of(p, "line"));
		if (str_of(p, "message"))
			fprintf(stderr, ": %s", str_of(p, "message"));
		fputc('\n', stderr);
	} else {
		dump = json_dumps(p, JSON_COMPACT);
		fprintf(stderr, "privfwctl: privfwd: %s %s\n", r->error, dump ? dump : "");
		free(dump);
	}
	return EXIT_FAIL;
}

static void print_value(json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		put_safe(json_string_value(v));
	} else if (json_is_integer(v)) {
		printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		put_safe(s);
		free(s);
	}
}

static void print_uptime(json_t *v)
{
	json_int_t s = json_integer_value(v);

	if (!json_is_integer(v) || s < 0) {
		print_value(v);
		return;
	}
	if (s >= 86400)
		printf("%" JSON_INTEGER_FORMAT "d ", s / 86400);
	printf("%02d:%02d:%02d", (int)(s % 86400 / 3600), (int)(s % 3600 / 60), (int)(s % 60));
}

static int show_status(json_t *p)
{
	static const struct {
		const char *label, *key, *sub;
	} rows[] = {
		{ "version", "version", NULL },
		{ "uptime", "uptime", NULL },
		{ "restarts", "restarts", NULL },
		{ "queue", "queue", NULL },
		{ "queues", "queues", NULL },
		{ "fail mode", "fail_mode", NULL },
		{ "rules", "rules", NULL },
		{ "default", "default", NULL },
		{ "apps", "apps", NULL },
		{ "flows", "flows", NULL },
		{ "packets", "packets", NULL },
		{ "accepted", "verdicts", "accept" },
		{ "denied", "verdicts", "deny" },
		{ "parse errors", "parse_errors", NULL },
		{ "dropped, queue full", "queue_drops", "kernel_queue_full" },
		{ "dropped, socket full", "queue_drops", "kernel_socket_full" },
		{ "dropped, unparseable", "queue_drops", "unparseable" },
		{ "dropped, sender gone", "queue_drops", "sender_gone" },
		{ "verdict latency p50 (us)", "latency_us", "p50" },
		{ "verdict latency p99 (us)", "latency_us", "p99" },
		{ "ident lookups", "ident", "lookups" },
		{ "ident cache hits", "ident", "cache_hits" },
		{ "ident ns, cached", "ident", "ns_cached" },
		{ "ident ns, new cgroup", "ident", "ns_uncached" },
		{ "events suppressed", "events_suppressed", NULL },
		{ "inspected flows", "inspection", "flows" },
		{ "inspected now", "inspection", "flows_live" },
		{ "inspected bytes", "inspection", "bytes" },
		{ "findings", "inspection", "findings" },
		{ "flows cut, data", "inspection", "data_denied" },
		{ "flows cut, host", "inspection", "hosts_denied" },
		{ "dropped, TCP hole", "inspection", "gap_drops" },
		{ "dropped, busy", "inspection", "busy_drops" },
		{ "ended by FIN/RST copies", "inspection", "ends_seen" },
		{ "FIN/RST copies lost", "inspection", "ends_lost" },
		{ "known values", "inspection", "known_values" },
	};
	int w = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if ((int)strlen(rows[i].label) > w)
			w = (int)strlen(rows[i].label);
	/* A field an older or newer daemon does not send is left out, not shown as zero. */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *v = json_object_get(p, rows[i].key);

		if (rows[i].sub)
			v = json_object_get(v, rows[i].sub);
		if (!v || json_is_null(v))
			continue;
		printf("%s:%*s ", rows[i].label, w - (int)strlen(rows[i].label), "");
		if (!strcmp(rows[i].key, "uptime"))
			print_uptime(v);
		else
			print_value(v);
		putchar('\n');
	}
	return EXIT_OK;
}

static int by_id(const void *a, const void *b)
{
	const char *x = str_of(*(json_t *const *)a, "id"), *y = str_of(*(json_t *const *)b, "id");

	return strcmp(x ? x : "", y ? y : "");
}

static int show_apps(json_t *p)
{
	json_t *apps = json_object_get(p, "apps"), **v = NULL;
	size_t n = json_array_size(apps);
	int w = 3, ret = EXIT_FAIL;
	char net[32], seen[32];

	if (!json_is_array(apps)) {
		fprintf(stderr, "privfwctl: malformed reply from privfwd\n");
		goto out;
	}
	if (n == 0) {
		printf("no apps seen yet and no app rules\n");
		ret = EXIT_OK;
		goto out;
	}
	v = calloc(n, sizeof(*v));
	if (!v) {
		fprintf(stderr, "privfwctl: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *id;

		v[i] = json_array_get(apps, i);
		id = str_of(v[i], "id");
		if (id && (int)strlen(id) > w)
			w = (int)strlen(id);
	}
	qsort(v, n, sizeof(*v), by_id);
	printf("%-*s  %-15s %8s %8s  %-19s  %s\n", w, "APP", "NETWORK", "ALLOWED", "DENIED", "LAST SEEN",
	       "FINDINGS (category=count/rule)");
	for (size_t i = 0; i < n; i++) {
		const char *a = str_of(v[i], "network"), *k;
		json_t *found = json_object_get(v[i], "findings"), *data = json_object_get(v[i], "data"), *x;
		bool any = false;

		snprintf(net, sizeof(net), "%.8s%s", a ? a : "?",
			 json_is_true(json_object_get(v[i], "explicit")) ? "" : " (default)");
		put_padded(str_of(v[i], "id"), w);
		printf("  %-15s %8" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "  %-19s ", net,
		       int_of(v[i], "flows_allowed"), int_of(v[i], "flows_denied"),
		       when(int_of(v[i], "last_seen"), seen, sizeof(seen)));
		json_object_foreach(found, k, x) {
			if (!json_integer_value(x))
				continue;
			printf(" %s=%" JSON_INTEGER_FORMAT "/", k, json_integer_value(x));
			put_safe(str_of(data, k));
			any = true;
		}
		if (!any)
			printf(" -");
		putchar('\n');
	}
	ret = EXIT_OK;
out:
	free(v);
	return ret;
}

static int show_events(json_t *p)
{
	static const char *const fields[] = { "kind", "app", "action", "proto", "dest", "message" };
	static const char *const extra[] = { "host", "data", "encoding", "label", "mask" };
	json_t *events = json_object_get(p, "events"), *e;
	char t[32];
	size_t i;

	if (!json_is_array(events)) {
		fprintf(stderr, "privfwctl: malformed reply from privfwd\n");
		return EXIT_FAIL;
	}
	json_array_foreach(events, i, e) {
		fputs(when(int_of(e, "time") / 1000000, t, sizeof(t)), stdout);
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			putchar(' ');
			put_safe(str_of(e, fields[f]));
		}
		for (size_t f = 0; f < sizeof(extra) / sizeof(extra[0]); f++) {
			if (!str_of(e, extra[f]))
				continue;
			printf(" %s=", extra[f]);
			put_safe(str_of(e, extra[f]));
		}
		putchar('\n');
	}
	return EXIT_OK;
}

struct command {
	const char *name;
	const char *method;
	int nargs;  /* exact number of arguments, or -1 for the command's own parsing */
};

static const struct command commands[] = {
	{ "status", PRIVFW_IFACE ".GetStatus", 0 },
	{ "apps", PRIVFW_IFACE ".ListApps", 0 },
	{ "allow", PRIVFW_IFACE ".SetApp", -1 },
	{ "deny", PRIVFW_IFACE ".SetApp", -1 },
	{ "reset", PRIVFW_IFACE ".ResetApp", 1 },
	{ "default", PRIVFW_IFACE ".SetDefault", 1 },
	{ "log", PRIVFW_IFACE ".GetEvents", -1 },
	{ "data", PRIVFW_IFACE ".SetData", 3 },
	{ "host", PRIVFW_IFACE ".SetHost", 3 },
	{ "reload", PRIVFW_IFACE ".Reload", 0 },
};

/* "log [-n N]": parses N. 0 or the usage exit status. */
static int log_args(int argc, char **argv, long *max)
{
	const char *s = NULL;
	char *end;

	*max = LOG_DEFAULT;
	if (argc == 0)
		return 0;
	if (argc == 2 && !strcmp(argv[0], "-n"))
		s = argv[1];
	else if (argc == 1 && !strncmp(argv[0], "-n", 2) && argv[0][2])
		s = argv[0] + 2;
	if (!s)
		return usage_error("log takes only -n N");
	errno = 0;
	*max = strtol(s, &end, 10);
	if (errno || end == s || *end || *s < '0' || *s > '9' || *max > LOG_MAX)
		return usage_error("log -n needs a number from 0 to %d", LOG_MAX);
	return 0;
}

static const char *const categories[] = { "device_id", "contact", "location", "financial",
					   "credential", "secret" };

static bool category_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (!strcmp(s, categories[i]))
			return true;
	return false;
}

/* "data APP|--default CAT ACTION" and "host APP|--default PATTERN ACTION" */
static int rule_params(const struct command *c, char **argv, json_t **params)
{
	bool data = !strcmp(c->name, "data");
	const char *app = strcmp(argv[0], "--default") ? argv[0] : NULL;

	if (app && !app_id_valid(app))
		return usage_error("invalid app id: it must be 1 to 255 printable characters without spaces");
	if (data && !category_valid(argv[1]))
		return usage_error("unknown category %s", argv[1]);
	if (data && strcmp(argv[2], "allow") && strcmp(argv[2], "deny") && strcmp(argv[2], "log") &&
	    (strcmp(argv[2], "default") || !app))
		return usage_error("data takes allow, deny, log or (for an app) default");
	if (!data && strcmp(argv[2], "allow") && strcmp(argv[2], "deny") && strcmp(argv[2], "remove"))
		return usage_error("host takes allow, deny or remove");
	*params = json_pack("{s:s, s:s}", data ? "category" : "pattern", argv[1], "action", argv[2]);
	if (*params && app)
		json_object_set_new(*params, "app", json_string(app));
	return 0;
}

/* Builds the call's parameters from the command's arguments, and picks the method when the
 * arguments decide it. 0 or the usage exit status. */
static int build_params(const struct command *c, int argc, char **argv, json_t **params,
			const char **method)
{
	long max;
	int r;

	*params = NULL;
	*method = c->method;
	if (c->nargs >= 0 && argc != c->nargs)
		return usage_error("%s takes %s", c->name, c->nargs == 0 ? "no arguments" :
				   c->nargs == 1 ? "one argument" : "three arguments");
	if (!strcmp(c->name, "data") || !strcmp(c->name, "host")) {
		if ((r = rule_params(c, argv, params)))
			return r;
	} else if (!strcmp(c->name, "allow") || !strcmp(c->name, "deny")) {
		if (argc != 1 && argc != 3)
			return usage_error("%s takes APP, optionally with --data CATEGORY or --host PATTERN", c->name);
		if (!app_id_valid(argv[0]))
			return usage_error("invalid app id: it must be 1 to 255 printable characters without spaces");
		if (argc == 1) {
			*params = json_pack("{s:s, s:s}", "app", argv[0], "network", c->name);
		} else if (!strcmp(argv[1], "--data")) {
			if (!category_valid(argv[2]))
				return usage_error("unknown category %s", argv[2]);
			*method = PRIVFW_IFACE ".SetData";
			*params = json_pack("{s:s, s:s, s:s}", "app", argv[0], "category", argv[2],
					    "action", c->name);
		} else if (!strcmp(argv[1], "--host")) {
			*method = PRIVFW_IFACE ".SetHost";
			*params = json_pack("{s:s, s:s, s:s}", "app", argv[0], "pattern", argv[2],
					    "action", c->name);
		} else {
			return usage_error("%s APP takes --data CATEGORY or --host PATTERN", c->name);
		}
	} else if (!strcmp(c->name, "reset")) {
		if (!app_id_valid(argv[0]))
			return usage_error("invalid app id: it must be 1 to 255 printable characters without spaces");
		*params = json_pack("{s:s}", "app", argv[0]);
	} else if (!strcmp(c->name, "default")) {
		if (strcmp(argv[0], "allow") && strcmp(argv[0], "deny"))
			return usage_error("default takes allow or deny");
		*params = json_pack("{s:s}", "network", argv[0]);
	} else if (!strcmp(c->name, "log")) {
		r = log_args(argc, argv, &max);
		if (r)
			return r;
		*params = json_pack("{s:I}", "max", (json_int_t)max);
	} else {
		*params = json_object();
	}
	if (!*params) {
		fprintf(stderr, "privfwctl: out of memory\n");
		return EXIT_FAIL;
	}
	return 0;
}

static int show(const struct command *c, char **argv, json_t *p)
{
	if (!strcmp(c->name, "status"))
		return show_status(p);
	if (!strcmp(c->name, "apps"))
		return show_apps(p);
	if (!strcmp(c->name, "log"))
		return show_events(p);
	if ((!strcmp(c->name, "allow") || !strcmp(c->name, "deny")) && argv[1])
		printf("%s: %s %s %s\n", argv[0], !strcmp(argv[1], "--data") ? "data" : "host", argv[2], c->name);
	else if (!strcmp(c->name, "allow") || !strcmp(c->name, "deny"))
		printf("%s: network %s\n", argv[0], c->name);
	else if (!strcmp(c->name, "data") || !strcmp(c->name, "host"))
		printf("%s: %s %s %s\n", strcmp(argv[0], "--default") ? argv[0] : "default", c->name, argv[1], argv[2]);
	else if (!strcmp(c->name, "reset"))
		printf("%s: reset to the default\n", argv[0]);
	else if (!strcmp(c->name, "default"))
		printf("default: network %s\n", argv[0]);
	else if (!strcmp(c->name, "reload"))
		printf("policy reloaded\n");
	return EXIT_OK;
}

static int run(const struct opts *o, const struct command *c, int argc, char **argv)
{
	struct varlink_reply reply = { 0 };
	json_t *params = NULL;
	char *s;
	int ret;

	const char *method;

	ret = build_params(c, argc, argv, &params, &method);
	if (ret)
		goto out;
	ret = call(o, method, params, &reply);
	if (ret)
		goto out;
	if (reply.error[0]) {
		ret = report_error(&reply, argc ? argv[0] : NULL);
		goto out;
	}
	if (!o->json) {
		ret = show(c, argv, reply.parameters);
		goto out;
	}
	s = json_dumps(reply.parameters, JSON_INDENT(2));
	if (!s) {
		fprintf(stderr, "privfwctl: out of memory\n");
		ret = EXIT_FAIL;
		goto out;
	}
	printf("%s\n", s);
	free(s);
	ret = EXIT_OK;
out:
	varlink_reply_clear(&reply);
	json_decref(params);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .socket = getenv("PRIVFW_SOCKET") };
	int ch, ret;

	if (!o.socket || !*o.socket)
		o.socket = PRIVFW_SOCKET_DEFAULT;
	opterr = 0;
	/* "+": options after the command belong to the command (log -n). */
	while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			o.json = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			return usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (!*o.socket)
		return usage_error("empty socket path");
	if (optind >= argc)
		return usage_error("no command given");
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name)) {
			ret = run(&o, &commands[i], argc - optind - 1, argv + optind + 1);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				fprintf(stderr, "privfwctl: writing output: %s\n", strerror(errno));
				ret = EXIT_FAIL;
			}
			return ret;
		}
	return usage_error("unknown command %s", argv[optind]);
}
