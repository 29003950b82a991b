/* ctl: the control socket server. Non-blocking, bounded, one varlink call at a time per client;
 * method semantics live in the handler the caller supplies. */
#ifndef PRIVFW_CTL_H
#define PRIVFW_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ctl;
struct varlink_call;

struct ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool privileged;  /* root, or member of the admin group */
};

/* Answers one call. Returns a malloc'd NUL-terminated message (*len includes the NUL), or NULL
 * for no reply (oneway calls, or out of memory). */
typedef char *ctl_handler(void *ctx, const struct ctl_peer *peer, const struct varlink_call *call,
			  size_t *len);

#define CTL_CLIENTS_MAX 64
#define CTL_CLIENTS_PER_UID 8
#define CTL_IDLE_MS (30 * 1000)

/* Listens on path (stale sockets are replaced; a live one gives -EADDRINUSE), mode 0666 since
 * every request is checked with SO_PEERCRED. admin_gid (gid_t)-1 means root only. NULL with *err. */
struct ctl *ctl_open(const char *path, gid_t admin_gid, ctl_handler *h, void *ctx, int *err);

/* Closes every client and the listener and unlinks the socket. Accepts NULL. */
void ctl_close(struct ctl *c);

/* An epoll fd that becomes readable when ctl_dispatch has work. */
int ctl_fd(const struct ctl *c);

/* Accepts, reads, answers and writes without blocking. */
void ctl_dispatch(struct ctl *c, uint64_t now_ms);

/* Drops clients idle for longer than CTL_IDLE_MS. */
void ctl_tick(struct ctl *c, uint64_t now_ms);

struct ctl_stats {
	uint64_t accepted, refused, requests, bad_requests, timeouts;
	unsigned clients;
};
void ctl_get_stats(const struct ctl *c, struct ctl_stats *out);

#endif
