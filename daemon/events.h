/* events: structured events to journald (native protocol), stderr as fallback, and an in-memory
 * ring for `privfwctl log`. Rate-limited; never per packet. */
#ifndef PRIVFW_EVENTS_H
#define PRIVFW_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define EVENTS_JOURNAL_SOCKET "/run/systemd/journal/socket"

enum event_kind {
	EVENT_START,       /* daemon ready */
	EVENT_STOP,
	EVENT_NEW_APP,     /* first flow of an app not seen before */
	EVENT_FLOW_DENY,   /* a flow was denied */
	EVENT_POLICY,      /* the policy changed (ctl, reload) */
	EVENT_ERROR,       /* something the owner should know about */
	EVENT_DATA,        /* personal data found in a flow */
	EVENT_HOST_DENY,   /* a flow to a denied destination host */
	EVENT_KIND_MAX
};

struct event {
	uint64_t time_us;       /* CLOCK_REALTIME; filled by events_emit when 0 */
	enum event_kind kind;
	int priority;           /* syslog priority (LOG_INFO, LOG_WARNING, ...) */
	char app[256];
	char action[8];         /* "allow" / "deny" / "" */
	char proto[8];          /* "tcp" / "udp" / "" */
	char dest[64];          /* "203.0.113.9:443" / "" */
	int64_t uid;            /* -1 when unknown */
	char host[256];         /* destination host name (SNI, Host, DNS) / "" */
	char data[16];          /* finding: type, category, encoding, label and masked value */
	char category[16];
	char encoding[16];
	char label[65];
	char mask[48];
	char message[256];      /* human-readable MESSAGE= */
};

struct events;

/* Creates the sink: ring of ring_size events, at most rate journal events per second (bursts of
 * rate allowed; excess counted as suppressed). journal_path NULL means EVENTS_JOURNAL_SOCKET;
 * when it cannot be reached events go to stderr. NULL with errno on failure. */
struct events *events_new(size_t ring_size, unsigned rate, const char *journal_path);
void events_free(struct events *ev);

/* Records e in the ring and sends it to the journal unless rate-limited. Never blocks
 * (non-blocking datagram; a full journal drops the event and counts it). */
void events_emit(struct events *ev, const struct event *e);

/* Copies up to max newest events, oldest first, into out. Returns the count. */
size_t events_tail(const struct events *ev, struct event *out, size_t max);

/* Stable MESSAGE_ID (32 hex chars) and short name ("new-app", "deny", ...) of a kind. */
const char *event_message_id(enum event_kind k);
const char *event_kind_name(enum event_kind k);

/* Events dropped by the rate limit or a full journal since start. */
uint64_t events_suppressed(const struct events *ev);

#endif
