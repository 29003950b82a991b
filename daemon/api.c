/* Control methods of io.privfw.Firewall: a table from method name to handler, with the access
 * rule next to each method. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "apps.h"
#include "ctl.h"
#include "daemon.h"
#include "events.h"
#include "flow.h"
#include "ident.h"
#include "detect.h"
#include "inspect.h"
#include "policy.h"
#include "queue.h"
#include "varlink.h"

#define PRIVFW_VERSION "0.1"
#define EVENTS_REPLY_MAX 1024

struct reply {
	json_t *params;     /* success parameters (owned) */
	const char *error;  /* error name, or NULL */
	json_t *eparams;    /* error parameters (owned) */
};

static void fail(struct reply *r, const char *error, json_t *params)
{
	r->error = error;
	r->eparams = params;
}

static void invalid(struct reply *r, const char *param)
{
	fail(r, VARLINK_ERR_INVALID_PARAMETER, json_pack("{s:s}", "parameter", param));
}

static const char *str_param(const struct varlink_call *c, const char *name)
{
	json_t *v = json_object_get(c->parameters, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The kernel's own counters for our queue: packets dropped because the queue was full
 * (queue_dropped) or the netlink socket overflowed (user_dropped). The file is root's only, so
 * it was opened before privileges were dropped; it is re-read from the start each time. */
static void kernel_queue_drops(int fd, unsigned num, unsigned count, json_int_t *queue_dropped,
			       json_int_t *user_dropped)
{
	unsigned found = 0;
	char buf[4096], *line, *save = NULL;
	unsigned q, portid, len, mode, range, seq;
	unsigned long long qd, ud;
	ssize_t n;

	*queue_dropped = *user_dropped = -1;
	if (fd < 0 || (n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u %u %u %u %u %llu %llu %u", &q, &portid, &len, &mode, &range, &qd,
			   &ud, &seq) == 8 && q >= num && q - num < count) {
			*queue_dropped = (found ? *queue_dropped : 0) + (json_int_t)qd;
			*user_dropped = (found ? *user_dropped : 0) + (json_int_t)ud;
			found++;
		}
	}
}

static void m_status(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	json_int_t qdrop, udrop;
	struct ident_stats is = { 0 };
	struct worker_snap snap;
	const struct queue_stats *qs = &snap.queue;
	const struct daemon_stats *ds = &snap.stats;

	if (d->ident)
		ident_get_stats(d->ident, &is);
	daemon_snapshot(d, &snap);
	kernel_queue_drops(d->nfq_proc_fd, d->cfg.queue, d->n_workers, &qdrop, &udrop);
	r->params = json_pack("{s:s, s:i, s:i, s:s, s:I, s:I, s:s, s:I, s:I, s:I, s:{s:I, s:I}, s:I, s:{s:I, s:I}, s:I}",
		"version", PRIVFW_VERSION,
		"queue", (int)d->cfg.queue,
		"queues", (int)d->n_workers,
		"fail_mode", d->cfg.fail_open ? "open" : "closed",
		"uptime", (json_int_t)(time(NULL) - d->started),
		"restarts", (json_int_t)d->restarts,
		"default", policy_action_name(d->policy->default_network),
		"apps", (json_int_t)apps_count(d->apps),
		"flows", (json_int_t)snap.flows,
		"packets", (json_int_t)ds->packets,
		"verdicts", "accept", (json_int_t)ds->accepted, "deny", (json_int_t)ds->denied,
		"parse_errors", (json_int_t)ds->parse_errors,
		"ident", "lookups", (json_int_t)is.lookups, "cache_hits", (json_int_t)is.cache_hits,
		"events_suppressed", (json_int_t)events_suppressed(d->events));
	if (r->params)
		json_object_set_new(r->params, "queue_drops", json_pack("{s:I, s:I, s:I, s:I}",
			"kernel_queue_full", qdrop, "kernel_socket_full", udrop,
			"unparseable", (json_int_t)ds->parse_errors,
			"sender_gone", (json_int_t)ds->orphans));
	if (r->params) {
		json_t *ident = json_object_get(r->params, "ident");

		/* Mean cost in ns of a lookup answered from the cache (sock_diag only) and of one that
		 * mapped a new cgroup id; -1 before the first. */
		json_object_set_new(ident, "ns_cached", json_integer(is.cache_hits ?
			(json_int_t)(is.ns_cached / is.cache_hits) : -1));
		json_object_set_new(ident, "ns_uncached", json_integer(is.uncached ?
			(json_int_t)(is.ns_uncached / is.uncached) : -1));
	}
	if (r->params && queue_latency_pct(qs, 50) >= 0) {
		json_int_t samples = 0;

		for (unsigned i = 0; i < QUEUE_LAT_BINS; i++)
			samples += (json_int_t)qs->lat_hist[i];
		json_object_set_new(r->params, "latency_us", json_pack("{s:I, s:I, s:I, s:I}",
			"p50", (json_int_t)queue_latency_pct(qs, 50),
			"p99", (json_int_t)queue_latency_pct(qs, 99),
			"max_bin", (json_int_t)queue_latency_pct(qs, 100), "samples", samples));
	}
	if (r->params && d->db) {
		const struct inspect_stats *st = &snap.inspect;
		const struct detect_db *db = d->db;

		json_object_set_new(r->params, "inspection", json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"flows", (json_int_t)st->flows, "flows_live", (json_int_t)st->flows_live,
			"bytes", (json_int_t)st->bytes, "findings", (json_int_t)ds->findings,
			"data_denied", (json_int_t)ds->data_denied,
			"hosts_denied", (json_int_t)ds->hosts_denied,
			"gap_drops", (json_int_t)ds->gap_drops,
			"busy_drops", (json_int_t)ds->inspect_busy,
			"known_values", (json_int_t)d->n_known,
			"patterns", (json_int_t)detect_db_patterns(db),
			"stream_bytes", (json_int_t)detect_db_stream_size(db)));
		/* Flows ended by a FIN or RST copy (nflog.h), and copies lost; null without nflog. */
		json_object_set_new(json_object_get(r->params, "inspection"), "ends_seen",
				    d->nflog ? json_integer((json_int_t)ds->ends_seen) : json_null());
		json_object_set_new(json_object_get(r->params, "inspection"), "ends_lost",
				    d->nflog ? json_integer((json_int_t)ds->ends_lost) : json_null());
	}
}

static json_t *hosts_json(const struct policy_hosts *h)
{
	json_t *allow = json_array(), *deny = json_array();

	for (size_t i = 0; i < h->n_allow; i++)
		json_array_append_new(allow, json_string(h->allow[i]));
	for (size_t i = 0; i < h->n_deny; i++)
		json_array_append_new(deny, json_string(h->deny[i]));
	return json_pack("{s:o, s:o}", "allow", allow, "deny", deny);
}

/* The data rules in force for app (its own or the default's), and what was found. */
static void app_data_json(json_t *o, const struct policy *p, const char *id, const struct app_entry *e)
{
	json_t *data = json_object(), *found = json_object();
	const struct policy_app *pa = NULL;
	json_int_t denied = 0, hosts = 0;

	for (size_t i = 0; i < p->n_apps; i++)
		if (!strcmp(p->apps[i].id, id))
			pa = &p->apps[i];
	for (unsigned c = 0; c < CAT_COUNT; c++) {
		json_object_set_new(data, data_cat_name(c), json_string(policy_action_name(policy_data(p, id, c))));
		json_object_set_new(found, data_cat_name(c), json_integer(e ? (json_int_t)e->findings[c] : 0));
	}
	if (e) {
		denied = (json_int_t)e->data_denied;
		hosts = (json_int_t)e->hosts_denied;
	}
	json_object_set_new(o, "data", data);
	json_object_set_new(o, "findings", found);
	json_object_set_new(o, "flows_data_denied", json_integer(denied));
	json_object_set_new(o, "flows_host_denied", json_integer(hosts));
	json_object_set_new(o, "hosts", hosts_json(pa && (pa->hosts.n_allow || pa->hosts.n_deny) ?
						    &pa->hosts : &p->default_hosts));
}

static json_t *app_json(const char *id, enum policy_action net, bool explicit_entry,
			const struct app_entry *e)
{
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I}",
		"id", id,
		"network", policy_action_name(net),
		"explicit", explicit_entry,
		"flows_allowed", (json_int_t)(e ? e->flows_allowed : 0),
		"flows_denied", (json_int_t)(e ? e->flows_denied : 0),
		"first_seen", (json_int_t)(e ? e->first_seen : 0),
		"last_seen", (json_int_t)(e ? e->last_seen : 0));
}

static void m_list_apps(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	json_t *arr = json_array();
	bool ex;

	for (size_t i = 0; i < apps_count(d->apps); i++) {
		struct app_entry *e = apps_at(d->apps, i);
		enum policy_action a = policy_network(d->policy, e->id, &ex);

		json_t *o = app_json(e->id, a, ex, e);

		if (o)
			app_data_json(o, d->policy, e->id, e);
		json_array_append_new(arr, o);
	}
	/* Apps with a rule but no traffic yet are part of the answer too. */
	for (size_t i = 0; i < d->policy->n_apps; i++) {
		const struct policy_app *pa = &d->policy->apps[i];

		json_t *o;

		if (apps_find(d->apps, pa->id))
			continue;
		if ((o = app_json(pa->id, pa->network, true, NULL)))
			app_data_json(o, d->policy, pa->id, NULL);
		json_array_append_new(arr, o);
	}
	r->params = json_pack("{s:o}", "apps", arr);
}

static void commit(struct daemon *d, struct policy *next, const char *what, struct reply *r)
{
	int e = daemon_policy_commit(d, next, what);

	if (e < 0)
		fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", strerror(-e)));
	else
		r->params = json_object();
}

static void m_set_app(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	const char *app = str_param(c, "app"), *net = str_param(c, "network");
	enum policy_action a;
	struct policy *next;
	char what[320];

	if (!app || !policy_app_id_valid(app))
		return invalid(r, "app");
	if (!net || policy_action_parse(net, &a) < 0 || a == POLICY_LOG)
		return invalid(r, "network");
	next = policy_dup(d->policy);
	if (!next || policy_set_app(next, app, a) < 0) {
		policy_free(next);
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", "out of memory"));
	}
	snprintf(what, sizeof(what), "%s: network %s", app, net);
	commit(d, next, what, r);
}

static void m_reset_app(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	const char *app = str_param(c, "app");
	struct policy *next;
	char what[320];

	if (!app || !policy_app_id_valid(app))
		return invalid(r, "app");
	next = policy_dup(d->policy);
	if (!next)
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", "out of memory"));
	if (policy_reset_app(next, app) < 0) {
		policy_free(next);
		return fail(r, PRIVFW_ERR_NO_SUCH_APP, json_pack("{s:s}", "app", app));
	}
	snprintf(what, sizeof(what), "%s: reset to default", app);
	commit(d, next, what, r);
}

static void m_set_default(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	const char *net = str_param(c, "network");
	enum policy_action a;
	struct policy *next;
	char what[64];

	if (!net || policy_action_parse(net, &a) < 0 || a == POLICY_LOG)
		return invalid(r, "network");
	next = policy_dup(d->policy);
	if (!next)
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", "out of memory"));
	next->default_network = a;
	snprintf(what, sizeof(what), "default: network %s", net);
	commit(d, next, what, r);
}

/* SetData: { app (absent: the default entry), category, action: allow|deny|log|default } */
static void m_set_data(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	const char *app = str_param(c, "app"), *cat = str_param(c, "category"), *act = str_param(c, "action");
	enum policy_action a;
	struct policy *next;
	int ci, action, e;
	char what[320];

	if (json_object_get(c->parameters, "app") && (!app || !policy_app_id_valid(app)))
		return invalid(r, "app");
	if (!cat || (ci = data_cat_parse(cat)) < 0)
		return invalid(r, "category");
	if (act && !strcmp(act, "default") && app)
		action = POLICY_UNSET;
	else if (act && policy_action_parse(act, &a) == 0)
		action = (int)a;
	else
		return invalid(r, "action");
	if (!(next = policy_dup(d->policy)))
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", "out of memory"));
	if ((e = policy_set_data(next, app, (unsigned)ci, action)) < 0) {
		policy_free(next);
		return e == -EINVAL ? invalid(r, "action")
				    : fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", strerror(-e)));
	}
	snprintf(what, sizeof(what), "%s: data %s %s", app ? app : "default", cat, act);
	commit(d, next, what, r);
}

/* SetHost: { app (absent: the default entry), pattern, action: allow|deny|remove } */
static void m_set_host(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	const char *app = str_param(c, "app"), *pat = str_param(c, "pattern"), *act = str_param(c, "action");
	struct policy *next;
	char what[600];
	int e;

	if (json_object_get(c->parameters, "app") && (!app || !policy_app_id_valid(app)))
		return invalid(r, "app");
	if (!pat || !policy_host_pattern_valid(pat))
		return invalid(r, "pattern");
	if (!act || (strcmp(act, "allow") && strcmp(act, "deny") && strcmp(act, "remove")))
		return invalid(r, "action");
	if (!(next = policy_dup(d->policy)))
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", "out of memory"));
	if (!strcmp(act, "remove"))
		e = policy_unset_host(next, app, pat);
	else
		e = policy_set_host(next, app, pat, !strcmp(act, "deny"));
	if (e < 0) {
		policy_free(next);
		bool has_entry = true;

		if (app)
			policy_network(d->policy, app, &has_entry);
		if (e == -ENOENT && !has_entry)
			return fail(r, PRIVFW_ERR_NO_SUCH_APP, json_pack("{s:s}", "app", app));
		if (e == -ENOENT)
			return invalid(r, "pattern");  /* on neither list */
		return fail(r, PRIVFW_ERR_POLICY_SAVE, json_pack("{s:s}", "reason", strerror(-e)));
	}
	snprintf(what, sizeof(what), "%s: host %s %s", app ? app : "default", pat, act);
	commit(d, next, what, r);
}

static void m_get_events(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	static struct event buf[EVENTS_REPLY_MAX];
	json_t *v = json_object_get(c->parameters, "max"), *arr;
	json_int_t max = 20;
	size_t n;

	if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
		return invalid(r, "max");
	if (v)
		max = json_integer_value(v);
	if (max > EVENTS_REPLY_MAX)
		max = EVENTS_REPLY_MAX;
	n = events_tail(d->events, buf, (size_t)max);
	arr = json_array();
	for (size_t i = 0; i < n; i++)
	{
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}",
			"time", (json_int_t)buf[i].time_us,
			"kind", event_kind_name(buf[i].kind),
			"app", buf[i].app,
			"action", buf[i].action,
			"proto", buf[i].proto,
			"dest", buf[i].dest,
			"uid", (json_int_t)buf[i].uid,
			"message", buf[i].message);
		/* Findings: what was found and how, never the value itself. */
		const struct { const char *k, *v; } extra[] = {
			{ "host", buf[i].host }, { "data", buf[i].data }, { "category", buf[i].category },
			{ "encoding", buf[i].encoding }, { "label", buf[i].label }, { "mask", buf[i].mask },
		};

		for (size_t j = 0; o && j < sizeof(extra) / sizeof(extra[0]); j++)
			if (extra[j].v[0])
				json_object_set_new(o, extra[j].k, json_string(extra[j].v));
		json_array_append_new(arr, o);
	}
	r->params = json_pack("{s:o}", "events", arr);
}

static void m_reload(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	struct policy_error err = { 0 };

	if (daemon_reload(d, &err) < 0)
		return fail(r, PRIVFW_ERR_BAD_REQUEST, json_pack("{s:s, s:s, s:i, s:s}",
			"reason", "policy file rejected", "file", err.file, "line", err.line,
			"message", err.msg));
	r->params = json_object();
}

static void m_get_info(struct daemon *d, const struct varlink_call *c, struct reply *r)
{
	r->params = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "vendor", "privfw", "product", "privfwd",
			      "version", PRIVFW_VERSION, "url", "", "interfaces", PRIVFW_IFACE);
}

static const struct method {
	const char *name;
	bool privileged;  /* needs root or group privfw */
	void (*fn)(struct daemon *d, const struct varlink_call *c, struct reply *r);
} methods[] = {
	{ "org.varlink.service.GetInfo", false, m_get_info },
	{ PRIVFW_IFACE ".GetStatus", false, m_status },
	{ PRIVFW_IFACE ".ListApps", true, m_list_apps },
	{ PRIVFW_IFACE ".GetEvents", true, m_get_events },
	{ PRIVFW_IFACE ".SetApp", true, m_set_app },
	{ PRIVFW_IFACE ".ResetApp", true, m_reset_app },
	{ PRIVFW_IFACE ".SetDefault", true, m_set_default },
	{ PRIVFW_IFACE ".SetData", true, m_set_data },
	{ PRIVFW_IFACE ".SetHost", true, m_set_host },
	{ PRIVFW_IFACE ".Reload", true, m_reload },
};

char *api_handle(void *ctx, const struct ctl_peer *peer, const struct varlink_call *call, size_t *len)
{
	struct daemon *d = ctx;
	struct reply r = { 0 };
	const struct method *m = NULL;
	char *out;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, call->method))
			m = &methods[i];
	if (!m)
		fail(&r, VARLINK_ERR_METHOD_NOT_FOUND, json_pack("{s:s}", "method", call->method));
	else if (m->privileged && !peer->privileged)
		fail(&r, VARLINK_ERR_PERMISSION_DENIED, NULL);
	else
		m->fn(d, call, &r);
	if (r.error)
		out = varlink_error_put(r.error, r.eparams, len);
	else
		out = varlink_reply_put(r.params, false, len);
	json_decref(r.params);
	json_decref(r.eparams);
	return out;
}
