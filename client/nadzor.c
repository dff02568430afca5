/* nadzor.c - the client: global options, the command table, dispatch */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"

static const struct cmd cmds[] = {
	{ "submit", "FILE... | -", "send records (XML files, or - for stdin) "
	    "to the daemon", cmd_submit },
	{ "record", "ID | REGION/REF", "show a stored record as XML",
	    cmd_record },
	{ "user", "add LOGIN --role ROLE [--region CODE]... | list | "
	    "disable LOGIN | rotate-token LOGIN | absent LOGIN --until DATE "
	    "[--substitute LOGIN]", "manage users in the database file (needs "
	    "--db)", cmd_user },
	{ "audit", "verify | list [--last N]", "check or show the audit "
	    "history in the database file (needs --db)", cmd_audit },
	{ "obligations", "[--state S] [--region R] [--rule ID] [--record REF] "
	    "[--due-within 2h] [--format table|json]", "list duties, soonest "
	    "due first, with local times and time left", cmd_obligations },
	{ "explain", "OBLIGATION-ID", "say in words why a due time is what it "
	    "is", cmd_explain },
	{ "waive", "OBLIGATION-ID --reason TEXT", "close a duty that does not "
	    "apply (head or admin; audited)", cmd_waive },
	{ "alerts", "[--mine] [--since RFC3339]", "recent warnings, breaches "
	    "and escalations", cmd_alerts },
	{ "watch", "[--lang ru|kk|en] [--no-notify] [--once N] [--new-only]",
	    "show your alerts on the desktop: those still pending, then each "
	    "as it happens (stdout without one)",
	    cmd_watch },
	{ "ack", "ALERT-ID | --obligation OBLIGATION-ID", "acknowledge an alert, "
	    "or all your alerts of a duty", cmd_ack },
	{ "report", "monthly YYYY-MM | quarterly YYYY-Qn | halfyear YYYY-Hn | "
	    "annual YYYY [--region CODE] [--format xml|csv|html|pdf] "
	    "[--lang ru|kk|en] [-o FILE] [--submit | --resubmit REASON] | "
	    "submitted [ID [--data] [-o FILE]]", "the Department's analysis "
	    "of a period beside the same period last year; --submit freezes "
	    "it as sent, 'submitted' lists and fetches what was", cmd_report },
};

static const struct cmd *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* The whole usage: global options and one line per command. */
static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: nadzor [--url URL] [--token TOKEN] [--db PATH] "
	    "COMMAND [ARGS]\n"
	    "  --url URL      the daemon (default $NADZOR_URL, else "
	    "http://127.0.0.1:8470)\n"
	    "  --token TOKEN  bearer token (default $NADZOR_TOKEN)\n"
	    "  --db PATH      the database file, for user and audit commands\n"
	    "commands:\n");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "'nadzor COMMAND --help' for a command's arguments.\n");
}

int
cmd_usage(const char *name, int to_stdout)
{
	const struct cmd	*c = cmd_find(name);
	FILE			*f = to_stdout ? stdout : stderr;

	if (c != NULL)
		fprintf(f, "usage: nadzor %s %s\n  %s\n", c->name, c->usage,
		    c->help);
	return to_stdout ? EXIT_OK : EXIT_USAGE;
}

int
cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client		 cl = { NULL, NULL, NULL };
	const struct cmd	*c;
	int			 ch;

	log_init("nadzor", 1);
	while ((ch = getopt_long(argc, argv, "+u:t:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': cl.url = optarg; break;
		case 't': cl.token = optarg; break;
		case 'd': cl.db = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (cl.url == NULL && (cl.url = getenv("NADZOR_URL")) == NULL)
		cl.url = "http://127.0.0.1:8470";
	if (cl.token == NULL)
		cl.token = getenv("NADZOR_TOKEN");
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 < argc && cmd_find(argv[optind + 1]) != NULL)
			return cmd_usage(argv[optind + 1], 1);
		usage(stdout);
		return EXIT_OK;
	}
	if ((c = cmd_find(argv[optind])) == NULL) {
		fprintf(stderr, "nadzor: unknown command '%s'; 'nadzor --help' "
		    "lists them\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (cmd_wants_help(argc - optind, argv + optind))
		return cmd_usage(c->name, 1);
	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: a full reset, so commands parse their own argv */
	return c->exec(&cl, argc, argv);
}
