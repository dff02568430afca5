/* events.h - GET /api/v1/events: alerts streamed to the users they are for */
#ifndef NADZOR_EVENTS_H
#define NADZOR_EVENTS_H

struct alertvec;
struct nadzord;

#define EVENTS_KEEPALIVE	15		/* seconds between comments */

void	events_start(struct nadzord *);
/* Send committed alerts to the streams of their recipients. */
void	events_announce(struct nadzord *, const struct alertvec *);
/* End every stream (shutdown): clients reconnect with Last-Event-ID. */
void	events_stop(struct nadzord *);

#endif
