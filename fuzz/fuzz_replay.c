/* libFuzzer target for `privfwd --replay`: any bytes as a capture file, through the pcap and
 * pcapng reader, link-layer stripping, packet parsing, flow tracking, the decoders, the detectors
 * and the policy. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect.h"
#include "policy.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const struct known_value known[] = {
	{ DT_IMEI, "imei", "490154203237518" },
	{ DT_MACHINE_ID, "machine_id", "8f3a1c2b9d7e4f60a1b2c3d4e5f60718" },
	{ DT_EMAIL, "email", "owner@example.org" },
	{ DT_SECRET, "pin", "correct-horse" },
};

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct policy *pol;
	static struct detect_db *db;
	static FILE *null;
	struct detect_config dc = { .known = known, .n_known = sizeof(known) / sizeof(known[0]) };
	struct replay_opts o = { .path = "fuzz", .app = "fuzz", .budget = 4096, .keep_db = true,
				 .flows_max = 64 };
	char err[256];

	if (!pol && !(pol = policy_new()))
		abort();
	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	if (!db && !(db = detect_db_new(&dc, err, sizeof(err))))
		abort();
	o.json = n & 1;
	o.out = o.err = null;
	o.in = fmemopen((void *)d, n, "rb");
	if (!o.in)
		return 0;
	replay_run(&o, pol, db);
	return 0;
}
