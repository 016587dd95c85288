/* Replace a file atomically: readers see the old content or the new, never
 * a torn write (status file, metrics file for the textfile collector). */
#ifndef NETHEAL_SERVICE_ATOMIC_H
#define NETHEAL_SERVICE_ATOMIC_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* mkdir -p for dir, each missing component created with mode. 0 or -errno. */
int nh_mkdir_p(const char *dir, mode_t mode);

/*
 * Write data to a temporary file in path's directory (created 0755 when
 * missing), give it mode, and rename it over path. The temporary name starts
 * with '.' and does not end in the final name's suffix, so the node_exporter
 * textfile collector (which reads *.prom) never picks it up. No fsync: the
 * files live on /run and are rewritten constantly; a crash loses only a
 * snapshot. Returns 0 or -errno; on error path is untouched.
 */
int nh_atomic_write(const char *path, const void *data, size_t len, mode_t mode);

/* The same for what format(obj, f) prints; format returns 0 or -errno. */
int nh_atomic_write_formatted(const char *path, mode_t mode,
			      int (*format)(const void *obj, FILE *f), const void *obj);

#endif
