/* iin.c - the check of a Kazakh individual identification number (ИИН) */

#include <string.h>

#include "record.h"

/* Weighted sum of the first 11 digits, mod 11. */
static int
iin_sum(const char *s, const int *w)
{
	int	i, sum = 0;

	for (i = 0; i < 11; i++)
		sum += (s[i] - '0') * w[i];
	return sum % 11;
}

/*
 * 12 digits: YYMMDD of birth, a century/sex digit, a serial, a check digit.
 * The check digit is the sum with weights 1..11 mod 11; when that is 10 the
 * sum is taken again with weights 3..11,1,2, and a second 10 means no IIN
 * is issued with those eleven digits.  The century digit is 1-6 for
 * citizens born 1800-2099; 0 appears in some references for foreigners,
 * so 0-6 is accepted.
 */
int
iin_valid(const char *s)
{
	static const int w1[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	static const int w2[11] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2 };
	int	i, mm, dd, c;

	if (s == NULL || strnlen(s, 13) != 12)
		return 0;
	for (i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	mm = (s[2] - '0') * 10 + (s[3] - '0');
	dd = (s[4] - '0') * 10 + (s[5] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > 31 || s[6] > '6')
		return 0;
	if ((c = iin_sum(s, w1)) == 10 && (c = iin_sum(s, w2)) == 10)
		return 0;
	return c == s[11] - '0';
}
