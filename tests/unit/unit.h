/* unit.h - the smallest test harness: checks counted, a closing line the runner sums */
#ifndef NADZOR_UNIT_H
#define NADZOR_UNIT_H

#include <stdio.h>

static int unit_passed, unit_failed;

/* Count one check; on failure say where and what. */
#define ok(cond, ...) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* The closing line tests/run adds up; exit status for make. */
#define unit_done() (printf("%d passed, %d failed\n", unit_passed, unit_failed), \
	unit_failed != 0)

#endif
