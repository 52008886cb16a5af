/* lbcheck/probe.h: "lbcheck probe": run health checks once, from a config or ad hoc */
#ifndef LBCHECK_PROBE_H
#define LBCHECK_PROBE_H

/* argv[0] is "lbcheck", argv[1..] the words after "probe". Returns the exit status: 0 every
 * probe passed, 1 one failed, 2 usage or configuration error. */
int lbcheck_probe_main(int argc, char **argv);

#endif
