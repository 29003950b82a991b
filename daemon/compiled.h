/* compiled: what privfw-compile writes to privfwd: this header, then the serialized database
 * (ok) or an error message, len bytes. */
#ifndef PRIVFW_COMPILED_H
#define PRIVFW_COMPILED_H

#include <stdint.h>

#define COMPILED_MAX (256u << 20)  /* the most privfwd reads */

struct compiled_header {
	uint32_t ok;
	uint32_t n_known;
	uint64_t len;
};

#endif
