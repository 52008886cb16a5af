/* lbd/sdnotify.h: telling systemd about the daemon's state (the sd_notify datagram) */
#ifndef LBD_SDNOTIFY_H
#define LBD_SDNOTIFY_H

/* Sends "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..." (newline-separated
 * assignments) to $NOTIFY_SOCKET when it is set; a RELOADING=1 message gets the
 * MONOTONIC_USEC= that Type=notify-reload wants. A path starting with '@' is an abstract
 * socket. Returns 0 (also when systemd is not listening), -1 when the send failed. */
int lbd_sd_notify(const char *state);

#endif
