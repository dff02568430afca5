/* i18n.c - the words of the analyses and alerts from gettext catalogues, by label id */
#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"

#define DOMAIN		"nadzor"
#define FILL_RESERVE	24	/* bytes: a long long's digits and sign */

/* Where the build put the catalogues (the Makefile says). */
#ifndef NADZOR_LOCALEDIR
#define NADZOR_LOCALEDIR	"build/locale"
#endif

/* 1 if lang is one of I18N_LANGS. */
int
i18n_known(const char *lang)
{
	static const char *const langs[] = { "ru", "kk", "en" };
	size_t	 i;

	for (i = 0; i < sizeof langs / sizeof langs[0]; i++)
		if (strcmp(lang, langs[i]) == 0)
			return 1;
	return 0;
}

/* 1 if dir holds the catalogue of lang. */
static int
i18n_has(const char *dir, const char *lang)
{
	char	*mo;
	int	 rc;

	xasprintf(&mo, "%s/%s/LC_MESSAGES/" DOMAIN ".mo", dir, lang);
	rc = access(mo, R_OK) == 0;
	free(mo);
	return rc;
}

/* The catalogue directory for lang: $NADZOR_LOCALEDIR, else the build's,
 * else share/locale beside the program's bin/, where make install puts
 * the catalogues (caller frees). */
static char *
i18n_dir(const char *lang)
{
	const char	*env = getenv("NADZOR_LOCALEDIR");
	char		 exe[PATH_MAX], *dir;
	ssize_t		 n;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	/* An installed program's own catalogues first: the build tree it was
	 * made in may still exist, with newer words. */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		xasprintf(&dir, "%s/../share/locale", dirname(exe));
		if (i18n_has(dir, lang))
			return dir;
		free(dir);
	}
	return xstrdup(NADZOR_LOCALEDIR);
}

/*
 * glibc's gettext ignores LANGUAGE while LC_MESSAGES is "C", and a fresh
 * machine has no ru_RU or kk_KZ locale generated; C.UTF-8 is built into
 * glibc, so it and LANGUAGE pick the catalogue on any machine.  The output
 * codeset is bound to UTF-8 because LC_CTYPE stays "C".
 */
void
i18n_use(const char *lang)
{
	char	*dir = i18n_dir(lang);

	if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL)
		fprintf(stderr, "nadzor: this system has no C.UTF-8 locale; "
		    "labels are ids\n");
	bindtextdomain(DOMAIN, dir);
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	setenv("LANGUAGE", lang, 1);
	/* Setting the domain again makes gettext drop what it cached for
	 * the previous language. */
	textdomain(DOMAIN);
	if (!i18n_has(dir, lang))
		fprintf(stderr, "nadzor: no catalogue %s/%s/LC_MESSAGES/" DOMAIN
		    ".mo (set NADZOR_LOCALEDIR); labels are ids\n", dir, lang);
	free(dir);
}

/* The words for a label id in the language taken; the id if none. */
const char *
i18n_label(const char *id)
{
	return *id == '\0' ? id : dgettext(DOMAIN, id);
}

/* A catalogue's words with {n} and {m} filled in: a translation is never a
 * printf format, so a stray '%' in one can do no harm.  Words too long for
 * buf are cut at a character. */
void
i18n_fill(const char *tpl, long long n, long long m, char *buf, size_t len)
{
	size_t	 o = 0;

	if (len == 0)
		return;
	/* A character's trailing bytes may use the reserve (room for a
	 * number), never past it. */
	for (; *tpl != '\0' && (o + FILL_RESERVE < len ||
	    (((unsigned char)*tpl & 0xc0) == 0x80 && o + 1 < len)); tpl++) {
		if (tpl[0] == '{' && (tpl[1] == 'n' || tpl[1] == 'm') &&
		    tpl[2] == '}') {
			o += (size_t)snprintf(buf + o, len - o, "%lld",
			    tpl[1] == 'n' ? n : m);
			tpl += 2;
		} else
			buf[o++] = *tpl;
	}
	buf[o] = '\0';
}
