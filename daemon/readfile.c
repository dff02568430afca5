/* readfile.c - a whole file of bounded size into memory, for the loaders */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "readfile.h"

/* Rules, calendars, schemas and zone files are read once and parsed from
 * memory.  O_NONBLOCK keeps a FIFO put in their place from hanging the
 * open; the size is checked before reading and again while reading, since
 * a file may grow meanwhile. */
enum readfile_fault
readfile(const char *path, size_t max, char **buf, size_t *len)
{
	enum readfile_fault	 fault = READFILE_OK;
	struct stat		 st;
	char			*b = NULL;
	size_t			 have = 0;
	ssize_t			 r;
	int			 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1 || fstat(fd, &st) == -1) {
		fault = READFILE_OPEN;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		fault = READFILE_NOTREG;
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		fault = READFILE_TOOBIG;
		goto fail;
	}
	b = xmalloc(max + 2);
	while (have <= max) {
		if ((r = read(fd, b + have, max + 1 - have)) == -1) {
			if (errno == EINTR)
				continue;
			fault = READFILE_READ;
			goto fail;
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	if (have > max) {
		fault = READFILE_TOOBIG;
		goto fail;
	}
	close(fd);
	b[have] = '\0';
	*buf = b;
	*len = have;
	return READFILE_OK;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(b);
	errno = saved;
	return fault;
}
