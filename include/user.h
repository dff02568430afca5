/* user.h - users, their roles and the regions they may see */
#ifndef NADZOR_USER_H
#define NADZOR_USER_H

#include <stddef.h>

#include "token.h"

struct store;

enum role {
	ROLE_DISTRICT,
	ROLE_REGION,
	ROLE_DEPARTMENT,	/* a zonal officer of the regions given */
	ROLE_HEAD,
	ROLE_ANALYST,
	ROLE_ADMIN,
};

/* What a user sends in: records (POST /api/v1/records), or reports to
 * the Department (.../submissions). */
enum submit {
	SUBMIT_RECORD,
	SUBMIT_REPORT,
};

#define USER_MAXREGIONS	32
#define USER_LOGINMAX	64

struct user {
	long long	 id;
	char		 login[USER_LOGINMAX + 1];
	enum role	 role;
	int		 disabled;
	long long	 created;
	/* No regions: the whole country (head, analyst, admin only). */
	char		 regions[USER_MAXREGIONS][16];
	size_t		 nregions;
};

const char	*role_name(enum role);
int		 role_from_name(const char *);		/* -1 if unknown */
/* Roles that must be limited to regions, and roles that may submit
 * records or reports. */
int		 role_needs_region(enum role);
int		 role_may_submit(enum role, enum submit);

/* 1 if u may see and act on records of region. */
int	user_sees_region(const struct user *, const char *region);

/* Syntax checks for what an administrator types. */
int	user_login_valid(const char *);
int	user_region_valid(const char *);

/*
 * Changes: each runs in its own transaction with an audit entry by actor.
 * 0 on success; -1 with *err a sentence (the caller frees it).
 */
int	user_add(struct store *, const char *actor, const char *login,
	    enum role, char regions[][16], size_t nregions,
	    char token[TOKEN_LEN], char **err);
int	user_disable(struct store *, const char *actor, const char *login,
	    char **err);
int	user_rotate(struct store *, const char *actor, const char *login,
	    char token[TOKEN_LEN], char **err);

/* Mark login absent until the instant `until` (exclusive), alerts going to
 * substitute (a login, or NULL for nobody) meanwhile. */
int	user_absent(struct store *, const char *actor, const char *login,
	    long long until, const char *substitute, char **err);

/* Lookups: 0 found, 1 not found, -1 database error. */
int	user_by_token(struct store *, const char *token, size_t len,
	    struct user *);
int	user_by_login(struct store *, const char *login, struct user *);

/* Call fn for every user, in login order. */
int	user_foreach(struct store *, void (*fn)(const struct user *, void *),
	    void *arg);

#endif
