/* cmd-user.c - nadzor --db PATH user add|list|disable|rotate-token */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "client.h"
#include "log.h"
#include "store.h"
#include "tz.h"
#include "user.h"

/* Open the database named by --db; NULL with a message. */
static struct store *
user_store(struct client *cl)
{
	struct store	*st;
	char		*err = NULL;

	if (cl->db == NULL) {
		fprintf(stderr, "nadzor: user commands work on the database "
		    "file: give --db PATH\n");
		return NULL;
	}
	if ((st = store_open(cl->db, 0, &err)) == NULL) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
	}
	return st;
}

/* Parse add's options into role and regions; EXIT_USAGE with a message. */
static int
user_add_args(int argc, char **argv, int *role, char regions[][16],
    size_t *n)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "region", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*role = -1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r' && (*role = role_from_name(optarg)) == -1) {
			fprintf(stderr, "nadzor: unknown role '%s': district, "
			    "region, department, head, analyst or admin\n", optarg);
			return EXIT_USAGE;
		} else if (ch == 'g') {
			if (!user_region_valid(optarg) || *n == USER_MAXREGIONS) {
				fprintf(stderr, "nadzor: '%s' is not a region code "
				    "(KZ-75, KZ-19, MIL...) or too many\n", optarg);
				return EXIT_USAGE;
			}
			snprintf(regions[(*n)++], 16, "%s", optarg);
		} else if (ch != 'r')
			return cmd_usage("user", 0);
	}
	return EXIT_OK;
}

/* user add LOGIN --role ROLE [--region CODE]...: prints the token only. */
static int
user_add_cmd(struct store *st, const char *actor, int argc, char **argv)
{
	char	 regions[USER_MAXREGIONS][16], token[TOKEN_LEN], *err = NULL;
	size_t	 n = 0;
	int	 role, rc;

	if ((rc = user_add_args(argc, argv, &role, regions, &n)) != EXIT_OK)
		return rc;
	if (optind + 1 != argc || role == -1)
		return cmd_usage("user", 0);
	if (!user_login_valid(argv[optind])) {
		fprintf(stderr, "nadzor: login '%s': use letters, digits, '.', "
		    "'_' or '-', at most %d\n", argv[optind], USER_LOGINMAX);
		return EXIT_USAGE;
	}
	if (role_needs_region(role) && n == 0) {
		fprintf(stderr, "nadzor: a %s user acts for given regions: add "
		    "--region CODE\n", role_name(role));
		return EXIT_USAGE;
	}
	if (user_add(st, actor, argv[optind], role, regions, n, token, &err)) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
		return EXIT_REFUSED;
	}
	printf("%s\n", token);
	return EXIT_OK;
}

/* One line of user list. */
static void
user_print(const struct user *u, void *arg)
{
	char		 when[32];
	time_t		 t = (time_t)u->created;
	size_t		 i;

	(void)arg;
	strftime(when, sizeof when, "%Y-%m-%d", gmtime(&t));
	printf("%-20s %-10s %-8s %s  ", u->login, role_name(u->role),
	    u->disabled ? "disabled" : "active", when);
	for (i = 0; i < u->nregions; i++)
		printf("%s%s", i ? "," : "", u->regions[i]);
	printf("%s\n", u->nregions == 0 ? "all regions" : "");
}

/* disable / rotate-token LOGIN. */
static int
user_change_cmd(struct store *st, const char *actor, const char *what,
    int argc, char **argv)
{
	char	token[TOKEN_LEN], *err = NULL;
	int	rc;

	if (argc != 2)
		return cmd_usage("user", 0);
	if (strcmp(what, "disable") == 0)
		rc = user_disable(st, actor, argv[1], &err);
	else
		rc = user_rotate(st, actor, argv[1], token, &err);
	if (rc == -1) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
		return EXIT_REFUSED;
	}
	if (strcmp(what, "rotate-token") == 0)
		printf("%s\n", token);
	return EXIT_OK;
}

/* user absent LOGIN --until YYYY-MM-DD [--substitute LOGIN]: away through
 * that day (Astana time), alerts going to the substitute meanwhile. */
static int
user_absent_cmd(struct store *st, const char *actor, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "substitute", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*until = NULL, *sub = NULL;
	char		*err = NULL;
	struct tz	*z;
	int		 ch, y, m, d, n = 0;
	long long	 t;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'u')
			until = optarg;
		else if (ch == 's')
			sub = optarg;
		else
			return cmd_usage("user", 0);
	}
	if (optind + 1 != argc || until == NULL)
		return cmd_usage("user", 0);
	if (sscanf(until, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    until[n] != '\0' || m < 1 || m > 12 || d < 1 || d > 31) {
		fprintf(stderr, "nadzor: --until %s: give a date, YYYY-MM-DD\n",
		    until);
		return EXIT_USAGE;
	}
	if ((z = tz_load("Asia/Almaty", &err)) == NULL) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
		return EXIT_UNAVAIL;
	}
	/* Through the whole day given: until the next local midnight. */
	t = tz_local_to_utc(z, y, m, d, 0, 0, 0) + 86400;
	tz_free(z);
	if (user_absent(st, actor, argv[optind], t, sub, &err) == -1) {
		fprintf(stderr, "nadzor: %s\n", err);
		free(err);
		return EXIT_REFUSED;
	}
	printf("%s is absent through %s%s%s\n", argv[optind], until,
	    sub ? "; alerts go to " : "", sub ? sub : "");
	return EXIT_OK;
}

int
cmd_user(struct client *cl, int argc, char **argv)
{
	struct store	*st;
	char		 actor[128];
	const char	*sub = argc > 1 ? argv[1] : "";
	int		 rc;

	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "disable") != 0 && strcmp(sub, "rotate-token") != 0 &&
	    strcmp(sub, "absent") != 0)
		return cmd_usage("user", 0);
	if ((st = user_store(cl)) == NULL)
		return EXIT_UNAVAIL;
	audit_local_actor(actor, sizeof actor);
	if (strcmp(sub, "add") == 0)
		rc = user_add_cmd(st, actor, argc - 1, argv + 1);
	else if (strcmp(sub, "absent") == 0)
		rc = user_absent_cmd(st, actor, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0)
		rc = argc == 2 ? (user_foreach(st, user_print, NULL) == 0 ?
		    EXIT_OK : EXIT_UNAVAIL) : cmd_usage("user", 0);
	else
		rc = user_change_cmd(st, actor, sub, argc - 1, argv + 1);
	store_close(st);
	return rc;
}
