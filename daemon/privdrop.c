/* privdrop.c - started as root: become the dedicated user before any thread */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "privdrop.h"

/* Who nadzord becomes: getpwnam's answer, copied before anything else
 * asks the password database. */
struct target {
	const char	*name;
	uid_t		 uid;
	gid_t		 gid;
};

/* The directory part of path (caller frees): "." for a bare name. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* A missing database directory is made for the user, one level only (as
 * systemd's StateDirectory= does), mode 0750. */
static int
dir_create(const char *dir, const struct target *t, char **err)
{
	int fd;

	if (mkdir(dir, 0750) == -1) {
		if (errno == EEXIST)
			return 0;
		xasprintf(err, "cannot create the database directory %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fchown(fd, t->uid, t->gid) == -1) {
		xasprintf(err, "cannot give %s to user %s: %s", dir, t->name,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	log_info("created %s for the database, owned by %s", dir, t->name);
	return 0;
}

/* The database and its WAL files, where they exist, must be the user's
 * already: nadzord refuses rather than chown them, so a file root made by
 * mistake is seen, not hidden. */
static int
files_owned(const char *db, const struct target *t, char **err)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct stat	 st;
	struct passwd	*pw;
	char		*path, owner[32];
	size_t		 i;
	int		 rc = 0;

	for (i = 0; rc == 0 && i < sizeof sfx / sizeof sfx[0]; i++) {
		xasprintf(&path, "%s%s", db, sfx[i]);
		if (stat(path, &st) == 0 && st.st_uid != t->uid) {
			if ((pw = getpwuid(st.st_uid)) != NULL)
				snprintf(owner, sizeof owner, "%s", pw->pw_name);
			else
				snprintf(owner, sizeof owner, "uid %u",
				    (unsigned)st.st_uid);
			xasprintf(err, "database file %s belongs to %s, not to %s:"
			    " chown %s: %s* (nadzord runs as %s)", path, owner,
			    t->name, t->name, db, t->name);
			rc = -1;
		}
		free(path);
	}
	return rc;
}

/* As the user now: it must be able to write the database and, for the
 * -wal and -shm files, its directory. */
static int
db_writable(const char *db, const char *dir, const struct target *t,
    char **err)
{
	if (access(dir, W_OK | X_OK) == -1) {
		xasprintf(err, "user %s cannot write in %s, the database's "
		    "directory: %s", t->name, dir, strerror(errno));
		return -1;
	}
	if (access(db, R_OK | W_OK) == -1 && errno != ENOENT) {
		xasprintf(err, "user %s cannot read and write %s: %s", t->name,
		    db, strerror(errno));
		return -1;
	}
	return 0;
}

/* Become the user for good: supplementary groups, then the group, then
 * the user, each real, effective and saved (OpenSMTPD's order). */
static int
become(const struct target *t, char **err)
{
	if (setgroups(1, &t->gid) == -1 ||
	    setresgid(t->gid, t->gid, t->gid) == -1 ||
	    setresuid(t->uid, t->uid, t->uid) == -1) {
		xasprintf(err, "cannot become user %s: %s", t->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The drop took, or nadzord must not go on: every id is the user's, the
 * group is the only one, and root cannot be had back. */
static void
verify(const struct target *t)
{
	uid_t	r, e, s;
	gid_t	rg, eg, sg, groups[2];

	if (getresuid(&r, &e, &s) == -1 || r != t->uid || e != t->uid ||
	    s != t->uid)
		fatalx("privdrop: user ids are not all %u", (unsigned)t->uid);
	if (getresgid(&rg, &eg, &sg) == -1 || rg != t->gid || eg != t->gid ||
	    sg != t->gid)
		fatalx("privdrop: group ids are not all %u", (unsigned)t->gid);
	if (getgroups(2, groups) != 1 || groups[0] != t->gid)
		fatalx("privdrop: supplementary groups remain");
	if (setuid(0) != -1 || setgid(0) != -1)
		fatalx("privdrop: root could be had back");
}

int
privdrop(const struct config *c, char **err)
{
	struct target	 t;
	struct passwd	*pw;
	char		*dir;
	int		 rc;

	if (geteuid() != 0)
		return 0;
	t.name = c->user != NULL ? c->user : PRIVDROP_USER;
	if ((pw = getpwnam(t.name)) == NULL) {
		xasprintf(err, "started as root, but user %s does not exist: "
		    "create it (useradd --system %s) or name another with "
		    "'user' in --config", t.name, t.name);
		return -1;
	}
	t.uid = pw->pw_uid;
	t.gid = pw->pw_gid;
	if (t.uid == 0) {
		log_warnx("running as root ('user %s' in the config): for tests "
		    "and development only", t.name);
		return 0;
	}
	dir = dir_of(c->db);
	rc = -1;
	if (dir_create(dir, &t, err) == 0 && files_owned(c->db, &t, err) == 0 &&
	    become(&t, err) == 0) {
		verify(&t);
		rc = db_writable(c->db, dir, &t, err);
	}
	free(dir);
	return rc;
}
