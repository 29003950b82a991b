/* events: journal datagrams against a fake journald socket, rate limiting, the ring, the stderr
 * fallback, and (when one runs here) a real journald. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "unit.h"

struct journal {
	char dir[48];
	char path[100];
	int fd;
};

static int journal_bind(struct journal *j)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", j->path);
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0)
		return -errno;
	if (bind(j->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int journal_open(struct journal *j)
{
	snprintf(j->dir, sizeof(j->dir), "/tmp/privfw-test-events.XXXXXX");
	j->fd = -1;
	if (!mkdtemp(j->dir))
		return -errno;
	snprintf(j->path, sizeof(j->path), "%s/socket", j->dir);
	return journal_bind(j);
}

static void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	unlink(j->path);
	rmdir(j->dir);
}

/* One datagram, NUL-terminated; -1 when none arrives within ms. */
static ssize_t journal_recv(struct journal *j, char *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = j->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -1;
	n = recv(j->fd, buf, size - 1, 0);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int journal_drain(struct journal *j)
{
	char buf[4096];
	int n = 0;

	while (journal_recv(j, buf, sizeof(buf), 50) >= 0)
		n++;
	return n;
}

/* The value of KEY in a datagram of KEY=value lines; false when absent. Every line must have a
 * key and a '=' and end with '\n', or the whole datagram is rejected. */
static bool field(const char *dgram, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *nl;

	for (const char *l = dgram; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl || !strchr(l, '=') || strchr(l, '=') > nl || *l == '=')
			return false;
		if (!strncmp(l, key, klen) && l[klen] == '=') {
			snprintf(out, size, "%.*s", (int)(nl - l - (ptrdiff_t)klen - 1), l + klen + 1);
			found = true;
		}
	}
	return found;
}

static int count_lines(const char *dgram)
{
	int n = 0;

	for (; *dgram; dgram++)
		n += *dgram == '\n';
	return n;
}

static struct event make(enum event_kind kind, const char *app, const char *msg)
{
	struct event e = { .kind = kind, .priority = LOG_INFO, .uid = -1 };

	snprintf(e.app, sizeof(e.app), "%s", app);
	snprintf(e.message, sizeof(e.message), "%s", msg);
	return e;
}

static bool is_id(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void test_names_ids(void)
{
	static const char *const names[] = { "start", "stop", "new-app", "deny", "policy", "error", "data",
						"host-deny" };

	CU_ASSERT_EQUAL_FATAL(sizeof(names) / sizeof(names[0]), EVENT_KIND_MAX);
	for (int k = 0; k < EVENT_KIND_MAX; k++) {
		CU_ASSERT_STRING_EQUAL(event_kind_name(k), names[k]);
		CU_ASSERT(is_id(event_message_id(k)));
		for (int l = 0; l < k; l++)
			CU_ASSERT_STRING_NOT_EQUAL(event_message_id(k), event_message_id(l));
	}
	CU_ASSERT_STRING_EQUAL(event_kind_name(EVENT_KIND_MAX), "unknown");
	CU_ASSERT(is_id(event_message_id(EVENT_KIND_MAX)));
}

static void test_new_free(void)
{
	char longpath[200];

	events_free(NULL);
	CU_ASSERT_EQUAL(events_suppressed(NULL), 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(events_new(0, 5, "/nonexistent"));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(events_new(8, 0, "/nonexistent"));
	CU_ASSERT_EQUAL(errno, EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	errno = 0;
	CU_ASSERT_PTR_NULL(events_new(8, 5, longpath));
	CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
}

static void test_fields(void)
{
	struct journal j;
	struct events *ev;
	struct event e = { .kind = EVENT_FLOW_DENY, .priority = LOG_WARNING, .uid = 1000 };
	char d[4096], v[512];

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	snprintf(e.app, sizeof(e.app), "org.gnome.Maps");
	snprintf(e.action, sizeof(e.action), "deny");
	snprintf(e.proto, sizeof(e.proto), "tcp");
	snprintf(e.dest, sizeof(e.dest), "203.0.113.9:443");
	snprintf(e.message, sizeof(e.message), "denied tcp flow of org.gnome.Maps");
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	CU_ASSERT_EQUAL(count_lines(d), 10);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, "denied tcp flow of org.gnome.Maps"));
	CU_ASSERT(field(d, "PRIORITY", v, sizeof(v)) && !strcmp(v, "4"));
	CU_ASSERT(field(d, "MESSAGE_ID", v, sizeof(v)) &&
		  !strcmp(v, event_message_id(EVENT_FLOW_DENY)));
	CU_ASSERT(field(d, "SYSLOG_IDENTIFIER", v, sizeof(v)) && !strcmp(v, "privfwd"));
	CU_ASSERT(field(d, "PRIVFW_EVENT", v, sizeof(v)) && !strcmp(v, "deny"));
	CU_ASSERT(field(d, "PRIVFW_APP", v, sizeof(v)) && !strcmp(v, "org.gnome.Maps"));
	CU_ASSERT(field(d, "PRIVFW_ACTION", v, sizeof(v)) && !strcmp(v, "deny"));
	CU_ASSERT(field(d, "PRIVFW_PROTO", v, sizeof(v)) && !strcmp(v, "tcp"));
	CU_ASSERT(field(d, "PRIVFW_DEST", v, sizeof(v)) && !strcmp(v, "203.0.113.9:443"));
	CU_ASSERT(field(d, "PRIVFW_UID", v, sizeof(v)) && !strcmp(v, "1000"));

	/* Empty fields and uid -1 are left out; uid 0 is a real uid. */
	e = make(EVENT_START, "", "privfwd started");
	e.priority = LOG_NOTICE;
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	CU_ASSERT_EQUAL(count_lines(d), 5);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, "privfwd started"));
	CU_ASSERT(field(d, "PRIORITY", v, sizeof(v)) && !strcmp(v, "5"));
	CU_ASSERT(field(d, "MESSAGE_ID", v, sizeof(v)) && !strcmp(v, event_message_id(EVENT_START)));
	CU_ASSERT(field(d, "PRIVFW_EVENT", v, sizeof(v)) && !strcmp(v, "start"));
	CU_ASSERT(!field(d, "PRIVFW_APP", v, sizeof(v)));
	CU_ASSERT(!field(d, "PRIVFW_UID", v, sizeof(v)));
	CU_ASSERT(!field(d, "PRIVFW_DEST", v, sizeof(v)));
	e = make(EVENT_POLICY, "uid:0", "policy changed");
	e.uid = 0;
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	CU_ASSERT(field(d, "PRIVFW_UID", v, sizeof(v)) && !strcmp(v, "0"));
	CU_ASSERT(field(d, "PRIVFW_EVENT", v, sizeof(v)) && !strcmp(v, "policy"));
	CU_ASSERT(field(d, "PRIORITY", v, sizeof(v)) && !strcmp(v, "6"));
	CU_ASSERT_EQUAL(events_suppressed(ev), 0);
	events_free(ev);
	journal_close(&j);
}

static void test_sanitize(void)
{
	struct journal j;
	struct events *ev;
	struct event e = make(EVENT_ERROR, "a\nb", "line1\nMESSAGE=forged\nPRIORITY=0");
	char d[4096], v[512];

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	/* Unterminated strings are cut at the field size, not read past it. */
	memset(e.dest, 'x', sizeof(e.dest));
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	CU_ASSERT_EQUAL(count_lines(d), 7);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) &&
		  !strcmp(v, "line1 MESSAGE=forged PRIORITY=0"));
	CU_ASSERT(field(d, "PRIORITY", v, sizeof(v)) && !strcmp(v, "6"));
	CU_ASSERT(field(d, "PRIVFW_APP", v, sizeof(v)) && !strcmp(v, "a b"));
	CU_ASSERT(field(d, "PRIVFW_DEST", v, sizeof(v)) && strlen(v) == sizeof(e.dest) - 1);
	CU_ASSERT(strstr(d, "\nMESSAGE=forged") == NULL);
	CU_ASSERT(strstr(d, "\nPRIORITY=0") == NULL);
	events_free(ev);
	journal_close(&j);
}

static void test_rate_limit(void)
{
	struct journal j;
	struct events *ev;
	struct event e, tail[16];
	char d[4096], v[512], want[128];
	uint64_t sup;
	size_t n;
	int got;

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	for (int i = 0; i < 50; i++) {
		char msg[32];

		snprintf(msg, sizeof(msg), "deny %d", i);
		e = make(EVENT_FLOW_DENY, "org.example.Leaky", msg);
		events_emit(ev, &e);
	}
	got = journal_drain(&j);
	CU_ASSERT(got >= 5 && got <= 6);
	sup = events_suppressed(ev);
	CU_ASSERT_EQUAL(sup, (uint64_t)(50 - got));
	/* The ring keeps every event, limited or not. */
	n = events_tail(ev, tail, 16);
	CU_ASSERT_EQUAL_FATAL(n, 8);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "deny %zu", 42 + i);
		CU_ASSERT_STRING_EQUAL(tail[i].message, want);
	}

	/* START is never limited, and the first one out says how many were dropped. */
	for (int i = 0; i < 8; i++) {
		e = make(EVENT_START, "", "started");
		events_emit(ev, &e);
	}
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	snprintf(want, sizeof(want), "started (%" PRIu64 " events suppressed)", sup);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, want));
	for (int i = 1; i < 8; i++) {
		CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
		CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, "started"));
	}
	CU_ASSERT_EQUAL(journal_drain(&j), 0);
	CU_ASSERT_EQUAL(events_suppressed(ev), sup);
	events_free(ev);

	/* When the bucket refills, the next limited event carries the count. */
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	for (int i = 0; i < 10; i++) {
		e = make(EVENT_NEW_APP, "org.example.App", "new app");
		events_emit(ev, &e);
	}
	got = journal_drain(&j);
	CU_ASSERT(got >= 5 && got <= 6);
	usleep(250 * 1000);
	e = make(EVENT_NEW_APP, "org.example.App", "new app");
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	snprintf(want, sizeof(want), "new app (%d events suppressed)", 10 - got);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, want));
	/* The bucket is empty again right after. */
	events_emit(ev, &e);
	CU_ASSERT_EQUAL(journal_drain(&j), 0);
	events_free(ev);
	journal_close(&j);
}

static void test_ring(void)
{
	struct journal j;
	struct events *ev;
	struct event e, tail[8];
	char want[32];
	size_t n;

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(4, 100, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(events_tail(ev, tail, 8), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "event %d", i);
		e = make(i % 2 ? EVENT_POLICY : EVENT_ERROR, "", want);
		e.time_us = i == 9 ? 1234 : 0;
		events_emit(ev, &e);
		CU_ASSERT_EQUAL(journal_drain(&j), 1);
	}
	n = events_tail(ev, tail, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "event %zu", 6 + i);
		CU_ASSERT_STRING_EQUAL(tail[i].message, want);
		CU_ASSERT_EQUAL(tail[i].kind, (6 + i) % 2 ? EVENT_POLICY : EVENT_ERROR);
	}
	CU_ASSERT(tail[0].time_us > 1600000000ULL * 1000000);
	CU_ASSERT_EQUAL(tail[3].time_us, 1234);
	n = events_tail(ev, tail, 2);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(tail[0].message, "event 8");
	CU_ASSERT_STRING_EQUAL(tail[1].message, "event 9");
	CU_ASSERT_EQUAL(events_tail(ev, tail, 0), 0);
	events_free(ev);
	journal_close(&j);
}

/* The ring packs events at their strings' length: long ones push out several short ones, and
 * whatever is left reads back exactly, newest last, across many wraps of the arena. */
static void test_ring_packed(void)
{
	static struct event sent[3000], tail[64];
	struct journal j;
	struct events *ev;
	unsigned seed = 7;
	size_t n, total = 0, longest = 0;

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(64, 100000, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	for (int i = 0; i < 3000; i++) {
		struct event *e = &sent[i];
		/* Short ones first, so the ring fills to its count; then every other one long. */
		size_t len = (seed = seed * 1103515245 + 12345) >> 16 & 1 && i >= 100 ? 255 : (seed >> 8) % 40;

		memset(e, 0, sizeof(*e));
		e->kind = EVENT_DATA;
		e->priority = LOG_NOTICE;
		e->uid = i;
		e->time_us = 1000 + (uint64_t)i;
		memset(e->app, 'a' + i % 26, len);
		memset(e->host, 'h', len / 2);
		memset(e->message, 'm', len);
		snprintf(e->mask, sizeof(e->mask), "***%d", i);
		events_emit(ev, e);
		journal_drain(&j);
		n = events_tail(ev, tail, 64);
		CU_ASSERT_FATAL(n >= 1 && n <= 64);
		for (size_t k = 0; k < n; k++) {
			const struct event *want = &sent[i + 1 - n + k], *got = &tail[k];

			CU_ASSERT_EQUAL(got->uid, want->uid);
			CU_ASSERT_EQUAL(got->time_us, want->time_us);
			CU_ASSERT_EQUAL(got->kind, EVENT_DATA);
			CU_ASSERT_STRING_EQUAL(got->app, want->app);
			CU_ASSERT_STRING_EQUAL(got->host, want->host);
			CU_ASSERT_STRING_EQUAL(got->message, want->message);
			CU_ASSERT_STRING_EQUAL(got->mask, want->mask);
		}
		total += n;
		longest = n > longest ? n : longest;
	}
	/* Short events fill the ring; long ones leave fewer. */
	CU_ASSERT_EQUAL(longest, 64);
	CU_ASSERT(total < 3000 * 64);
	events_free(ev);
	journal_close(&j);
}

/* Runs emits with stderr sent to a file; returns what was written there. */
static void capture_stderr(struct events *ev, const struct event *es, int n, char *out, size_t size)
{
	char path[] = "/tmp/privfw-test-events-stderr.XXXXXX";
	int fd, saved;
	ssize_t r;

	out[0] = '\0';
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved >= 0);
	dup2(fd, STDERR_FILENO);
	for (int i = 0; i < n; i++)
		events_emit(ev, &es[i]);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	r = pread(fd, out, size - 1, 0);
	if (r >= 0)
		out[r] = '\0';
	close(fd);
	unlink(path);
}

static void test_fallback(void)
{
	struct journal j;
	struct events *ev;
	struct event es[2], tail[4];
	char out[1024], d[4096];

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	/* No socket at the path yet: a journal that is not running. */
	close(j.fd);
	unlink(j.path);
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	es[0] = make(EVENT_FLOW_DENY, "org.example.App", "denied\ntcp flow");
	es[0].uid = 1000;
	snprintf(es[0].action, sizeof(es[0].action), "deny");
	snprintf(es[0].proto, sizeof(es[0].proto), "tcp");
	snprintf(es[0].dest, sizeof(es[0].dest), "203.0.113.9:443");
	es[1] = make(EVENT_START, "", "privfwd started");
	capture_stderr(ev, es, 2, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out,
		"privfwd: deny app=org.example.App action=deny proto=tcp dest=203.0.113.9:443 "
		"uid=1000: denied tcp flow\n"
		"privfwd: start: privfwd started\n");
	CU_ASSERT_EQUAL(events_tail(ev, tail, 4), 2);
	CU_ASSERT_STRING_EQUAL(tail[0].app, "org.example.App");
	CU_ASSERT_EQUAL(events_suppressed(ev), 0);

	/* A journal appearing now is only tried again after the retry interval. */
	CU_ASSERT_EQUAL_FATAL(journal_bind(&j), 0);
	capture_stderr(ev, &es[1], 1, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "privfwd: start: privfwd started\n");
	CU_ASSERT_EQUAL(journal_drain(&j), 0);
	events_free(ev);

	/* A journald that restarts (new socket, same path) is reconnected at once. */
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	events_emit(ev, &es[1]);
	CU_ASSERT_EQUAL(journal_drain(&j), 1);
	close(j.fd);
	unlink(j.path);
	CU_ASSERT_EQUAL_FATAL(journal_bind(&j), 0);
	capture_stderr(ev, &es[1], 1, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT(journal_recv(&j, d, sizeof(d), 1000) > 0);
	CU_ASSERT(strstr(d, "MESSAGE=privfwd started\n") != NULL);
	events_free(ev);
	journal_close(&j);
}

static void test_journal_full(void)
{
	struct journal j;
	struct events *ev;
	struct event e = make(EVENT_START, "", "started");
	char d[4096], v[512], want[64];
	int got;

	CU_ASSERT_EQUAL_FATAL(journal_open(&j), 0);
	ev = events_new(8, 5, j.path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	/* Nobody reads: the socket queue fills, and emit must drop rather than block. */
	for (int i = 0; i < 200; i++)
		events_emit(ev, &e);
	got = journal_drain(&j);
	CU_ASSERT(got > 0 && got < 200);
	CU_ASSERT_EQUAL(events_suppressed(ev), (uint64_t)(200 - got));
	events_emit(ev, &e);
	CU_ASSERT_FATAL(journal_recv(&j, d, sizeof(d), 1000) > 0);
	snprintf(want, sizeof(want), "started (%d events suppressed)", 200 - got);
	CU_ASSERT(field(d, "MESSAGE", v, sizeof(v)) && !strcmp(v, want));
	events_free(ev);
	journal_close(&j);
}

/* A socket file left by a journald that has gone refuses connections. */
static bool journald_running(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = EVENTS_JOURNAL_SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* The real thing, when a journald runs here; the e2e tier covers it otherwise. */
static void test_real_journald(void)
{
	struct events *ev;
	struct event e;
	char app[64], cmd[160], line[8192], want[96];
	bool found = false;

	if (!journald_running()) {
		printf("SKIP: no journald ");
		return;
	}
	snprintf(app, sizeof(app), "org.privfw.UnitTest%ld%ld", (long)getpid(), (long)time(NULL));
	ev = events_new(8, 5, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	e = make(EVENT_NEW_APP, app, "new app from the unit test");
	events_emit(ev, &e);
	events_free(ev);
	snprintf(cmd, sizeof(cmd), "journalctl --no-pager -o json PRIVFW_APP=%s 2>/dev/null", app);
	snprintf(want, sizeof(want), "\"MESSAGE_ID\":\"%s\"", event_message_id(EVENT_NEW_APP));
	for (int i = 0; i < 30 && !found; i++) {
		FILE *p = popen(cmd, "r");

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		while (fgets(line, sizeof(line), p))
			if (strstr(line, app) && strstr(line, want) &&
			    strstr(line, "\"PRIVFW_EVENT\":\"new-app\"") &&
			    strstr(line, "\"SYSLOG_IDENTIFIER\":\"privfwd\""))
				found = true;
		pclose(p);
		if (!found)
			usleep(100 * 1000);
	}
	CU_ASSERT(found);
}

static const struct unit_case cases[] = {
	{ "names and ids", test_names_ids },
	{ "new/free", test_new_free },
	{ "journal fields", test_fields },
	{ "newlines sanitized", test_sanitize },
	{ "rate limit", test_rate_limit },
	{ "ring wrap-around", test_ring },
	{ "ring packs events at their length", test_ring_packed },
	{ "stderr fallback", test_fallback },
	{ "journal full", test_journal_full },
	{ "real journald", test_real_journald },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("events", cases);
}
