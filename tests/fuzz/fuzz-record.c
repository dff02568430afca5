/* fuzz-record.c - libFuzzer target: any bytes through record_parse */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "record.h"

#define NOW	INT64_C(1767225600)	/* 2026-01-01T00:00:00Z */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The schema is compiled once, as in nadzord, and never freed: the target
 * runs until the fuzzer exits.  Every input must be accepted or refused
 * with a reason; the sanitizers judge the rest.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record_schema	*rs;
	struct record_set		 set;
	struct record_error		 err;
	char				*cause = NULL;

	if (rs == NULL && (rs = record_schema_load(&cause)) == NULL)
		abort();
	if (record_parse(rs, (const char *)data, size, NOW, &set, &err) == 0)
		record_set_free(&set);
	else if (err.reason[0] == '\0')
		abort();	/* a refusal must say why */
	return 0;
}
