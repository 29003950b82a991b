/* sandbox: drop and confine. By the time this runs privfwd holds every socket it will use (NFQUEUE,
 * sock_diag, ctnetlink, the control socket, the journal) and has read its config and policy. It
 * then becomes user privfw keeping CAP_NET_ADMIN alone, and loads a libseccomp allow-list that
 * kills the whole process on anything else. The layout of the filter follows chrony's
 * sys_linux.c: one group per purpose, names only (SCMP_SYS), so the same list builds on aarch64. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define SELFTEST_FILE "/etc/privfw-selftest"

extern char **environ;

int sandbox_mode_parse(const char *s, enum sandbox_mode *mode)
{
	static const char *const names[] = { [SANDBOX_KILL] = "kill", [SANDBOX_LOG] = "log",
					     [SANDBOX_OFF] = "off" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum sandbox_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Writes the directory part of path to out. */
static int dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return snprintf(out, outlen, ".") < (int)outlen ? 0 : -ENAMETOOLONG;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* Whether every entry of dir is one privfwd itself put there: the policy file (and its temp
 * files ".NAME.XXXXXX"), the control socket or the start counter. This keeps a config that names /etc/policy.conf
 * or /tmp/ctl from handing /etc or /tmp to the privfw user. */
static bool dir_is_ours(const char *dir, const char *policy_base, const char *socket_base)
{
	struct dirent *e;
	bool ours = true;
	size_t plen = strlen(policy_base);
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (ours && (e = readdir(d))) {
		const char *n = e->d_name;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (!strcmp(n, policy_base) || (socket_base && !strcmp(n, socket_base)))
			continue;
		/* The start counter kept beside the socket. */
		if (!strcmp(n, "starts"))
			continue;
		if (n[0] == '.' && !strncmp(n + 1, policy_base, plen) && n[plen + 1] == '.')
			continue;
		ours = false;
	}
	closedir(d);
	return ours;
}

static int chown_if_root(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (st.st_uid != 0 || S_ISLNK(st.st_mode))
		return 0;
	return lchown(path, uid, gid) < 0 ? -errno : 0;
}

/* Hands the directories privfwd writes in later to the user it is about to become: the policy
 * directory (temp file, rename, fsync of the directory) and the socket's (unlink at exit). */
static int prepare_paths(const struct sandbox_opts *o, const char *user, uid_t uid, gid_t gid)
{
	char pdir[256], sdir[256];
	const char *pbase, *sbase;
	int r;

	if ((r = dir_of(o->policy_path, pdir, sizeof(pdir))) < 0 ||
	    (r = dir_of(o->socket_path, sdir, sizeof(sdir))) < 0)
		return r;
	pbase = strrchr(o->policy_path, '/') ? strrchr(o->policy_path, '/') + 1 : o->policy_path;
	sbase = strrchr(o->socket_path, '/') ? strrchr(o->socket_path, '/') + 1 : o->socket_path;
	if (!dir_is_ours(pdir, pbase, strcmp(pdir, sdir) == 0 ? sbase : NULL)) {
		fprintf(stderr, "privfwd: %s holds files that are not privfwd's; not giving it to "
			"user %s\n", pdir, user);
	} else if ((r = chown_if_root(pdir, uid, gid)) < 0) {
		return r;
	}
	if ((r = chown_if_root(o->policy_path, uid, gid)) < 0)
		return r;
	if (strcmp(pdir, sdir) == 0)
		return 0;
	/* Not fatal: the only cost is a stale socket, which the next start replaces. */
	if (!dir_is_ours(sdir, sbase, NULL))
		fprintf(stderr, "privfwd: %s holds other files; the socket will not be removed at exit\n",
			sdir);
	else if ((r = chown_if_root(sdir, uid, gid)) < 0)
		return r;
	return 0;
}

/* The kernel checks CAP_NET_ADMIN on every message to nfnetlink: NFQUEUE verdicts and the
 * ctnetlink updates that re-mark settled flows. That is the only privilege kept. Reading
 * sock_diag, /proc and the cgroup tree needs none. */
static int set_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		uint32_t want = i == CAP_TO_INDEX(CAP_NET_ADMIN) ? CAP_TO_MASK(CAP_NET_ADMIN) : 0;

		if (data[i].effective != want || data[i].permitted != want || data[i].inheritable)
			return -EPERM;
	}
	return 0;
}

/* Needs CAP_SETPCAP, so it runs while still root. Stops at the first number the kernel does
 * not know (EINVAL), so newer capabilities are covered without a table. */
static int drop_bounding_set(void)
{
	for (int cap = 0; cap < 64; cap++) {
		if (cap == CAP_NET_ADMIN)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return -errno;
		}
	}
	return 0;
}

static int drop(const struct sandbox_opts *o)
{
	const char *user = o->user ? o->user : SANDBOX_USER;
	struct passwd *pw = NULL;
	uid_t uid = 0, ru, eu, su;
	gid_t gid = 0;
	char pdir[256];
	int r;

	if (geteuid() != 0) {
		/* Not started as root: nothing to give up. */
		return 0;
	}
	pw = getpwnam(user);
	if (pw) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		if ((r = prepare_paths(o, user, uid, gid)) < 0)
			return r;
	} else {
		fprintf(stderr, "privfwd: warning: no user %s, staying uid 0 (with CAP_NET_ADMIN only)\n",
			user);
	}
	if ((r = drop_bounding_set()) < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (pw) {
		/* Keep the permitted set across the uid change; capset below trims it. No
		 * supplementary groups but privfw's own: the daemon needs none. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &gid) < 0 ||
		    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			return -errno;
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return -errno;
	}
	if ((r = set_caps()) < 0)
		return r;
	/* Belt and braces, as in OpenNTPD: the way back must really be closed. */
	if (pw && (setresuid(0, 0, 0) == 0 || getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid ||
		   su != uid))
		return -EPERM;
	/* Better now than at the first policy change: saves write a temp file next to the policy
	 * and rename it, so the directory (and every directory above it) must let us in. */
	if (pw && ((r = dir_of(o->policy_path, pdir, sizeof(pdir))) < 0 ||
		   access(pdir, W_OK | X_OK) < 0)) {
		r = r < 0 ? r : -errno;
		fprintf(stderr, "privfwd: user %s cannot write in %s: %s\n", user, pdir, strerror(-r));
		return r;
	}
	return 0;
}

/* Adds one allow rule. A name the architecture lacks (say open or mmap2 on aarch64) is a
 * pseudo number that libseccomp refuses with -EDOM or -EFAULT: skip it, the list is shared. */
static int allow(scmp_filter_ctx ctx, int nr, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);

	return r == -EDOM || r == -EFAULT ? 0 : r;
}

static int confine(enum sandbox_mode mode)
{
	/* Memory: malloc, stdio buffers, libconfig and jansson. Never executable: see below. */
	static const int memory[] = {
		SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	};
	/* The event loop: epoll over the queue, control, signal and timer descriptors; reads and
	 * writes on them; time for flow expiry and event stamps; stderr; leaving. loop() creates
	 * its epoll, signalfd and timerfd after the filter is in place, hence the three _create. */
	static const int loop[] = {
		SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
		SCMP_SYS(epoll_pwait), SCMP_SYS(signalfd4), SCMP_SYS(timerfd_create),
		SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_settime64), SCMP_SYS(read),
		SCMP_SYS(readv), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
		SCMP_SYS(clock_gettime), SCMP_SYS(clock_gettime64), SCMP_SYS(gettimeofday),
		SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_nanosleep_time64),
		SCMP_SYS(restart_syscall), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigreturn),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(getpid),
		SCMP_SYS(exit), SCMP_SYS(exit_group),
	};
	/* Sockets that are already open: netlink round trips (verdicts, sock_diag, ctnetlink),
	 * control clients (accept4, SO_PEERCRED, SO_PEERGROUPS), the journal datagram socket and
	 * its reconnect after journald restarts (connect), sd_notify (sendto). */
	static const int sockets[] = {
		SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
		SCMP_SYS(send), SCMP_SYS(recv), SCMP_SYS(accept4), SCMP_SYS(connect),
		SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
	};
	/* Files: the policy (read, and saved by temp file, fsync, rename, fsync of the directory),
	 * /proc/<pid>/fd, /proc/<pid>/exe and cgroup.procs for session apps, the walk of the cgroup
	 * tree, /proc/net/netfilter/nfnetlink_queue for status. seccomp cannot see paths: where a
	 * file may be written is the unit's ProtectSystem=strict + ReadWritePaths= and the privfw
	 * uid's business, not this list's. */
	static const int files[] = {
		SCMP_SYS(openat), SCMP_SYS(fstat), SCMP_SYS(fstat64), SCMP_SYS(newfstatat),
		SCMP_SYS(fstatat64), SCMP_SYS(statx),
		SCMP_SYS(getdents64), SCMP_SYS(readlinkat), SCMP_SYS(readlink), SCMP_SYS(lseek), SCMP_SYS(pread64),
		SCMP_SYS(_llseek), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(rename),
		SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
		SCMP_SYS(fchmod), SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(fcntl),
		SCMP_SYS(fcntl64),
		/* mkostemp: glibc's __gen_tempname draws from getrandom when its clock-based value
		 * is biased, so only now and then (a SIGSYS once in a few dozen saves without it). */
		SCMP_SYS(getrandom),
	};
	/* Locks (the slow-path lock between the queue threads) reach futex. The queue
	 * threads start under the filter: their stacks, robust lists, rseq areas, and leaving; a
	 * polling thread yields its CPU while nothing has come. */
	static const int threads[] = {
		SCMP_SYS(futex), SCMP_SYS(futex_time64), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
		SCMP_SYS(sched_yield),
	};
	const int *groups[] = { memory, loop, sockets, files, threads };
	const size_t sizes[] = { sizeof(memory), sizeof(loop), sizeof(sockets), sizeof(files), sizeof(threads) };
	scmp_filter_ctx ctx;
	int r = 0;

	if (mode == SANDBOX_OFF)
		return 0;
	ctx = seccomp_init(mode == SANDBOX_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG);
	if (!ctx)
		return -ENOMEM;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < sizes[g] / sizeof(int) && r == 0; i++)
			r = allow(ctx, groups[g][i], 0, NULL);
	if (r < 0)
		goto out;

	/* W^X: memory is mapped and re-protected, never made executable (the unit's
	 * MemoryDenyWriteExecute says the same; this also covers OpenRC). */
	const struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if ((r = allow(ctx, SCMP_SYS(mmap), 1, &noexec)) < 0 ||
	    (r = allow(ctx, SCMP_SYS(mmap2), 1, &noexec)) < 0 ||
	    (r = allow(ctx, SCMP_SYS(mprotect), 1, &noexec)) < 0)
		goto out;

	/* clone only for threads: never a new process. clone3 passes its flags in memory that a
	 * filter cannot read, so it fails as if missing and glibc falls back to clone. */
	const struct scmp_arg_cmp thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	if ((r = allow(ctx, SCMP_SYS(clone), 1, &thread)) < 0)
		goto out;
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0 && r != -EDOM && r != -EFAULT)
		goto out;

	/* New sockets: AF_UNIX for sd_notify's datagram; netlink only of the two families privfwd
	 * speaks, so NETLINK_ROUTE (interfaces and routes, which CAP_NET_ADMIN would let us change)
	 * stays shut. No AF_INET or AF_INET6 at all: privfwd never talks to the network. */
	const struct scmp_arg_cmp unix_sock = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
	const struct scmp_arg_cmp diag[] = { SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
					     SCMP_A2(SCMP_CMP_EQ, NETLINK_SOCK_DIAG) };
	const struct scmp_arg_cmp nfnl[] = { SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
					     SCMP_A2(SCMP_CMP_EQ, NETLINK_NETFILTER) };
	if ((r = allow(ctx, SCMP_SYS(socket), 1, &unix_sock)) < 0 ||
	    (r = allow(ctx, SCMP_SYS(socket), 2, diag)) < 0 ||
	    (r = allow(ctx, SCMP_SYS(socket), 2, nfnl)) < 0)
		goto out;

#if SANITIZED
	/* LeakSanitizer at exit (found with a tracefs trace of the ASan build): it stops the world
	 * with a helper task (clone, prctl PR_SET_PDEATHSIG/PR_SET_PTRACER, sigaltstack, a futex and
	 * sched_yield to hand over), which lists /proc/self/task with the legacy open and getdents
	 * on x86_64, ptrace-attaches to privfwd's only thread (the queue threads are joined by
	 * then), whose tid is its pid, reads its registers, detaches and exits; the parent reaps it
	 * (wait4). ASan also reads each new thread's CPU affinity. Sanitizer builds only, and
	 * ptrace only of this process, so the ptrace self-test is still killed there. */
	const struct scmp_arg_cmp self = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	static const int sanitizer[] = {
		SCMP_SYS(clone), SCMP_SYS(prctl), SCMP_SYS(sigaltstack),
		SCMP_SYS(sched_yield), SCMP_SYS(gettid), SCMP_SYS(getppid), SCMP_SYS(open),
		SCMP_SYS(getdents), SCMP_SYS(wait4), SCMP_SYS(sched_getaffinity),
	};
	for (size_t i = 0; i < sizeof(sanitizer) / sizeof(sanitizer[0]) && r == 0; i++)
		r = allow(ctx, sanitizer[i], 0, NULL);
	if (r < 0 || (r = allow(ctx, SCMP_SYS(ptrace), 1, &self)) < 0)
		goto out;
#endif
	r = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	return r;
}

int sandbox_apply(const struct sandbox_opts *o)
{
	int r;

	if ((r = drop(o)) < 0)
		return r;
#if SANITIZED
	/* The uid change made privfwd non-dumpable, which LeakSanitizer's ptrace needs. Test
	 * builds only: a dumpable daemon can be traced by other processes of user privfw. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -errno;
#endif
	/* Required for an unprivileged seccomp filter; also no setuid program can give back
	 * what was dropped. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return confine(o->mode);
}

bool sandbox_selftest_valid(const char *what)
{
	return !strcmp(what, "execve") || !strcmp(what, "socket-inet") || !strcmp(what, "ptrace") ||
	       !strcmp(what, "write-etc");
}

static void __attribute__((noreturn)) not_blocked(const char *what, const char *how)
{
	printf("selftest: NOT BLOCKED: %s %s\n", what, how);
	fflush(stdout);
	_exit(1);
}

/* _exit, not exit: the test is about the attempt, not about the exit path. */
void sandbox_selftest(const char *what)
{
	int fd;

	if (!strcmp(what, "execve")) {
		char *const argv[] = { "sh", "-c", "echo 'selftest: NOT BLOCKED: execve ran a shell'; exit 1",
				       NULL };

		execve("/bin/sh", argv, environ);
		not_blocked(what, strerror(errno));
	}
	if (!strcmp(what, "socket-inet")) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		not_blocked(what, fd < 0 ? strerror(errno) : "returned a socket");
	}
	if (!strcmp(what, "ptrace")) {
		long r = ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);

		not_blocked(what, r < 0 ? strerror(errno) : "attached to the parent");
	}
	if (!strcmp(what, "write-etc")) {
		fd = open(SELFTEST_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			(void)!write(fd, "privfw\n", 7);
			close(fd);
			not_blocked(what, "created " SELFTEST_FILE);
		}
		if (errno == EEXIST)
			not_blocked(what, SELFTEST_FILE " exists (from an earlier run?)");
		printf("selftest: write-etc refused: %s\n", strerror(errno));
		fflush(stdout);
		_exit(0);
	}
	printf("selftest: unknown test %s\n", what);
	fflush(stdout);
	_exit(2);
}
