/* privfwd: the privacy firewall daemon. main() reads as the table of contents: set up, loop, tear down. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "apps.h"
#include "cgroup.h"
#include "config.h"
#include "conntrack.h"
#include "ctl.h"
#include "daemon.h"
#include "events.h"
#include "flow.h"
#include "ident.h"
#include "pkt.h"
#include "policy.h"
#include "queue.h"
#include "sandbox.h"

#define APPS_MAX 4096
#define EVENTS_RING 1024
#define QUEUE_MAXLEN 4096
#define QUEUE_RCVBUF (4 * 1024 * 1024)
/* Enough for every header and the start of the payload; inspection will raise it. */
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

/* The first packet of a flow: who sent it, and what does the policy say? count says whether
 * this starts a flow the counters should see (not a re-decision after a policy change). */
static bool decide(struct daemon *d, struct flow *f, const struct pkt *p, uint32_t uid_hint, bool count)
{
	struct ident_result id;
	struct app_entry *app;
	bool created, recount = !count;
	time_t now = time(NULL);
	int64_t uid;

	ident_lookup(d->ident, p, uid_hint, &id);
	if (id.orphan) {
		d->stats.orphans++;
		return false;
	}
	uid = id.uid == UINT32_MAX ? -1 : (int64_t)id.uid;
	app = apps_get(d->apps, id.app, now, &created);
	if (created && d->policy->log_new_apps)
		emit(EVENT_NEW_APP, LOG_NOTICE, app->id, NULL, p, uid, "new app %s", app->id);
	if (!app) {
		/* Registry full: the default decides, and no counters are kept. */
		f->verdict = d->policy->default_network == POLICY_ALLOW ? FLOW_ACCEPT : FLOW_DENY;
		f->stage = FLOW_SETTLED;
		return true;
	}
	if (app->net < 0)
		app->net = policy_network(d->policy, app->id, NULL);
	f->app = app;
	f->verdict = app->net == POLICY_ALLOW ? FLOW_ACCEPT : FLOW_DENY;
	/* Nothing to inspect yet, so the decision is final at the first packet. */
	f->stage = FLOW_SETTLED;
	app->last_seen = now;
	app->uid = uid;
	if (recount)
		return true;
	d->stats.flows++;
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
	struct daemon *d = arg;
	struct flow_key k;
	struct flow *f;
	struct pkt p;
	bool created;

	d->stats.packets++;
	if (pkt_parse(&p, qp->data, qp->len) < 0 || (p.fragment && !p.sport)) {
		/* Only TCP and UDP are queued, so this is malformed: drop and count, never guess. */
		d->stats.parse_errors++;
		d->stats.dropped++;
		queue_verdict(q, qp->id, QUEUE_DROP, 0);
		return;
	}
	flow_key_from_pkt(&k, &p);
	f = flow_get(d->flows, &k, d->now_ms, &created);
	f->packets++;
	f->bytes += qp->len;
	/* A settled flow's packets stay in the kernel, so one that is queued belongs to a new
	 * conntrack entry that reuses the 5-tuple, possibly from another app: decide afresh. */
	if (f->stage == FLOW_NEW || f->stage == FLOW_SETTLED)
		if (!decide(d, f, &p, qp->uid, f->stage == FLOW_NEW ? created || !f->app : is_new_conn(&p, false))) {
			/* The sender closed its socket already: drop, and decide at the next packet. */
			f->stage = FLOW_NEW;
			queue_verdict(q, qp->id, QUEUE_DROP, 0);
			return;
		}
	if (f->verdict == FLOW_ACCEPT) {
		d->stats.accepted++;
		queue_verdict(q, qp->id, f->stage == FLOW_SETTLED ? QUEUE_REPEAT : QUEUE_ACCEPT,
			      f->stage == FLOW_SETTLED ? d->cfg.mark_accept : 0);
	} else {
		/* The rules reject a packet carrying the deny mark and save it in the conntrack mark. */
		d->stats.denied++;
		queue_verdict(q, qp->id, QUEUE_REPEAT, d->cfg.mark_deny);
	}
}

static void forget_decision(struct flow *f, void *arg)
{
	f->stage = FLOW_NEW;
}

/* What a settled flow's conntrack mark should be under the current policy. */
static int64_t redecide(const struct pkt *orig, uint32_t bits, void *arg)
{
	struct daemon *d = arg;
	struct ident_result id;

	ident_lookup(d->ident, orig, UINT32_MAX, &id);
	/* No socket any more: the flow is ending; a guess by uid could be wrong. */
	if (id.uid == UINT32_MAX)
		return -1;
	return policy_network(d->policy, id.app, NULL) == POLICY_ALLOW ? d->cfg.mark_accept
									 : d->cfg.mark_deny;
}

static void policy_changed(struct daemon *d)
{
	int r;

	apps_invalidate(d->apps);
	/* Flows still in user space are decided again at their next packet... */
	flow_foreach(d->flows, forget_decision, NULL);
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
	      "       privfwd [-c file] --rules-env\n", f);
}

struct opts {
	const char *config, *policy, *socket, *check;
	const char *user, *selftest;  /* hidden, for tests: --user NAME, --sandbox-selftest=WHAT */
	enum sandbox_mode sandbox;
	long queue;
	bool check_mode, verbose, rules_env;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CHECK = 256, OPT_POLICY, OPT_SOCKET, OPT_QUEUE, OPT_RULES_ENV, OPT_SANDBOX,
	       OPT_SELFTEST, OPT_USER };
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
	if (r == -ENOENT && o->config == (const char *)CONFIG_DEFAULT_PATH)
		r = 0;
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

static void setup(void)
{
	char root[256];
	struct group *g;
	gid_t admin = (gid_t)-1;
	int r;

	D.started = time(NULL);
	D.now_ms = mono_ms();
	D.events = events_new(EVENTS_RING, D.cfg.event_rate, NULL);
	D.apps = apps_new(APPS_MAX);
	D.flows = flow_table_new(D.cfg.flows_max, ((uint64_t)getpid() << 32) ^ (uint64_t)D.now_ms ^
				 (uint64_t)(uintptr_t)&D);
	if (!D.events || !D.apps || !D.flows)
		fatal("out of memory");
	load_policy(&D);
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
	D.ctl = ctl_open(D.cfg.socket_path, admin, api_handle, &D, &r);
	if (!D.ctl)
		fatal("cannot listen on %s: %s", D.cfg.socket_path, strerror(-r));
	/* Without ctnetlink, policy changes reach new flows only. */
	D.conntrack = conntrack_open();
	if (!D.conntrack)
		fprintf(stderr, "privfwd: no ctnetlink (%s): policy changes apply to new flows only\n",
			strerror(errno));
	D.nfq_proc_fd = open("/proc/net/netfilter/nfnetlink_queue", O_RDONLY | O_CLOEXEC);
	D.queue = queue_open(D.cfg.queue, QUEUE_COPY_RANGE, QUEUE_MAXLEN, QUEUE_RCVBUF, &r);
	if (!D.queue)
		fatal("cannot bind NFQUEUE %u: %s%s", D.cfg.queue, strerror(-r),
		      r == -EBUSY ? " (another program holds this queue)" : "");
}

/* systemd's watchdog is fed only while verdicts keep up with packets: a loop that runs but no
 * longer answers the queue gets restarted too. */
static void watchdog(void)
{
	static uint64_t last_verdicts;
	static bool enabled, checked;
	struct queue_stats qs;

	if (!checked) {
		enabled = getenv("WATCHDOG_USEC") != NULL;
		checked = true;
	}
	if (!enabled)
		return;
	queue_get_stats(D.queue, &qs);
	if (qs.verdicts != last_verdicts || qs.verdicts == qs.packets)
		notify("WATCHDOG=1");
	last_verdicts = qs.verdicts;
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
	const int fds[] = { queue_fd(D.queue), ctl_fd(D.ctl), sfd, tfd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.fd = fds[i] };

		if (epoll_ctl(efd, EPOLL_CTL_ADD, fds[i], &e) < 0)
			fatal("epoll: %s", strerror(errno));
	}

	notify("READY=1\nSTATUS=filtering");
	emit(EVENT_START, LOG_INFO, NULL, NULL, NULL, -1, "privfwd started on queue %u (fail-%s)",
	     D.cfg.queue, D.cfg.fail_open ? "open" : "closed");
	while (!D.stop) {
		int n = epoll_wait(efd, ev, 8, -1);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait: %s", strerror(errno));
		D.now_ms = mono_ms();
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == queue_fd(D.queue)) {
				queue_dispatch(D.queue, on_packet, &D);
			} else if (fd == ctl_fd(D.ctl)) {
				ctl_dispatch(D.ctl, D.now_ms);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;
				struct policy_error err;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						daemon_reload(&D, &err);
					else
						D.stop = true;
				}
			} else if (fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				flow_expire(D.flows, D.now_ms);
				ctl_tick(D.ctl, D.now_ms);
				watchdog();
			}
		}
	}
	notify("STOPPING=1");
	emit(EVENT_STOP, LOG_INFO, NULL, NULL, NULL, -1, "privfwd stopping");
	close(tfd);
	close(sfd);
	close(efd);
	return EXIT_SUCCESS;
}

static void teardown(void)
{
	queue_close(D.queue);
	ctl_close(D.ctl);
	ident_free(D.ident);
	conntrack_close(D.conntrack);
	if (D.nfq_proc_fd >= 0)
		close(D.nfq_proc_fd);
	flow_table_free(D.flows);
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
	if (o.rules_env) {
		printf("QUEUE=%u\nFAIL_OPEN=%d\nQUEUE_LOOPBACK=%d\nMARK_ACCEPT=0x%x\nMARK_DENY=0x%x\n",
		       D.cfg.queue, D.cfg.fail_open, D.cfg.queue_loopback, D.cfg.mark_accept,
		       D.cfg.mark_deny);
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
