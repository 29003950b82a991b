/* events: structured events to journald (native protocol), stderr as fallback, and an in-memory
 * ring for `privfwctl log`. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "events.h"

#define NSEC_PER_SEC 1000000000ULL
/* A journald started after privfwd is picked up within this long. */
#define RETRY_NS (10 * NSEC_PER_SEC)
/* Every field of struct event fits with room to spare. */
#define DGRAM_MAX 2048

struct events {
	int fd;
	bool connected;
	struct sockaddr_un addr;
	socklen_t addrlen;
	uint64_t retry_ns;      /* next connect attempt while disconnected */
	uint64_t rate;
	uint64_t tokens;        /* token bucket in units of 1/NSEC_PER_SEC token */
	uint64_t last_ns;
	uint64_t suppressed;    /* since start */
	uint64_t pending;       /* since the last event that went out */
	/* The ring: the newest events packed one after another into arena (strings at their own
	 * length, about a fifth of a struct event), wrapping; idx holds where each one starts,
	 * the oldest at idx[(head + ring_size - count) % ring_size]. */
	size_t ring_size, head, count;
	size_t arena_size, wpos;
	struct rec { uint32_t off, len; } *idx;
	uint8_t *arena;
};

/* A packed event: this header, then each string of STRINGS as a length byte and its bytes. */
struct packed {
	uint64_t time_us;
	int64_t uid;
	int32_t kind, priority;
};

#define STRINGS(e) { (e)->app, (e)->action, (e)->proto, (e)->dest, (e)->host, (e)->data, \
		     (e)->category, (e)->encoding, (e)->label, (e)->mask, (e)->message }
#define N_STRINGS 11
/* Room per event in the arena on average; a longer one pushes out more of the oldest. */
#define PACKED_AVG 192
#define PACKED_MAX (sizeof(struct packed) + N_STRINGS * 256)

struct buf {
	char *p;
	size_t len, size;
};

/* Generated once from /proc/sys/kernel/random/uuid; never change them, journal queries use them. */
static const char *const message_ids[EVENT_KIND_MAX] = {
	[EVENT_START] = "0a37787729b24e9a96b23d62bf093342",
	[EVENT_STOP] = "97e3ffaf438c4a84b71cdb2a6b359992",
	[EVENT_NEW_APP] = "16cbb23bce0e4286a987ba2a5613c4a6",
	[EVENT_FLOW_DENY] = "f58f68634d7c47edbf29012c39799474",
	[EVENT_POLICY] = "1ec9c4f585c24075add836c0f16b85e4",
	[EVENT_ERROR] = "bea4f81261ee4492a8b480e30dd189d0",
	[EVENT_DATA] = "234f2eaf0e4a4526b5596e4f2fd3347d",
	[EVENT_HOST_DENY] = "d6a9a9929b784853b9cd5d12d0853b6f",
};

static const char *const kind_names[EVENT_KIND_MAX] = {
	[EVENT_START] = "start",
	[EVENT_STOP] = "stop",
	[EVENT_NEW_APP] = "new-app",
	[EVENT_FLOW_DENY] = "deny",
	[EVENT_POLICY] = "policy",
	[EVENT_ERROR] = "error",
	[EVENT_DATA] = "data",
	[EVENT_HOST_DENY] = "host-deny",
};

const char *event_message_id(enum event_kind k)
{
	if ((unsigned)k >= EVENT_KIND_MAX)
		return "00000000000000000000000000000000";
	return message_ids[k];
}

const char *event_kind_name(enum event_kind k)
{
	if ((unsigned)k >= EVENT_KIND_MAX)
		return "unknown";
	return kind_names[k];
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int journal_connect(struct events *ev, uint64_t now)
{
	if (connect(ev->fd, (struct sockaddr *)&ev->addr, ev->addrlen) == 0) {
		ev->connected = true;
		return 0;
	}
	ev->connected = false;
	ev->retry_ns = now + RETRY_NS;
	return -errno;
}

struct events *events_new(size_t ring_size, unsigned rate, const char *journal_path)
{
	struct events *ev = NULL;
	size_t plen;
	int r;

	if (!journal_path)
		journal_path = EVENTS_JOURNAL_SOCKET;
	plen = strlen(journal_path);
	if (ring_size == 0 || ring_size > UINT32_MAX / PACKED_AVG / 2 || rate == 0) {
		r = -EINVAL;
		goto out;
	}
	if (plen >= sizeof(ev->addr.sun_path)) {
		r = -ENAMETOOLONG;
		goto out;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		r = -ENOMEM;
		goto out;
	}
	ev->fd = -1;
	ev->ring_size = ring_size;
	ev->arena_size = ring_size * PACKED_AVG > 2 * PACKED_MAX ? ring_size * PACKED_AVG : 2 * PACKED_MAX;
	ev->idx = malloc(ring_size * sizeof(*ev->idx));
	ev->arena = malloc(ev->arena_size);
	if (!ev->idx || !ev->arena) {
		r = -ENOMEM;
		goto out;
	}
	/* Every page written now, so the ring counts in RSS from the start instead of showing up
	 * as slow growth until it first wraps (a memset after malloc may become a calloc, which
	 * writes nothing). */
	for (size_t i = 0; i < ev->arena_size; i += 4096)
		((volatile uint8_t *)ev->arena)[i] = 0;
	for (size_t i = 0; i < ring_size * sizeof(*ev->idx); i += 4096)
		((volatile uint8_t *)ev->idx)[i] = 0;
	ev->rate = rate;
	ev->tokens = rate * NSEC_PER_SEC;
	ev->last_ns = clock_ns(CLOCK_MONOTONIC);
	ev->addr.sun_family = AF_UNIX;
	memcpy(ev->addr.sun_path, journal_path, plen + 1);
	ev->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
	ev->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ev->fd < 0) {
		r = -errno;
		goto out;
	}
	/* No journal yet is not an error: stderr until a later retry finds one. */
	journal_connect(ev, ev->last_ns);
	r = 0;
out:
	if (r < 0) {
		events_free(ev);
		errno = -r;
		return NULL;
	}
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev->idx);
	free(ev->arena);
	free(ev);
}

/* Appends e to the ring, pushing out the oldest events whose bytes it overwrites. */
static void ring_put(struct events *ev, const struct event *e)
{
	const char *s[N_STRINGS] = STRINGS(e);
	struct packed h = { .time_us = e->time_us, .uid = e->uid, .kind = e->kind, .priority = e->priority };
	size_t len = sizeof(h), at;
	uint8_t *p;

	for (size_t i = 0; i < N_STRINGS; i++)
		len += 1 + strnlen(s[i], 255);
	if (ev->wpos + len > ev->arena_size) {
		/* What lies past the last write is older than all before it: it goes first. */
		while (ev->count && ev->idx[(ev->head + ev->ring_size - ev->count) % ev->ring_size].off >= ev->wpos)
			ev->count--;
		ev->wpos = 0;
	}
	at = ev->wpos;
	while (ev->count) {
		const struct rec *old = &ev->idx[(ev->head + ev->ring_size - ev->count) % ev->ring_size];

		if (ev->count < ev->ring_size && (old->off >= at + len || old->off + old->len <= at))
			break;
		ev->count--;
	}
	p = ev->arena + at;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	for (size_t i = 0; i < N_STRINGS; i++) {
		size_t n = strnlen(s[i], 255);

		*p++ = (uint8_t)n;
		memcpy(p, s[i], n);
		p += n;
	}
	ev->idx[ev->head] = (struct rec){ .off = (uint32_t)at, .len = (uint32_t)len };
	ev->head = (ev->head + 1) % ev->ring_size;
	ev->count++;
	ev->wpos = at + len;
}

static void ring_get(const struct events *ev, const struct rec *r, struct event *e)
{
	char *s[N_STRINGS] = STRINGS(e);
	const uint8_t *p = ev->arena + r->off;
	struct packed h;

	memset(e, 0, sizeof(*e));
	memcpy(&h, p, sizeof(h));
	p += sizeof(h);
	e->time_us = h.time_us;
	e->uid = h.uid;
	e->kind = (enum event_kind)h.kind;
	e->priority = h.priority;
	for (size_t i = 0; i < N_STRINGS; i++) {
		size_t n = *p++;

		memcpy(s[i], p, n);
		p += n;
	}
}

static bool rate_limited(enum event_kind k)
{
	return k == EVENT_NEW_APP || k == EVENT_FLOW_DENY || k == EVENT_DATA || k == EVENT_HOST_DENY;
}

static bool take_token(struct events *ev, uint64_t now)
{
	uint64_t cap = ev->rate * NSEC_PER_SEC, dt = now - ev->last_ns;

	/* A full second refills the bucket; clamping keeps dt * rate from overflowing. */
	if (dt > NSEC_PER_SEC)
		dt = NSEC_PER_SEC;
	ev->last_ns = now;
	ev->tokens += dt * ev->rate;
	if (ev->tokens > cap)
		ev->tokens = cap;
	if (ev->tokens < NSEC_PER_SEC)
		return false;
	ev->tokens -= NSEC_PER_SEC;
	return true;
}

/* Appends at most max bytes of s, newlines turned to spaces so a value is always one line. */
static void put(struct buf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] && b->len + 1 < b->size; i++)
		b->p[b->len++] = s[i] == '\n' ? ' ' : s[i];
	b->p[b->len] = '\0';
}

/* The line end, the only newline put() lets through. */
static void end_line(struct buf *b)
{
	if (b->len + 1 < b->size)
		b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
}

#define PUTS(b, s) put((b), (s), SIZE_MAX)
#define PUTF(b, field) put((b), (field), sizeof(field))

static void put_field(struct buf *b, const char *key, const char *val, size_t max)
{
	if (!val[0])
		return;
	PUTS(b, key);
	PUTS(b, "=");
	put(b, val, max);
	end_line(b);
}

static void format_journal(struct buf *b, const struct event *e, const char *suffix,
			   const char *uid)
{
	char prio[2] = { (char)('0' + e->priority), '\0' };

	PUTS(b, "MESSAGE=");
	PUTF(b, e->message);
	PUTS(b, suffix);
	end_line(b);
	put_field(b, "PRIORITY", prio, SIZE_MAX);
	put_field(b, "MESSAGE_ID", event_message_id(e->kind), SIZE_MAX);
	put_field(b, "SYSLOG_IDENTIFIER", "privfwd", SIZE_MAX);
	put_field(b, "PRIVFW_EVENT", event_kind_name(e->kind), SIZE_MAX);
	put_field(b, "PRIVFW_APP", e->app, sizeof(e->app));
	put_field(b, "PRIVFW_ACTION", e->action, sizeof(e->action));
	put_field(b, "PRIVFW_PROTO", e->proto, sizeof(e->proto));
	put_field(b, "PRIVFW_DEST", e->dest, sizeof(e->dest));
	put_field(b, "PRIVFW_UID", uid, SIZE_MAX);
	put_field(b, "PRIVFW_HOST", e->host, sizeof(e->host));
	put_field(b, "PRIVFW_DATA", e->data, sizeof(e->data));
	put_field(b, "PRIVFW_CATEGORY", e->category, sizeof(e->category));
	put_field(b, "PRIVFW_ENCODING", e->encoding, sizeof(e->encoding));
	put_field(b, "PRIVFW_LABEL", e->label, sizeof(e->label));
	put_field(b, "PRIVFW_MASK", e->mask, sizeof(e->mask));
}

static void put_word(struct buf *b, const char *key, const char *val, size_t max)
{
	if (!val[0])
		return;
	PUTS(b, " ");
	PUTS(b, key);
	PUTS(b, "=");
	put(b, val, max);
}

/* One write(2) per line so concurrent writers do not interleave within it. */
static void write_stderr(const struct event *e, const char *suffix, const char *uid)
{
	char line[DGRAM_MAX];
	struct buf b = { line, 0, sizeof(line) };
	ssize_t n;

	line[0] = '\0';
	PUTS(&b, "privfwd: ");
	PUTS(&b, event_kind_name(e->kind));
	put_word(&b, "app", e->app, sizeof(e->app));
	put_word(&b, "action", e->action, sizeof(e->action));
	put_word(&b, "proto", e->proto, sizeof(e->proto));
	put_word(&b, "dest", e->dest, sizeof(e->dest));
	put_word(&b, "uid", uid, SIZE_MAX);
	put_word(&b, "host", e->host, sizeof(e->host));
	put_word(&b, "data", e->data, sizeof(e->data));
	put_word(&b, "encoding", e->encoding, sizeof(e->encoding));
	put_word(&b, "mask", e->mask, sizeof(e->mask));
	PUTS(&b, ": ");
	PUTF(&b, e->message);
	PUTS(&b, suffix);
	end_line(&b);
	do
		n = write(STDERR_FILENO, line, b.len);
	while (n < 0 && errno == EINTR);
}

static int journal_send(struct events *ev, const char *buf, size_t len, uint64_t now)
{
	int r;

	if (!ev->connected && (now < ev->retry_ns || journal_connect(ev, now) < 0))
		return -ENOTCONN;
	if (send(ev->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	r = -errno;
	if (r != -ECONNREFUSED && r != -ENOTCONN && r != -ENOENT)
		return r;
	/* journald restarted: a new socket at the same path, so connect again right away. */
	if (journal_connect(ev, now) < 0)
		return -ENOTCONN;
	if (send(ev->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	return -errno;
}

void events_emit(struct events *ev, const struct event *e)
{
	char dgram[DGRAM_MAX], suffix[48] = "", uid[24] = "";
	struct buf b = { dgram, 0, sizeof(dgram) };
	struct event cur, *slot = &cur;
	uint64_t now;
	int r;

	if (!ev || !e)
		return;
	*slot = *e;
	/* Callers' strings may be unterminated; the ring hands them on to JSON. */
	slot->app[sizeof(slot->app) - 1] = '\0';
	slot->action[sizeof(slot->action) - 1] = '\0';
	slot->proto[sizeof(slot->proto) - 1] = '\0';
	slot->dest[sizeof(slot->dest) - 1] = '\0';
	slot->message[sizeof(slot->message) - 1] = '\0';
	if ((unsigned)slot->kind >= EVENT_KIND_MAX)
		slot->kind = EVENT_ERROR;
	if (slot->priority < LOG_EMERG || slot->priority > LOG_DEBUG)
		slot->priority = LOG_INFO;
	if (!slot->time_us)
		slot->time_us = clock_ns(CLOCK_REALTIME) / 1000;
	ring_put(ev, slot);

	now = clock_ns(CLOCK_MONOTONIC);
	if (rate_limited(slot->kind) && !take_token(ev, now)) {
		ev->suppressed++;
		ev->pending++;
		return;
	}
	if (ev->pending)
		snprintf(suffix, sizeof(suffix), " (%" PRIu64 " events suppressed)", ev->pending);
	if (slot->uid >= 0)
		snprintf(uid, sizeof(uid), "%" PRId64, slot->uid);
	dgram[0] = '\0';
	format_journal(&b, slot, suffix, uid);
	r = journal_send(ev, dgram, b.len, now);
	if (r == -EAGAIN || r == -ENOBUFS) {
		/* The journal is full: dropping beats blocking the verdict loop. */
		ev->suppressed++;
		ev->pending++;
		return;
	}
	if (r < 0)
		write_stderr(slot, suffix, uid);
	ev->pending = 0;
}

size_t events_tail(const struct events *ev, struct event *out, size_t max)
{
	size_t n, start;

	if (!ev || !out)
		return 0;
	n = max < ev->count ? max : ev->count;
	start = (ev->head + ev->ring_size - n) % ev->ring_size;
	for (size_t i = 0; i < n; i++)
		ring_get(ev, &ev->idx[(start + i) % ev->ring_size], &out[i]);
	return n;
}

uint64_t events_suppressed(const struct events *ev)
{
	return ev ? ev->suppressed : 0;
}
