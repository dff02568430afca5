/* readfile.h - a whole file of bounded size into memory, for the loaders */
#ifndef NADZOR_READFILE_H
#define NADZOR_READFILE_H

#include <stddef.h>

enum readfile_fault {
	READFILE_OK,
	READFILE_OPEN,		/* open or fstat failed: errno says why */
	READFILE_READ,		/* read failed: errno says why */
	READFILE_NOTREG,	/* not a regular file (a FIFO would hang us) */
	READFILE_TOOBIG,	/* more than max bytes, now or while read */
};

/* Read path whole, at most max bytes, into *buf (NUL-terminated; the
 * caller frees it) and *len.  Each loader words the fault its own way. */
enum readfile_fault	readfile(const char *path, size_t max, char **buf,
			    size_t *len);

#endif
