/* baseline.c - the ingest baseline: one row per transaction, WAL, synchronous=FULL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

/* Read the record file whose bytes every row carries. */
static char *
slurp(const char *path, long *len)
{
	FILE	*f = fopen(path, "rb");
	char	*b;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	b = malloc(*len + 1);
	if (fread(b, 1, *len, f) != (size_t)*len)
		*len = 0;
	fclose(f);
	return b;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	sqlite3_stmt	*ins;
	char		*body, ref[64];
	long		 len, i, n;
	double		 t0, dt;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-baseline DB RECORD.xml N\n");
		return 2;
	}
	n = atol(argv[3]);
	if ((body = slurp(argv[2], &len)) == NULL || len == 0)
		return 1;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, ref TEXT"
	    " UNIQUE, xml TEXT)", NULL, NULL, NULL) != SQLITE_OK)
		return 1;
	sqlite3_prepare_v2(db, "INSERT INTO r (ref, xml) VALUES (?, ?)", -1,
	    &ins, NULL);
	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(ref, sizeof ref, "BASE-%ld", i);
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_text(ins, 1, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, body, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return 1;
		sqlite3_reset(ins);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	dt = now() - t0;
	printf("%.1f\n", n / dt);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	free(body);
	return 0;
}
