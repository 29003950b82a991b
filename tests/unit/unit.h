/* Shared CUnit runner for privfw's unit tests: one binary per module. */
#ifndef PRIVFW_UNIT_H
#define PRIVFW_UNIT_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

/* Runs one suite of cases; the exit status is non-zero when any assertion failed. */
static inline int unit_run(const char *suite_name, const struct unit_case *cases)
{
	CU_pSuite suite;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(suite_name, NULL, NULL);
	if (!suite)
		return 2;
	for (; cases->name; cases++)
		if (!CU_add_test(suite, cases->name, cases->fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif
