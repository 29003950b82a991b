/* libFuzzer target for policy_parse. Besides crashes it checks that the canonical form of
 * whatever parses is accepted again and prints the same (what --check -v relies on).
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Idaemon fuzz/fuzz_policy.c \
 *	daemon/policy.c -lconfig -o fuzz_policy && ./fuzz_policy -max_total_time=60 tests/golden
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5's parser leaks the string token it discards on some syntax errors
 * (e.g. "\"x\" = 1;"); not ours to fix, and it would stop every run. Only the lexer's
 * allocations are suppressed, so a config_t we forget to destroy is still caught. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static char *print(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || policy_print(p, f) < 0)
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_error err;
	struct policy *p = NULL, *q = NULL;
	char *text, *a, *b;

	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (policy_parse(&p, text, "fuzz", &err) == 0) {
		a = print(p);
		if (policy_parse(&q, a, "canonical", &err) != 0)
			abort();
		b = print(q);
		if (strcmp(a, b))
			abort();
		free(a);
		free(b);
		policy_free(q);
		policy_free(p);
	} else if (!memchr(err.msg, '\0', sizeof(err.msg)) || err.line < 0) {
		abort();
	}
	free(text);
	return 0;
}
