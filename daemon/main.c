/* privfwd: the privacy firewall daemon. main() reads as the table of contents: set up, loop, tear down. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apps.h"
#include "compiled.h"
#include "cgroup.h"
#include "config.h"
#include "conntrack.h"
#include "ctl.h"
#include "daemon.h"
#include "detect.h"
#include "events.h"
#include "flow.h"
#include "ident.h"
#include "inspect.h"
#include "nflog.h"
#include "pkt.h"
#include "policy.h"
#include "queue.h"
#include "replay.h"
#include "safemode.h"
#include "sandbox.h"

#define APPS_MAX 4096
#define EVENTS_RING 1024
#define QUEUE_MAXLEN 4096
#define QUEUE_RCVBUF (4 * 1024 * 1024)
/* Whole packets (GSO ones included): inspection reads every unsettled payload byte. */
#define QUEUE_COPY_RANGE 0xffff

enum { EXIT_USAGE = 2 };

static struct daemon D;

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("privfwd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_FAILURE);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void emit(enum event_kind kind, int prio, const char *app, const char *action,
		 const struct pkt *p, int64_t uid, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void emit(enum event_kind kind, int prio, const char *app, const char *action,
		 const struct pkt *p, int64_t uid, const char *fmt, ...)
{
	struct event e = { .kind = kind, .priority = prio, .uid = uid };
	va_list ap;

	if (app)
		snprintf(e.app, sizeof(e.app), "%s", app);
	if (action)
		snprintf(e.action, sizeof(e.action), "%s", action);
	if (p) {
		snprintf(e.proto, sizeof(e.proto), "%s", pkt_proto_name(p->proto));
		pkt_dest_str(p, e.dest, sizeof(e.dest));
	}
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	events_emit(D.events, &e);
}

/* An allowed flow whose app has data or host rules is inspected until it settles; others are
 * final at their first packet. Returns true (kept so decide reads as one chain). */
static bool start_inspection(struct worker *w, struct flow *f, const struct pkt *p, bool inspects,
			     bool fresh)
{
	if (f->ext && (fresh || f->verdict != FLOW_ACCEPT || !inspects)) {
		inspect_flow_free(w->inspect, f->ext);
		f->ext = NULL;
	}
	if (f->verdict != FLOW_ACCEPT || !inspects || f->inspected) {
		f->stage = FLOW_SETTLED;
		return true;
	}
	/* State comes with the first packet inspect_step sees. */
	f->stage = FLOW_INSPECT;
	return true;
}

/* The policy changed under a flow that is being inspected. Under d->lock. */
static void recheck(struct worker *w, struct flow *f, const struct pkt *p)
{
	struct daemon *d = w->d;
	struct app_entry *app = f->app;

	f->recheck = false;
	if (app->net < 0)
		app->net = policy_network(d->policy, app->id, NULL);
	if (app->inspects < 0)
		app->inspects = policy_inspects(d->policy, app->id);
	f->verdict = app->net == POLICY_ALLOW ? FLOW_ACCEPT : FLOW_DENY;
	start_inspection(w, f, p, app->inspects, false);
}

/* The first packet of a flow: who sent it, and what does the policy say? count says whether
 * this starts a flow the counters should see (not a re-decision after a policy change).
 * Under d->lock. */
static bool decide(struct worker *w, struct flow *f, const struct pkt *p, uint32_t uid_hint, bool count)
{
	struct daemon *d = w->d;
	struct ident_result id;
	struct app_entry *app;
	bool created, recount = !count;
	time_t now = time(NULL);
	int64_t uid;

	ident_lookup(d->ident, p, uid_hint, &id);
	if (id.orphan) {
		w->stats.orphans++;
		return false;
	}
	uid = id.uid == UINT32_MAX ? -1 : (int64_t)id.uid;
	app = apps_get(d->apps, id.app, now, &created);
	if (created && d->policy->log_new_apps)
		emit(EVENT_NEW_APP, LOG_NOTICE, app->id, NULL, p, uid, "new app %s", app->id);
	if (count)
		f->inspected = false;  /* a new connection, maybe reusing the 5-tuple */
	if (!app) {
		/* Registry full: the default decides, and no counters are kept. */
		f->app = NULL;
		f->verdict = d->policy->default_network == POLICY_ALLOW ? FLOW_ACCEPT : FLOW_DENY;
		return start_inspection(w, f, p, policy_inspects(d->policy, NULL), count);
	}
	if (app->net < 0)
		app->net = policy_network(d->policy, app->id, NULL);
	if (app->inspects < 0)
		app->inspects = policy_inspects(d->policy, app->id);
	f->app = app;
	f->verdict = app->net == POLICY_ALLOW ? FLOW_ACCEPT : FLOW_DENY;
	if (!start_inspection(w, f, p, app->inspects, count))
		return false;
	app->last_seen = now;
	app->uid = uid;
	if (recount)
		return true;
	w->stats.flows++;
	if (f->verdict == FLOW_ACCEPT) {
		app->flows_allowed++;
	} else {
		app->flows_denied++;
		emit(EVENT_FLOW_DENY, LOG_WARNING, app->id, "deny", p, app->uid,
		     "denied %s flow of %s", pkt_proto_name(p->proto), app->id);
	}
	if (d->debug) {
		char dest[64];

		fprintf(stderr, "privfwd: %s %s %s %s\n", app->id, pkt_proto_name(p->proto),
			pkt_dest_str(p, dest, sizeof(dest)), f->verdict == FLOW_ACCEPT ? "allow" : "deny");
	}
	return true;
}

/* Messages are for people; a long host name may cut one short. */
static void set_message(struct event *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_message(struct event *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static void event_flow(struct event *e, const struct flow *f, const struct pkt *p, const char *action)
{
	const char *host = f->ext ? inspect_flow_host(f->ext) : NULL;

	e->uid = f->app ? f->app->uid : -1;
	snprintf(e->app, sizeof(e->app), "%s", f->app ? f->app->id : "");
	snprintf(e->action, sizeof(e->action), "%s", action);
	snprintf(e->proto, sizeof(e->proto), "%s", pkt_proto_name(p->proto));
	snprintf(e->host, sizeof(e->host), "%s", host ? host : "");
	pkt_dest_str(p, e->dest, sizeof(e->dest));
}

/* Under d->lock. */
static bool finding_event(struct worker *w, struct flow *f, const struct pkt *p, const struct finding *fd)
{
	struct daemon *d = w->d;
	const char *id = f->app ? f->app->id : NULL;
	enum data_cat cat = data_type_cat(fd->type);
	enum policy_action a = policy_data(d->policy, id, cat);
	const char *label = fd->label == FINDING_NO_LABEL ? NULL : inspect_flow_label(f->ext, fd->label);
	struct event e = { .kind = EVENT_DATA, .priority = a == POLICY_DENY ? LOG_WARNING : LOG_NOTICE };

	w->stats.findings++;
	if (f->app)
		f->app->findings[cat]++;
	if (a == POLICY_ALLOW)
		return false;
	event_flow(&e, f, p, policy_action_name(a));
	snprintf(e.data, sizeof(e.data), "%s", data_type_name(fd->type));
	snprintf(e.category, sizeof(e.category), "%s", data_cat_name(cat));
	snprintf(e.encoding, sizeof(e.encoding), "%s", data_enc_name(fd->enc));
	snprintf(e.label, sizeof(e.label), "%s", label ? label : "");
	snprintf(e.mask, sizeof(e.mask), "%s", fd->mask);
	set_message(&e, "%s %s (%s, %s) to %s%s%s: %s", f->app ? f->app->id : "an app",
		 a == POLICY_DENY ? "blocked from sending" : "sent", data_type_name(fd->type), data_enc_name(fd->enc),
		 e.host[0] ? e.host : e.dest, e.host[0] ? " at " : "", e.host[0] ? e.dest : "", fd->mask);
	events_emit(d->events, &e);
	return a == POLICY_DENY;
}

/* Under d->lock. */
static void host_event(struct worker *w, struct flow *f, const struct pkt *p)
{
	struct event e = { .kind = EVENT_HOST_DENY, .priority = LOG_WARNING };

	w->stats.hosts_denied++;
	if (f->app)
		f->app->hosts_denied++;
	event_flow(&e, f, p, "deny");
	set_message(&e, "denied %s flow of %s to %s", pkt_proto_name(p->proto),
		 f->app ? f->app->id : "an app", e.host[0] ? e.host : "a host without a name");
	events_emit(w->d->events, &e);
}

/* One packet of a flow under inspection. Updates the flow's verdict and stage; false when the
 * packet must be dropped: it lies past a hole in the TCP stream (the sender resends it), or no
 * inspection state can be had now. */
static bool inspect_step(struct worker *w, struct flow *f, const struct pkt *p)
{
	struct daemon *d = w->d;
	struct inspect_result r;
	bool deny = false;
	enum inspect_carrier c;

	if (!f->ext && !(f->ext = inspect_flow_new(w->inspect, p->proto, p->dport))) {
		w->stats.inspect_busy++;
		return false;
	}
	inspect_packet(w->inspect, f->ext, p, &r);
	if (r.status == INSPECT_GAP) {
		w->stats.gap_drops++;
		return false;
	}
	if (r.n || r.host_changed || r.status == INSPECT_DONE) {
		const char *id = f->app ? f->app->id : NULL;

		pthread_mutex_lock(&d->lock);
		for (size_t i = 0; i < r.n; i++)
			deny |= finding_event(w, f, p, &r.findings[i]);
		/* A flow that never names its host cannot pass an allow list. */
		if (!deny && (r.host_changed || r.status == INSPECT_DONE) &&
		    policy_host(d->policy, id, inspect_flow_host(f->ext)) == POLICY_DENY &&
		    (r.host_changed || !inspect_flow_host(f->ext))) {
			host_event(w, f, p);
			deny = true;
		} else if (deny) {
			w->stats.data_denied++;
			if (f->app)
				f->app->data_denied++;
		}
		pthread_mutex_unlock(&d->lock);
	}
	c = inspect_flow_carrier(f->ext);
	if (!deny && r.status != INSPECT_DONE && p->proto == IPPROTO_UDP && (c == CARRIER_RAW || c == CARRIER_DNS)) {
		/* Datagrams are read one by one, so such a flow needs no state between them, and a
		 * flood of them cannot use up the inspection slots. Past the budget it settles.
		 * TODO: a shared scan stream would spare the allocation per datagram. */
		if (f->bytes < d->cfg.inspect_budget) {
			inspect_flow_free(w->inspect, f->ext);
			f->ext = NULL;
			return true;
		}
		r.status = INSPECT_DONE;
	}
	if (!deny && r.status != INSPECT_DONE)
		return true;
	/* Denied: the rules reset the connection in the kernel; done: the rest stays there. */
	if (deny)
		f->verdict = FLOW_DENY;
	f->stage = FLOW_SETTLED;
	f->inspected = true;
	inspect_flow_free(w->inspect, f->ext);
	f->ext = NULL;
	return true;
}

/* Whether p opens a connection: the first packet of a flow we did not know, or a TCP SYN
 * (a packet still in flight when its flow settled is neither). */
static bool is_new_conn(const struct pkt *p, bool created)
{
	if (created)
		return true;
	return p->proto == IPPROTO_TCP && (p->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
}

static void on_packet(struct queue *q, const struct queue_packet *qp, void *arg)
{
	struct worker *w = arg;
	struct daemon *d = w->d;
	struct flow_key k;
	struct flow *f;
	struct pkt p;
	bool created, ok = true;

	w->stats.packets++;
	if (pkt_parse(&p, qp->data, qp->len) < 0 || (p.fragment && !p.sport)) {
		/* Only TCP and UDP are queued, so this is malformed: drop and count, never guess. */
		w->stats.parse_errors++;
		w->stats.dropped++;
		queue_verdict(q, qp->id, QUEUE_DROP, 0);
		return;
	}
	flow_key_from_pkt(&k, &p);
	f = flow_get(w->flows, &k, w->now_ms, &created);
	f->bytes += qp->len;
	/* A settled flow's packets stay in the kernel, so one that is queued belongs to a new
	 * conntrack entry that reuses the 5-tuple, possibly from another app: decide afresh. So
	 * does a SYN on a flow still under inspection. */
	if (f->stage == FLOW_NEW || f->stage == FLOW_SETTLED ||
	    (f->stage == FLOW_INSPECT && is_new_conn(&p, false))) {
		pthread_mutex_lock(&d->lock);
		ok = decide(w, f, &p, qp->uid, f->stage == FLOW_NEW ? created || !f->app : is_new_conn(&p, false));
		pthread_mutex_unlock(&d->lock);
	}
	if (!ok) {
		/* The sender closed its socket already: drop, and decide at the next packet. */
		f->stage = FLOW_NEW;
		queue_verdict(q, qp->id, QUEUE_DROP, 0);
		return;
	}
	if (f->stage == FLOW_INSPECT && f->recheck) {
		pthread_mutex_lock(&d->lock);
		recheck(w, f, &p);
		pthread_mutex_unlock(&d->lock);
	}
	if (f->stage == FLOW_INSPECT && !inspect_step(w, f, &p)) {
		w->stats.dropped++;
		queue_verdict(q, qp->id, QUEUE_DROP, 0);
		return;
	}
	if (f->verdict == FLOW_ACCEPT) {
		w->stats.accepted++;
		queue_verdict(q, qp->id, f->stage == FLOW_SETTLED ? QUEUE_REPEAT : QUEUE_ACCEPT,
			      f->stage == FLOW_SETTLED ? d->cfg.mark_accept : 0);
	} else {
		/* The rules reject a packet carrying the deny mark and save it in the conntrack mark. */
		w->stats.denied++;
		queue_verdict(q, qp->id, QUEUE_REPEAT, d->cfg.mark_deny);
	}
}

static void forget_decision(struct flow *f, void *arg)
{
	/* A connection under inspection keeps its app (a socket's app does not change): only its
	 * policy is looked at again. Anything else is decided afresh. */
	if (f->stage == FLOW_INSPECT && f->app)
		f->recheck = true;
	else
		f->stage = FLOW_NEW;
}


/* What a flow's conntrack mark should be under the current policy. A flow that is not settled
 * (under inspection: its payload-free ACKs never reach privfwd) only ever gets the deny mark. */
static int64_t redecide(const struct pkt *orig, uint32_t bits, void *arg)
{
	struct daemon *d = arg;
	struct ident_result id;
	bool allow;

	ident_lookup(d->ident, orig, UINT32_MAX, &id);
	/* No socket any more: the flow is ending; a guess by uid could be wrong. */
	if (id.uid == UINT32_MAX)
		return -1;
	allow = policy_network(d->policy, id.app, NULL) == POLICY_ALLOW;
	if (!bits)
		return allow ? -1 : (int64_t)d->cfg.mark_deny;
	return allow ? d->cfg.mark_accept : d->cfg.mark_deny;
}

/* Under d->lock. */
static void policy_changed(struct daemon *d)
{
	int r;

	apps_invalidate(d->apps);
	/* Flows still in user space are decided again at their next packet (each worker forgets
	 * its flows' decisions before its next batch)... */
	__atomic_store_n(&d->policy_epoch, d->policy_epoch + 1, __ATOMIC_RELEASE);
	/* ...and flows the kernel settled get the mark the new policy gives them, so a deny also
	 * cuts established connections (their next packet is rejected in the kernel). */
	if (!d->conntrack)
		return;
	r = conntrack_remark(d->conntrack, d->cfg.mark_accept | d->cfg.mark_deny, redecide, d);
	if (r < 0)
		emit(EVENT_ERROR, LOG_WARNING, NULL, NULL, NULL, -1,
		     "cannot update settled flows: %s", strerror(-r));
	else if (r > 0 && d->debug)
		fprintf(stderr, "privfwd: %d settled flows changed verdict\n", r);
}

int daemon_policy_commit(struct daemon *d, struct policy *next, const char *what)
{
	int r = policy_save(next, d->cfg.policy_path);

	if (r < 0) {
		emit(EVENT_ERROR, LOG_ERR, NULL, NULL, NULL, -1, "cannot save policy %s: %s",
		     d->cfg.policy_path, strerror(-r));
		policy_free(next);
		return r;
	}
	policy_free(d->policy);
	d->policy = next;
	policy_changed(d);
	emit(EVENT_POLICY, LOG_NOTICE, NULL, NULL, NULL, -1, "policy changed: %s", what);
	return 0;
}

int daemon_reload(struct daemon *d, struct policy_error *err)
{
	struct policy *p;
	int r = policy_load(&p, d->cfg.policy_path, err);

	if (r < 0) {
		d->stats.reload_errors++;
		emit(EVENT_ERROR, LOG_ERR, NULL, NULL, NULL, -1,
		     "policy not reloaded, keeping the old one: %s:%d: %s", err->file, err->line, err->msg);
		return r;
	}
	policy_free(d->policy);
	d->policy = p;
	policy_changed(d);
	d->stats.reloads++;
	emit(EVENT_POLICY, LOG_NOTICE, NULL, NULL, NULL, -1, "policy reloaded from %s", d->cfg.policy_path);
	return 0;
}

static int mkdir_parents(const char *path, mode_t mode)
{
	char tmp[256];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* The live policy, or on first start the shipped default copied into place. */
static void load_policy(struct daemon *d)
{
	struct policy_error err = { 0 };
	int r;

	/* A crash in the middle of a save leaves its temp file behind; the policy itself is whole. */
	policy_clean_temp(d->cfg.policy_path);
	r = policy_load(&d->policy, d->cfg.policy_path, &err);
	if (r == 0)
		return;
	if (r != -ENOENT)
		fatal("%s:%d: %s", err.file, err.line, err.msg);
	r = policy_load(&d->policy, d->cfg.default_policy_path, &err);
	if (r == -ENOENT)
		d->policy = policy_new();
	else if (r < 0)
		fatal("%s:%d: %s", err.file, err.line, err.msg);
	if (!d->policy)
		fatal("out of memory");
	if ((r = mkdir_parents(d->cfg.policy_path, 0755)) < 0 ||
	    (r = policy_save(d->policy, d->cfg.policy_path)) < 0)
		fatal("cannot write %s: %s", d->cfg.policy_path, strerror(-r));
}

/* systemd's readiness protocol, without libsystemd. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

static int check_file(const char *path, bool verbose)
{
	struct policy_error err = { 0 };
	int r, kind = config_file_is_policy(path);

	if (kind < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-kind));
		return EXIT_FAILURE;
	}
	if (kind) {
		struct policy *p;

		if ((r = policy_load(&p, path, &err)) < 0) {
			fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
			return EXIT_FAILURE;
		}
		if (verbose)
			policy_print(p, stdout);
		policy_free(p);
	} else {
		struct config c;

		if ((r = config_load(&c, path, &err)) < 0) {
			fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
			return EXIT_FAILURE;
		}
		if (verbose)
			config_print(&c, stdout);
	}
	return EXIT_SUCCESS;
}

static void usage(FILE *f)
{
	fputs("usage: privfwd [-dhVv] [-c file] [--policy file] [--socket path] [--queue num]\n"
	      "               [--sandbox kill|log|off]\n"
	      "       privfwd --check [-v] [file]\n"
	      "       privfwd [-c file] --replay file.pcap [--app name] [--json]\n"
	      "       privfwd [-c file] --rules-env\n"
	      "       privfwd [-c file] --safe-mode-cgroups\n", f);
}

struct opts {
	const char *config, *policy, *socket, *check, *replay, *app;
	bool json;
	const char *user, *selftest;  /* hidden, for tests: --user NAME, --sandbox-selftest=WHAT */
	enum sandbox_mode sandbox;
	long queue;
	bool check_mode, verbose, rules_env, safe_mode;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CHECK = 256, OPT_POLICY, OPT_SOCKET, OPT_QUEUE, OPT_RULES_ENV, OPT_SANDBOX,
	       OPT_SELFTEST, OPT_USER, OPT_REPLAY, OPT_APP, OPT_JSON, OPT_SAFE_MODE };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "queue", required_argument, NULL, OPT_QUEUE },
		{ "rules-env", no_argument, NULL, OPT_RULES_ENV },
		{ "sandbox", required_argument, NULL, OPT_SANDBOX },
		{ "sandbox-selftest", required_argument, NULL, OPT_SELFTEST },
		{ "user", required_argument, NULL, OPT_USER },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "app", required_argument, NULL, OPT_APP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "safe-mode-cgroups", no_argument, NULL, OPT_SAFE_MODE },
		{ 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->queue = -1;
	o->sandbox = SANDBOX_KILL;
	o->config = CONFIG_DEFAULT_PATH;
	while ((c = getopt_long(argc, argv, "c:dhVv", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'd': D.debug = true; break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		case 'V': puts("privfwd 0.1"); exit(EXIT_SUCCESS);
		case 'v': o->verbose = true; break;
		case OPT_CHECK: o->check_mode = true; break;
		case OPT_POLICY: o->policy = optarg; break;
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_RULES_ENV: o->rules_env = true; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_REPLAY: o->replay = optarg; break;
		case OPT_APP: o->app = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_SAFE_MODE: o->safe_mode = true; break;
		case OPT_SANDBOX:
			if (sandbox_mode_parse(optarg, &o->sandbox) < 0) {
				fprintf(stderr, "privfwd: bad sandbox mode: %s\n", optarg);
				exit(EXIT_USAGE);
			}
			break;
		case OPT_SELFTEST:
			if (!sandbox_selftest_valid(optarg)) {
				fprintf(stderr, "privfwd: unknown self-test: %s\n", optarg);
				exit(EXIT_USAGE);
			}
			o->selftest = optarg;
			break;
		case OPT_QUEUE:
			errno = 0;
			o->queue = strtol(optarg, &end, 10);
			if (errno || *end || o->queue < 0 || o->queue > 65535) {
				fprintf(stderr, "privfwd: bad queue number: %s\n", optarg);
				exit(EXIT_USAGE);
			}
			break;
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	if (o->check_mode && optind < argc)
		o->check = argv[optind++];
	if ((o->app || o->json) && !o->replay) {
		fprintf(stderr, "privfwd: --app and --json go with --replay\n");
		exit(EXIT_USAGE);
	}
	if (o->app && !policy_app_id_valid(o->app)) {
		fprintf(stderr, "privfwd: invalid app id: %s\n", o->app);
		exit(EXIT_USAGE);
	}
	if (optind != argc) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

static void load_config(const struct opts *o)
{
	struct policy_error err = { 0 };
	int r;

	config_defaults(&D.cfg);
	r = config_load(&D.cfg, o->config, &err);
	/* A missing config at the default path means defaults; a named one must exist. */
	if (r == -ENOENT && o->config == (const char *)CONFIG_DEFAULT_PATH) {
		r = 0;
		D.config_missing_ok = true;
	}
	if (r < 0)
		fatal("%s:%d: %s", err.file, err.line, err.msg);
	D.config_path = o->config;
	if (o->policy)
		snprintf(D.cfg.policy_path, sizeof(D.cfg.policy_path), "%s", o->policy);
	if (o->socket)
		snprintf(D.cfg.socket_path, sizeof(D.cfg.socket_path), "%s", o->socket);
	if (o->queue >= 0)
		D.cfg.queue = (unsigned)o->queue;
}

static int check_mode(const struct opts *o)
{
	struct config c;
	struct policy_error err = { 0 };
	int r;

	if (o->check)
		return check_file(o->check, o->verbose);
	/* No file: the config, and the policy it names. */
	config_defaults(&c);
	if (config_load(&c, o->config, &err) < 0) {
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
		return EXIT_FAILURE;
	}
	if ((r = check_file(o->config, o->verbose)) != EXIT_SUCCESS)
		return r;
	if (access(c.policy_path, F_OK) == 0)
		return check_file(c.policy_path, o->verbose);
	return EXIT_SUCCESS;
}

/* Starts since boot, kept beside the control socket (a runtime directory that survives
 * restarts): the count of restarts that `privfwctl status` shows. */
static unsigned count_start(const char *socket_path)
{
	char path[256], buf[32] = "";
	const char *slash = strrchr(socket_path, '/');
	unsigned long n = 0;
	ssize_t len;
	int fd;

	if (!slash || snprintf(path, sizeof(path), "%.*s/starts", (int)(slash - socket_path), socket_path) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return 0;
	if ((len = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[len] = '\0';
		n = strtoul(buf, NULL, 10);
	}
	len = snprintf(buf, sizeof(buf), "%lu\n", n + 1);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		n = 0;
	close(fd);
	return (unsigned)n;
}

static int read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/* privfw-compile beside this program (a build tree), else the installed one. */
static void compiler_path(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) &&
		    snprintf(out, len, "%.*s/privfw-compile", (int)(slash - self), self) < (int)len &&
		    access(out, X_OK) == 0)
			return;
	}
	snprintf(out, len, "%s/privfw-compile", LIBEXECDIR);
}

/* The detectors' database, from privfw-compile: Vectorscan's compiler (megabytes of code and a
 * C++ runtime), the expansion's scratch memory and the plain secrets then never become part of
 * this process, which takes the compiled bytes and needs Vectorscan's runtime alone. discover:
 * learn the device's identifiers (the daemon, not a replay); owner_uid: who may own the secrets
 * file besides root. NULL with a message in err. */
static struct detect_db *detectors(const char *config, bool missing_ok, bool discover, unsigned owner_uid,
				   size_t *n_known, char *err, size_t errlen)
{
	struct compiled_header h = { 0 };
	struct detect_db *db = NULL;
	char path[PATH_MAX], uid[16], *buf = NULL;
	int fds[2], status;
	pid_t pid;

	compiler_path(path, sizeof(path));
	snprintf(uid, sizeof(uid), "%u", owner_uid);
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start %.200s: %s", path, strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		const char *argv[] = { "privfw-compile", "-c", config, "--owner-uid", uid, NULL, NULL, NULL };
		size_t i = 5;

		if (missing_ok)
			argv[i++] = "--missing-ok";
		if (discover)
			argv[i++] = "--discover";
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(path, (char *const *)argv);
		fprintf(stderr, "privfwd: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (read_all(fds[0], &h, sizeof(h)) < 0 || h.len > COMPILED_MAX || !(buf = malloc(h.len + 1)) ||
	    read_all(fds[0], buf, h.len) < 0) {
		snprintf(err, errlen, "%.200s failed", path);
		h.ok = 0;
		h.len = 0;
	} else if (!h.ok) {
		snprintf(err, errlen, "%.*s", (int)h.len, buf);
	} else {
		db = detect_db_deserialize(buf, h.len, err, errlen);
		*n_known = h.n_known;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(buf);
	return db;
}

static int replay_mode(const struct opts *o)
{
	struct replay_opts ro = { .path = o->replay, .app = o->app ? o->app : "replay", .json = o->json,
				  .budget = D.cfg.inspect_budget, .out = stdout, .err = stderr };
	struct policy_error err = { 0 };
	struct policy *pol = NULL;
	struct detect_db *db;
	char msg[600];
	size_t n;
	int r;

	db = detectors(D.config_path, D.config_missing_ok, false, (unsigned)getuid(), &n, msg, sizeof(msg));
	if (!db) {
		fprintf(stderr, "privfwd: %s: %s\n", D.config_path, msg);
		return EXIT_FAILURE;
	}
	/* The live policy, else the shipped one, else the built-in defaults; never written. */
	r = policy_load(&pol, D.cfg.policy_path, &err);
	if (r == -ENOENT)
		r = policy_load(&pol, D.cfg.default_policy_path, &err);
	if (r == -ENOENT)
		r = (pol = policy_new()) ? 0 : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "privfwd: %s:%d: %s\n", err.file, err.line, err.msg);
		detect_db_free(db);
		return EXIT_FAILURE;
	}
	r = replay_run(&ro, pol, db);
	policy_free(pol);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* For privfw-rules safe-mode: the cgroups of the apps in safe_mode_allow, one per line. */
static int safe_mode_cgroups(void)
{
	const char *allow[CONFIG_SAFE_MAX];
	char root[256];
	int r;

	for (unsigned i = 0; i < D.cfg.n_safe_mode_allow; i++)
		allow[i] = D.cfg.safe_mode_allow[i];
	if ((r = cgroup_find_mount("/proc/self/mountinfo", root, sizeof(root))) < 0) {
		fprintf(stderr, "privfwd: no cgroup2 mount: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}
	r = safemode_cgroups(root, allow, D.cfg.n_safe_mode_allow, stdout);
	if (r < 0) {
		fprintf(stderr, "privfwd: %s: %s\n", root, strerror(-r));
		return EXIT_FAILURE;
	}
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void release_flow(struct flow *f, void *arg)
{
	struct worker *w = arg;

	inspect_flow_free(w->inspect, f->ext);
}

/* Default: one queue per CPU, at most DAEMON_QUEUES_AUTO_MAX. Configured CPUs, not online
 * ones: phones take cores offline, and the rules (privfw-rules, through --rules-env) must name
 * the same queues privfwd binds whenever either runs. */
static unsigned queue_count(const struct config *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned n = c->queues;

	if (!n)
		n = cpus < 1 ? 1 : cpus > DAEMON_QUEUES_AUTO_MAX ? DAEMON_QUEUES_AUTO_MAX : (unsigned)cpus;
	if (c->queue + n - 1 > 65535)
		n = 65536 - c->queue;
	return n;
}

/* Everything a worker needs is made here, while privfwd is still root; its thread starts after
 * the sandbox is in place (see start_workers). */
static void worker_setup(struct worker *w, unsigned i, struct detect_db *db)
{
	struct epoll_event e = { .events = EPOLLIN };
	uint64_t seed;
	int r;

	w->d = &D;
	w->num = D.cfg.queue + i;
	w->now_ms = w->expired_ms = w->beat_ms = D.now_ms;
	pthread_mutex_init(&w->snap_lock, NULL);
	pthread_mutex_init(&w->notes_lock, NULL);
	/* The seed keys the flow hash: an app that cannot guess it cannot aim for collisions. */
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		fatal("getrandom: %s", strerror(errno));
	w->flows = flow_table_new(D.cfg.flows_max, seed);
	/* The first engine owns the database; the others borrow it and are freed first. */
	w->inspect = i == 0 ? inspect_new(db, D.cfg.inspect_budget) : inspect_new_borrowed(db, D.cfg.inspect_budget);
	if (!w->flows || !w->inspect)
		fatal("out of memory");
	flow_table_set_release(w->flows, release_flow, w);
	w->queue = queue_open(w->num, QUEUE_COPY_RANGE, QUEUE_MAXLEN, QUEUE_RCVBUF, &r);
	if (!w->queue)
		fatal("cannot bind NFQUEUE %u: %s%s", w->num, strerror(-r),
		      r == -EBUSY ? " (another program holds this queue)" : "");
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->wakefd < 0)
		fatal("worker %u: %s", i, strerror(errno));
	e.data.fd = queue_fd(w->queue);
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, e.data.fd, &e) < 0)
		fatal("epoll: %s", strerror(errno));
	e.data.fd = w->wakefd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, e.data.fd, &e) < 0)
		fatal("epoll: %s", strerror(errno));
}

static void worker_publish(struct worker *w)
{
	pthread_mutex_lock(&w->notes_lock);
	w->stats.ends_lost = w->notes_lost;
	pthread_mutex_unlock(&w->notes_lock);
	pthread_mutex_lock(&w->snap_lock);
	w->snap.stats = w->stats;
	queue_get_stats(w->queue, &w->snap.queue);
	inspect_get_stats(w->inspect, &w->snap.inspect);
	w->snap.flows = flow_count(w->flows);
	pthread_mutex_unlock(&w->snap_lock);
}

void daemon_snapshot(struct daemon *d, struct worker_snap *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < d->n_workers; i++) {
		struct worker *w = &d->workers[i];
		const uint64_t *a;
		uint64_t *sum;

		pthread_mutex_lock(&w->snap_lock);
		/* Every member of a snapshot is a uint64_t counter. */
		a = (const uint64_t *)&w->snap;
		sum = (uint64_t *)out;
		for (size_t j = 0; j < sizeof(*out) / sizeof(uint64_t); j++)
			sum[j] += a[j];
		pthread_mutex_unlock(&w->snap_lock);
	}
}

/* A payload-free FIN or RST that went on without privfwd: the end of a connection this
 * worker may be inspecting. What was pending at the stream's end is judged (and reported) and
 * the flow's state freed; its verdict can no longer stop anything, the data went before it. */
static void end_note(struct worker *w, const uint8_t *data, size_t len)
{
	struct flow_key k;
	struct flow *f;
	struct pkt p;

	if (pkt_parse(&p, data, len) < 0 || p.proto != IPPROTO_TCP ||
	    !(p.tcp_flags & (PKT_TCP_FIN | PKT_TCP_RST)))
		return;
	flow_key_from_pkt(&k, &p);
	/* Every worker gets every copy: the flow is one worker's, found in its table. */
	f = flow_find(w->flows, &k);
	if (!f || f->stage != FLOW_INSPECT)
		return;
	w->stats.ends_seen++;
	if (f->recheck) {
		pthread_mutex_lock(&w->d->lock);
		recheck(w, f, &p);
		pthread_mutex_unlock(&w->d->lock);
	}
	if (f->stage == FLOW_INSPECT)
		inspect_step(w, f, &p);
}

/* The notes come after the packets queued before them: the queue is drained first, so a data
 * segment sent before the FIN is inspected before the FIN ends its stream. */
static void worker_notes(struct worker *w)
{
	struct worker_note n;
	uint64_t ticks;

	if (read(w->wakefd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	queue_dispatch(w->queue, on_packet, w);
	for (;;) {
		pthread_mutex_lock(&w->notes_lock);
		if (!w->notes_n) {
			pthread_mutex_unlock(&w->notes_lock);
			return;
		}
		n = w->notes[w->notes_head];
		w->notes_head = (w->notes_head + 1) % WORKER_NOTES;
		w->notes_n--;
		pthread_mutex_unlock(&w->notes_lock);
		end_note(w, n.data, n.len);
	}
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct daemon *d = w->d;
	uint64_t now_us = mono_us(), poll_until = 0;

	while (!__atomic_load_n(&d->stop_workers, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev[2];
		unsigned epoch;
		int handled = 0;
		/* Within queue_poll_us of the last packet the next one is looked for without
		 * sleeping: a wake-up costs more than the wait, and the packets of a connection come
		 * close together (its data after the SYN's round trip). */
		int n = epoll_wait(w->epfd, ev, 2, now_us < poll_until ? 0 : 1000);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		/* Nothing yet: the app and the receiver, which make the next packet, may need this
		 * CPU more than the poll does. */
		if (n == 0 && now_us < poll_until)
			sched_yield();
		now_us = mono_us();
		w->now_ms = now_us / 1000;
		__atomic_store_n(&w->beat_ms, w->now_ms, __ATOMIC_RELAXED);
		/* A policy change: every flow still in user space is decided again. */
		epoch = __atomic_load_n(&d->policy_epoch, __ATOMIC_ACQUIRE);
		if (epoch != w->epoch) {
			flow_foreach(w->flows, forget_decision, NULL);
			w->epoch = epoch;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == queue_fd(w->queue)) {
				if (queue_dispatch(w->queue, on_packet, w) > 0) {
					handled = 1;
					poll_until = mono_us() + d->cfg.queue_poll_us;
				}
			} else if (ev[i].data.fd == w->wakefd) {
				worker_notes(w);
				handled = 1;
			}
		}
		if (w->now_ms - w->expired_ms >= 1000) {
			flow_expire(w->flows, w->now_ms);
			w->expired_ms = w->now_ms;
			handled = 1;
		}
		if (handled)
			worker_publish(w);
	}
	return NULL;
}

/* A copy from nflog: into every worker's mailbox (the kernel's balance hash, which says whose
 * flow it is, is keyed with a secret). */
static void on_note(const uint8_t *data, size_t len, void *arg)
{
	bool *woken = arg;

	if (len > NFLOG_COPY)
		return;
	for (unsigned i = 0; i < D.n_workers; i++) {
		struct worker *w = &D.workers[i];

		pthread_mutex_lock(&w->notes_lock);
		if (w->notes_n == WORKER_NOTES) {
			w->notes_lost++;
		} else {
			struct worker_note *n = &w->notes[(w->notes_head + w->notes_n++) % WORKER_NOTES];

			n->len = (uint16_t)len;
			memcpy(n->data, data, len);
			woken[i] = true;
		}
		pthread_mutex_unlock(&w->notes_lock);
	}
}

static void dispatch_notes(void)
{
	bool woken[CONFIG_QUEUES_MAX] = { false };
	uint64_t one = 1;

	nflog_dispatch(D.nflog, on_note, woken);
	for (unsigned i = 0; i < D.n_workers; i++)
		if (woken[i] && write(D.workers[i].wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			fprintf(stderr, "privfwd: cannot wake queue %u: %s\n", D.workers[i].num, strerror(errno));
}

/* After the sandbox: threads inherit its filter, credentials and capabilities, and the signal
 * mask that leaves signals to the main loop's signalfd. */
static void start_workers(void)
{
	for (unsigned i = 0; i < D.n_workers; i++) {
		int r = pthread_create(&D.workers[i].thread, NULL, worker_main, &D.workers[i]);

		if (r)
			fatal("cannot start the thread of queue %u: %s", D.workers[i].num, strerror(r));
		D.workers[i].started = true;
	}
}

static void stop_workers(void)
{
	uint64_t one = 1;

	__atomic_store_n(&D.stop_workers, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < D.n_workers; i++)
		if (D.workers[i].started && write(D.workers[i].wakefd, &one, sizeof(one)) < 0)
			fprintf(stderr, "privfwd: cannot wake queue %u: %s\n", D.workers[i].num, strerror(errno));
	for (unsigned i = 0; i < D.n_workers; i++)
		if (D.workers[i].started) {
			pthread_join(D.workers[i].thread, NULL);
			D.workers[i].started = false;
		}
}

static void setup(void)
{
	struct detect_db *db;
	char msg[600];
	char root[256];
	struct group *g;
	gid_t admin = (gid_t)-1;
	int r;

	D.started = time(NULL);
	D.now_ms = mono_ms();
	pthread_mutex_init(&D.lock, NULL);
	D.events = events_new(EVENTS_RING, D.cfg.event_rate, NULL);
	D.apps = apps_new(APPS_MAX);
	D.n_workers = queue_count(&D.cfg);
	D.workers = calloc(D.n_workers, sizeof(*D.workers));
	if (!D.events || !D.apps || !D.workers)
		fatal("out of memory");
	load_policy(&D);
	/* While root: the secrets file is root's, and the modem is asked through mmcli. */
	db = detectors(D.config_path, D.config_missing_ok, D.cfg.identity_discover, 0, &D.n_known, msg,
		       sizeof(msg));
	if (!db)
		fatal("%s: %s", D.config_path, msg);
	D.db = db;
	r = cgroup_find_mount("/proc/self/mountinfo", root, sizeof(root));
	if (r < 0)
		fprintf(stderr, "privfwd: no cgroup2 mount (%s): apps will be named by uid\n", strerror(-r));
	D.ident = ident_new(r < 0 ? NULL : root);
	if (!D.ident)
		fatal("cannot open sock_diag: %s", strerror(errno));
	if ((g = getgrnam("privfw")))
		admin = g->gr_gid;
	if ((r = mkdir_parents(D.cfg.socket_path, 0755)) < 0)
		fatal("cannot create the directory of %s: %s", D.cfg.socket_path, strerror(-r));
	D.restarts = count_start(D.cfg.socket_path);
	D.ctl = ctl_open(D.cfg.socket_path, admin, api_handle, &D, &r);
	if (!D.ctl)
		fatal("cannot listen on %s: %s", D.cfg.socket_path, strerror(-r));
	/* Without ctnetlink, policy changes reach new flows only. */
	D.conntrack = conntrack_open();
	if (!D.conntrack)
		fprintf(stderr, "privfwd: no ctnetlink (%s): policy changes apply to new flows only\n",
			strerror(errno));
	D.nfq_proc_fd = open("/proc/net/netfilter/nfnetlink_queue", O_RDONLY | O_CLOEXEC);
	for (unsigned i = 0; i < D.n_workers; i++)
		worker_setup(&D.workers[i], i, db);
	/* The rules send payload-free FINs and RSTs of unsettled flows to the group of our first
	 * queue's number, and let them go on. Without it they are queued instead. */
	D.nflog = nflog_open((uint16_t)D.cfg.queue, &r);
	if (!D.nflog)
		fprintf(stderr, "privfwd: no nfnetlink_log group %u (%s): flows under inspection end"
			" only when their FIN is queued or they expire\n", D.cfg.queue, strerror(-r));
}

/* systemd's watchdog is fed only while verdicts keep up with packets: a loop that runs but no
 * longer answers the queue gets restarted too. */
static void watchdog(void)
{
	static uint64_t last_verdicts[CONFIG_QUEUES_MAX];
	static bool enabled, checked;
	bool ok = true;

	if (!checked) {
		enabled = getenv("WATCHDOG_USEC") != NULL;
		checked = true;
	}
	if (!enabled)
		return;
	/* Every worker must turn its loop (it wakes at least once a second) and keep up. */
	for (unsigned i = 0; i < D.n_workers; i++) {
		struct worker *w = &D.workers[i];
		uint64_t verdicts, packets;

		pthread_mutex_lock(&w->snap_lock);
		verdicts = w->snap.queue.verdicts;
		packets = w->snap.queue.packets;
		pthread_mutex_unlock(&w->snap_lock);
		if (D.now_ms - __atomic_load_n(&w->beat_ms, __ATOMIC_RELAXED) > 3000 ||
		    (verdicts == last_verdicts[i] && verdicts != packets))
			ok = false;
		last_verdicts[i] = verdicts;
	}
	if (ok)
		notify("WATCHDOG=1");
}

static int loop(void)
{
	struct epoll_event ev[8];
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;
	int efd, sfd, tfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	efd = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (efd < 0 || sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		fatal("event loop: %s", strerror(errno));
	const int fds[] = { ctl_fd(D.ctl), sfd, tfd, D.nflog ? nflog_fd(D.nflog) : -1 };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]) && fds[i] >= 0; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.fd = fds[i] };

		if (epoll_ctl(efd, EPOLL_CTL_ADD, fds[i], &e) < 0)
			fatal("epoll: %s", strerror(errno));
	}

	start_workers();
	notify("READY=1\nSTATUS=filtering");
	pthread_mutex_lock(&D.lock);
	if (D.n_workers == 1)
		emit(EVENT_START, LOG_INFO, NULL, NULL, NULL, -1, "privfwd started on queue %u (fail-%s)",
		     D.cfg.queue, D.cfg.fail_open ? "open" : "closed");
	else
		emit(EVENT_START, LOG_INFO, NULL, NULL, NULL, -1, "privfwd started on queues %u-%u (fail-%s)",
		     D.cfg.queue, D.cfg.queue + D.n_workers - 1, D.cfg.fail_open ? "open" : "closed");
	pthread_mutex_unlock(&D.lock);
	while (!D.stop) {
		int n = epoll_wait(efd, ev, 8, -1);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		D.now_ms = mono_ms();
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (D.nflog && fd == nflog_fd(D.nflog)) {
				dispatch_notes();
			} else if (fd == ctl_fd(D.ctl)) {
				pthread_mutex_lock(&D.lock);
				ctl_dispatch(D.ctl, D.now_ms);
				pthread_mutex_unlock(&D.lock);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;
				struct policy_error err;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						pthread_mutex_lock(&D.lock);
						daemon_reload(&D, &err);
						pthread_mutex_unlock(&D.lock);
					} else {
						D.stop = true;
					}
				}
			} else if (fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				pthread_mutex_lock(&D.lock);
				ctl_tick(D.ctl, D.now_ms);
				pthread_mutex_unlock(&D.lock);
				watchdog();
			}
		}
	}
	notify("STOPPING=1");
	stop_workers();
	emit(EVENT_STOP, LOG_INFO, NULL, NULL, NULL, -1, "privfwd stopping");
	close(tfd);
	close(sfd);
	close(efd);
	return EXIT_SUCCESS;
}

static void teardown(void)
{
	/* Borrowers of the database before its owner, worker 0. */
	for (unsigned i = D.n_workers; i-- > 0;) {
		struct worker *w = &D.workers[i];

		queue_close(w->queue);
		flow_table_free(w->flows);
		inspect_free(w->inspect);
		close(w->epfd);
		close(w->wakefd);
		pthread_mutex_destroy(&w->snap_lock);
		pthread_mutex_destroy(&w->notes_lock);
	}
	free(D.workers);
	nflog_close(D.nflog);
	ctl_close(D.ctl);
	ident_free(D.ident);
	conntrack_close(D.conntrack);
	if (D.nfq_proc_fd >= 0)
		close(D.nfq_proc_fd);
	apps_free(D.apps);
	policy_free(D.policy);
	events_free(D.events);
}

int main(int argc, char **argv)
{
	struct opts o;
	int r;

	parse_args(argc, argv, &o);
	if (o.check_mode)
		return check_mode(&o);
	load_config(&o);
	if (o.replay)
		return replay_mode(&o);
	if (o.safe_mode)
		return safe_mode_cgroups();
	if (o.rules_env) {
		printf("QUEUE=%u\nQUEUES=%u\nFAIL_OPEN=%d\nQUEUE_LOOPBACK=%d\nMARK_ACCEPT=0x%x\nMARK_DENY=0x%x\n",
		       D.cfg.queue, queue_count(&D.cfg), D.cfg.fail_open, D.cfg.queue_loopback,
		       D.cfg.mark_accept, D.cfg.mark_deny);
		return EXIT_SUCCESS;
	}
	setup();
	/* Every descriptor is open and the policy is read: drop root, then confine. */
	struct sandbox_opts so = { .mode = o.sandbox, .user = o.user, .policy_path = D.cfg.policy_path,
				   .socket_path = D.cfg.socket_path };
	if ((r = sandbox_apply(&so)) < 0)
		fatal("sandbox: %s", strerror(-r));
	if (o.selftest)
		sandbox_selftest(o.selftest);
	r = loop();
	teardown();
	return r;
}
