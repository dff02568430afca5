/* test-i18n.c - the report and alert words from the built catalogues, one language after another in one process */
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

/* Some of the alerts' words, by language. */
static const struct {
	const char	*lang, *id, *want;
} alert_words[] = {
	{ "kk", "alert.breach", "Мерзімі бұзылды" },
	{ "kk", "alert.ack", "Растау" },
	{ "en", "alert.number", "Alert #{n}" },
	{ "ru", "alert.overdue", "Просрочено на" },
};

int
main(void)
{
	char	 buf[64];
	size_t	 i;

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

	/* The desktop alerts' words are the catalogues' too. */
	for (i = 0; i < sizeof alert_words / sizeof alert_words[0]; i++) {
		i18n_use(alert_words[i].lang);
		ok(label_is(alert_words[i].id, alert_words[i].want), "%s %s: %s",
		    alert_words[i].lang, alert_words[i].id,
		    i18n_label(alert_words[i].id));
	}

	/* {n} and {m} filled in; a '%' is a character, never a format; words
	 * too long are cut at a character, and buf is never overrun. */
	i18n_fill(i18n_label("alert.number"), 42, 0, buf, sizeof buf);
	ok(strcmp(buf, "Оповещение № 42") == 0, "%s", buf);
	i18n_fill("{m}%s%n{n}{x}", -5, 9223372036854775807LL, buf, sizeof buf);
	ok(strcmp(buf, "9223372036854775807%s%n-5{x}") == 0, "%s", buf);
	i18n_fill("ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ {n}", 1, 0, buf, 30);
	ok(strcmp(buf, "ЖЖЖ") == 0, "%s", buf);
	memset(buf, 'x', sizeof buf);
	i18n_fill("{n}", 1, 0, buf, 1);
	ok(buf[0] == '\0' && buf[1] == 'x', "one byte");

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
