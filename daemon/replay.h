/* replay: `privfwd --replay FILE.pcap` runs the decoders, detectors and policy over a capture
 * instead of the kernel's queue, and prints one line (or JSON object) per finding. */
#ifndef PRIVFW_REPLAY_H
#define PRIVFW_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct detect_db;
struct policy;

struct replay_opts {
	const char *path;        /* pcap or pcapng file, "-" for stdin; named in messages */
	FILE *in;                /* read instead of path when set; replay_run closes it */
	const char *app;         /* app whose policy applies */
	bool json;               /* one JSON object per finding on out; summary on err */
	uint32_t budget;         /* inspection budget per flow, as in the daemon */
	bool keep_db;            /* db stays the caller's */
	unsigned flows_max;      /* flows tracked at once; 0 means 65536 */
	FILE *out, *err;
};

/* Takes db unless o->keep_db. 0 when the capture was read to its end (with or without findings), -EINVAL with a
 * message on o->err when it cannot be read. Blocks on file I/O. */
int replay_run(const struct replay_opts *o, const struct policy *pol, struct detect_db *db);

#endif
