/* sandbox: the last two steps of acquire, drop, confine. Runs once, after every descriptor is
 * open and the config and policy are read; nothing in it can be undone. */
#ifndef PRIVFW_SANDBOX_H
#define PRIVFW_SANDBOX_H

#include <stdbool.h>

enum sandbox_mode {
	SANDBOX_KILL,  /* a system call outside the allow-list kills the process (default) */
	SANDBOX_LOG,   /* ... is allowed and logged by the kernel (audit type=1326): for finding the list */
	SANDBOX_OFF,   /* no filter; the uid and capability drop still happen */
};

#define SANDBOX_USER "privfw"

struct sandbox_opts {
	enum sandbox_mode mode;
	const char *user;         /* NULL: SANDBOX_USER */
	const char *policy_path;  /* its directory and the file are handed to user */
	const char *socket_path;  /* its directory is handed to user so the socket can be unlinked */
};

/* "kill", "log" or "off" to *mode. 0 or -EINVAL. */
int sandbox_mode_parse(const char *s, enum sandbox_mode *mode);

/* Drops root to o->user keeping only CAP_NET_ADMIN (staying uid 0 with a warning on stderr
 * when there is no such user), sets no_new_privs and loads the seccomp filter. 0 or -errno;
 * on error the process is in an unknown state and must exit. Does not block. */
int sandbox_apply(const struct sandbox_opts *o);

/* Whether what names a self-test: execve, socket-inet, ptrace, write-etc. */
bool sandbox_selftest_valid(const char *what);

/* After sandbox_apply: attempts what the sandbox must stop. Killed by the filter, or exits 0
 * when the attempt failed as it should (write-etc: EACCES), or prints "selftest: NOT BLOCKED"
 * and exits 1. Never returns. */
void sandbox_selftest(const char *what) __attribute__((noreturn));

#endif
