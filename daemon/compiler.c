/* privfw-compile: builds the detectors' database for privfwd and writes it, serialized, to
 * standard output. privfwd runs it while starting (and for --replay) so that Vectorscan's
 * compiler, its C++ runtime, the expansion's scratch memory and the plain secrets never become
 * part of the long-running daemon, which links Vectorscan's runtime alone.
 *
 *   privfw-compile -c CONFIG [--missing-ok] [--discover] [--owner-uid UID]
 *
 * Output: struct compiled_header, then the database (ok) or an error message. Exit status 0
 * when the header and what follows were written. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiled.h"
#include "config.h"
#include "detect.h"
#include "identity.h"
#include "known.h"

#define KNOWN_MAX 512

/* The device's identifiers and the owner's secrets in every encoding. discover: learn
 * identifiers from this system (the daemon; not a replay of another device's capture). NULL
 * with a message in err. */
static struct detect_db *detectors(const struct config *c, bool discover, unsigned owner_uid,
				   size_t *n_known, char *err, size_t errlen)
{
	struct identity id = c->identity;
	struct secrets sec = { 0 };
	struct known_value known[KNOWN_MAX];
	struct policy_error perr = { 0 };
	struct detect_config dc = { .known = known };
	struct detect_db *db;
	int r;

	r = secrets_load(&sec, c->secrets_path, owner_uid, &perr);
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errlen, "%s:%d: %s", perr.file, perr.line, perr.msg);
		return NULL;
	}
	if (discover)
		identity_discover(&id);
	dc.n_known = identity_known(&id, &sec, known, KNOWN_MAX);
	dc.have_location = id.have_location;
	dc.lat = id.lat;
	dc.lon = id.lon;
	db = detect_db_new(&dc, err, errlen);
	if (!db && discover) {
		/* Something this system reported is unusable: what the file says still counts. */
		fprintf(stderr, "privfwd: ignoring the identifiers learned from this system: %s\n", err);
		id = c->identity;
		dc.n_known = identity_known(&id, &sec, known, KNOWN_MAX);
		db = detect_db_new(&dc, err, errlen);
	}
	*n_known = dc.n_known;
	explicit_bzero(&id, sizeof(id));
	explicit_bzero(known, sizeof(known));
	secrets_free(&sec);
	return db;
}

static int write_all(int fd, const void *buf, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
	}
	return 0;
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: privfw-compile -c CONFIG [--missing-ok] [--discover] [--owner-uid UID]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "missing-ok", no_argument, NULL, 'm' },
		{ "discover", no_argument, NULL, 'd' },
		{ "owner-uid", required_argument, NULL, 'u' },
		{ 0 }
	};
	struct compiled_header h = { 0 };
	struct policy_error perr = { 0 };
	struct detect_db *db = NULL;
	const char *path = NULL;
	bool missing_ok = false, discover = false;
	unsigned long owner = 0;
	struct config c;
	char err[600] = "", *buf = NULL, *end;
	size_t n = 0, len = 0;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "c:", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'm': missing_ok = true; break;
		case 'd': discover = true; break;
		case 'u':
			errno = 0;
			owner = strtoul(optarg, &end, 10);
			if (errno || *end || owner > UINT32_MAX)
				usage();
			break;
		default: usage();
		}
	}
	if (!path || optind != argc)
		usage();
	config_defaults(&c);
	r = config_load(&c, path, &perr);
	if (r == -ENOENT && missing_ok)
		r = 0;
	if (r < 0)
		snprintf(err, sizeof(err), "%s:%d: %s", perr.file, perr.line, perr.msg);
	else if ((db = detectors(&c, discover, (unsigned)owner, &n, err, sizeof(err))) &&
		 detect_db_serialize(db, &buf, &len) < 0)
		snprintf(err, sizeof(err), "out of memory");
	h = (struct compiled_header){ .ok = buf != NULL, .n_known = (uint32_t)n,
				      .len = buf ? len : strnlen(err, sizeof(err)) };
	if (write_all(STDOUT_FILENO, &h, sizeof(h)) < 0 || write_all(STDOUT_FILENO, buf ? buf : err, h.len) < 0)
		return EXIT_FAILURE;
	free(buf);
	detect_db_free(db);
	return EXIT_SUCCESS;
}
