/* fuzz-rules.c - libFuzzer target: any bytes through ruleset_parse */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* Run from the repository root, as make fuzz does. */
#define XSD	"rules/ruleset.xsd"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The schema is compiled once, as rulebook_load does per directory, and
 * never freed: the target runs until the fuzzer exits.  Every input must
 * be accepted or refused with a sentence naming the file; the sanitizers
 * judge the rest.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rules_schema	*rs;
	struct ruleset			 set;
	char				*err = NULL;

	if (rs == NULL && (rs = rules_schema_load(XSD, &err)) == NULL)
		abort();
	if (ruleset_parse(rs, "fuzz.xml", (const char *)data, size, &set,
	    &err) == 0) {
		if (set.nrules == 0 || set.until_utc != INT64_MAX)
			abort();	/* a set always has a rule */
		ruleset_clear(&set);
	} else if (err == NULL || strncmp(err, "fuzz.xml", 8) != 0)
		abort();	/* a refusal must say where and why */
	free(err);
	return 0;
}
