/* hook.h - the exec hook: a command run for each alert, off the loop, retried */
#ifndef NADZOR_HOOK_H
#define NADZOR_HOOK_H

struct nadzord;

#define HOOK_THREADS	2	/* hooks running at once */
#define HOOK_MAXWAIT	600	/* seconds between retries at most */

/* Start delivering (nothing if no alert_hook is configured). */
void	hook_start(struct nadzord *);
void	hook_stop(struct nadzord *);
/* New alerts were committed: look for work now rather than at the tick. */
void	hook_kick(struct nadzord *);

/*
 * Run path once with envp, no shell, stdin/stdout/stderr on /dev/null, in
 * its own process group; kill the group after timeout seconds.  0 if it
 * exited 0; else -1 with why (a sentence) in buf.  Blocks: worker threads
 * only.
 */
int	hook_run(const char *path, char *const envp[], int timeout, char *why,
	    size_t len);

#endif
