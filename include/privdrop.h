/* privdrop.h - started as root: become the dedicated user before any thread */
#ifndef NADZOR_PRIVDROP_H
#define NADZOR_PRIVDROP_H

struct config;

/* The user nadzord becomes when started as root and the config names none. */
#define PRIVDROP_USER	"nadzor"

/*
 * Started as root (euid 0): make sure the database can be the user's (its
 * directory is created for the user if missing; a database file of another
 * owner is refused), then become that user for good, as OpenSMTPD does:
 * setgroups, setresgid, setresuid, verified.  The user is 'user' in the
 * config, else PRIVDROP_USER; 'user root' keeps root, with a warning (tests
 * and development only).  Not root: nothing.  -1 and *err, one line, when
 * it cannot be done: nadzord never goes on as root by accident.  Call it
 * after binding the listening socket and before any thread exists.
 */
int	privdrop(const struct config *, char **err);

#endif
