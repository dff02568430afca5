/* i18n.h - the words of the analyses and alerts in Russian, Kazakh or English (gettext) */
#ifndef NADZOR_I18N_H
#define NADZOR_I18N_H

#include <stddef.h>

/* The languages there are catalogues for; Russian is the default. */
#define I18N_LANGS	"ru kk en"

/* 1 if lang is one of I18N_LANGS. */
int		 i18n_known(const char *lang);
/* Take the words of lang (known) from now on: one process may switch
 * between reports.  A missing catalogue is said on stderr; labels are
 * then their ids. */
void		 i18n_use(const char *lang);
/* The words for a label id in the language taken; the id if none. */
const char	*i18n_label(const char *id);
/* Words such as "Page {n} of {m}" with the numbers in, into buf (cut at a
 * character when too long). */
void		 i18n_fill(const char *words, long long n, long long m,
		    char *buf, size_t len);

#endif
