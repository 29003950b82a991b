/* Control socket server. Every client is non-blocking and bounded (input by VARLINK_MSG_MAX,
 * output by CTL_OUT_MAX, count by CTL_CLIENTS_MAX), so a slow or hostile client can never stall
 * the verdict loop that shares this thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "varlink.h"

#define CTL_OUT_MAX (4 * 1024 * 1024)
#define CTL_GROUPS_MAX 64

struct client {
	int fd;
	struct ctl_peer peer;
	struct varlink_buf in;
	char *out;
	size_t out_len, out_off;
	uint64_t last_ms;
	bool closing;  /* close once the output is flushed */
};

struct ctl {
	int lfd, efd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t admin_gid;
	ctl_handler *handler;
	void *ctx;
	struct client *clients[CTL_CLIENTS_MAX];
	struct ctl_stats stats;
};

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket that still answers belongs to a running privfwd: do not steal it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

struct ctl *ctl_open(const char *path, gid_t admin_gid, ctl_handler *h, void *ctx, int *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl *c = calloc(1, sizeof(*c));

	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->lfd = c->efd = -1;
	c->admin_gid = admin_gid;
	c->handler = h;
	c->ctx = ctx;
	if (strlen(path) >= sizeof(c->path)) {
		*err = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(c->path, path);
	c->efd = epoll_create1(EPOLL_CLOEXEC);
	if (c->efd < 0) {
		*err = -errno;
		goto fail;
	}
	c->lfd = listen_on(path);
	if (c->lfd < 0) {
		*err = c->lfd;
		c->path[0] = '\0';  /* not ours: do not unlink on close */
		goto fail;
	}
	ev.data.ptr = NULL;
	if (epoll_ctl(c->efd, EPOLL_CTL_ADD, c->lfd, &ev) < 0) {
		*err = -errno;
		goto fail;
	}
	return c;
fail:
	ctl_close(c);
	return NULL;
}

static void client_free(struct ctl *c, struct client *cl)
{
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i] == cl)
			c->clients[i] = NULL;
	epoll_ctl(c->efd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	varlink_buf_free(&cl->in);
	free(cl->out);
	free(cl);
	c->stats.clients--;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i])
			client_free(c, c->clients[i]);
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->efd >= 0)
		close(c->efd);
	if (c->path[0])
		unlink(c->path);
	free(c);
}

int ctl_fd(const struct ctl *c)
{
	return c->efd;
}

static bool in_admin_group(int fd, gid_t admin)
{
	gid_t groups[CTL_GROUPS_MAX];
	socklen_t len = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == admin)
			return true;
	return false;
}

static unsigned clients_of(const struct ctl *c, uid_t uid)
{
	unsigned n = 0;

	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->clients[i] && c->clients[i]->peer.uid == uid)
			n++;
	return n;
}

static void accept_one(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *cl;
	int fd, slot = -1;

	fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		goto refuse;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (!c->clients[i]) {
			slot = i;
			break;
		}
	/* A per-uid cap keeps one local user from starving root out of the socket. */
	if (slot < 0 || (cred.uid != 0 && clients_of(c, cred.uid) >= CTL_CLIENTS_PER_UID))
		goto refuse;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		goto refuse;
	cl->fd = fd;
	cl->peer.uid = cred.uid;
	cl->peer.gid = cred.gid;
	cl->peer.pid = cred.pid;
	cl->peer.privileged = cred.uid == 0 ||
		(c->admin_gid != (gid_t)-1 && (cred.gid == c->admin_gid || in_admin_group(fd, c->admin_gid)));
	cl->last_ms = now_ms;
	varlink_buf_init(&cl->in, VARLINK_MSG_MAX);
	ev.data.ptr = cl;
	if (epoll_ctl(c->efd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		varlink_buf_free(&cl->in);
		free(cl);
		goto refuse;
	}
	c->clients[slot] = cl;
	c->stats.clients++;
	c->stats.accepted++;
	return;
refuse:
	c->stats.refused++;
	close(fd);
}

static void queue_out(struct client *cl, char *msg, size_t len)
{
	char *n;

	if (!msg)
		return;
	if (cl->out_len - cl->out_off + len > CTL_OUT_MAX) {
		/* The client does not read its replies; cut it off rather than buffer without end. */
		cl->closing = true;
		free(msg);
		return;
	}
	if (cl->out_off) {
		memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	n = realloc(cl->out, cl->out_len + len);
	if (!n) {
		cl->closing = true;
		free(msg);
		return;
	}
	memcpy(n + cl->out_len, msg, len);
	cl->out = n;
	cl->out_len += len;
	free(msg);
}

static void bad_request(struct ctl *c, struct client *cl, const char *why)
{
	json_t *p = json_pack("{s:s}", "reason", why);
	size_t len = 0;
	char *msg;

	c->stats.bad_requests++;
	msg = varlink_error_put(PRIVFW_ERR_BAD_REQUEST, p, &len);
	queue_out(cl, msg, len);
	json_decref(p);
}

static void handle_input(struct ctl *c, struct client *cl)
{
	char buf[16384], *msg, why[128];
	size_t len;
	ssize_t n;
	int r;

	for (;;) {
		n = read(cl->fd, buf, sizeof(buf));
		if (n == 0) {
			/* Half-closed: answer what was asked, then close. */
			cl->closing = true;
			return;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			cl->closing = true;
			cl->out_len = cl->out_off = 0;
			return;
		}
		if (n < 0)
			break;
		r = varlink_buf_append(&cl->in, buf, (size_t)n);
		if (r == -EMSGSIZE) {
			bad_request(c, cl, "request too large");
			cl->closing = true;
			return;
		}
		if (r < 0) {
			cl->closing = true;
			return;
		}
		while (varlink_buf_pop(&cl->in, &msg, &len) == 1) {
			struct varlink_call call;
			size_t rlen;

			c->stats.requests++;
			if (varlink_call_parse(&call, msg, len, why, sizeof(why)) < 0) {
				bad_request(c, cl, why);
			} else {
				char *reply = c->handler(c->ctx, &cl->peer, &call, &rlen);

				if (!call.oneway)
					queue_out(cl, reply, rlen);
				else
					free(reply);
				varlink_call_clear(&call);
			}
			free(msg);
			if (cl->closing)
				return;
		}
		if ((size_t)n < sizeof(buf))
			break;
	}
}

/* Returns false when the client is gone. */
static bool flush_output(struct ctl *c, struct client *cl)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };

	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			client_free(c, cl);
			return false;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->out_off == cl->out_len) {
		cl->out_off = cl->out_len = 0;
		if (cl->closing) {
			client_free(c, cl);
			return false;
		}
	} else {
		ev.events |= EPOLLOUT;
	}
	epoll_ctl(c->efd, EPOLL_CTL_MOD, cl->fd, &ev);
	return true;
}

void ctl_dispatch(struct ctl *c, uint64_t now_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(c->efd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		struct client *cl = evs[i].data.ptr;

		if (!cl) {
			for (int k = 0; k < 8; k++)
				accept_one(c, now_ms);
			continue;
		}
		cl->last_ms = now_ms;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			handle_input(c, cl);
		flush_output(c, cl);
	}
}

void ctl_tick(struct ctl *c, uint64_t now_ms)
{
	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct client *cl = c->clients[i];

		if (cl && now_ms - cl->last_ms > CTL_IDLE_MS) {
			c->stats.timeouts++;
			client_free(c, cl);
		}
	}
}

void ctl_get_stats(const struct ctl *c, struct ctl_stats *out)
{
	*out = c->stats;
}
