/* test-i18n.c - the report words from the built catalogues, one language after another in one process */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "unit.h"

/* 1 if the label of id in the language taken is want. */
static int
label_is(const char *id, const char *want)
{
	return strcmp(i18n_label(id), want) == 0;
}

int
main(void)
{
	ok(i18n_known("ru") && i18n_known("kk") && i18n_known("en"), "known");
	ok(!i18n_known("de") && !i18n_known("") && !i18n_known("r"),
	    "unknown");

	/* The environment of a fresh machine: no locale of its own. */
	setenv("LC_ALL", "C", 1);
	unsetenv("LANGUAGE");

	/* One process, one language after another: nothing cached. */
	i18n_use("ru");
	ok(label_is("category.escape", "Побеги"), "%s",
	    i18n_label("category.escape"));
	i18n_use("kk");
	ok(label_is("category.escape", "Қашулар"), "%s",
	    i18n_label("category.escape"));
	ok(label_is("sex.f", "Әйелдер"), "%s", i18n_label("sex.f"));
	i18n_use("en");
	ok(label_is("category.escape", "Escapes"), "%s",
	    i18n_label("category.escape"));
	i18n_use("ru");
	ok(label_is("col.previous", "АППГ"), "%s", i18n_label("col.previous"));
	ok(label_is("page.n-of-m", "Страница {n} из {m}"), "%s",
	    i18n_label("page.n-of-m"));

	/* An id without a translation is itself; "" is not the header. */
	ok(label_is("category.no-such", "category.no-such"), "%s",
	    i18n_label("category.no-such"));
	ok(label_is("", ""), "%s", i18n_label(""));

	/* NADZOR_LOCALEDIR overrides the build's directory. */
	setenv("NADZOR_LOCALEDIR", "/nonexistent", 1);
	i18n_use("kk");
	ok(label_is("category.escape", "category.escape"), "%s",
	    i18n_label("category.escape"));
	unsetenv("NADZOR_LOCALEDIR");
	i18n_use("kk");
	ok(label_is("category.escape", "Қашулар"), "%s",
	    i18n_label("category.escape"));
	return unit_done();
}
