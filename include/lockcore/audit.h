/*
 * The audit log: every event lockcore emits is also appended to a
 * persistent ring in storage, newest overwriting oldest, each entry with a
 * sequence number that never repeats or goes back, across power cuts and
 * reboots. Apps page through it by sequence number.
 *
 * Built without the log (LK_WITH_AUDIT 0, lockcore/config.h), both functions
 * check lk as below and then return LK_ERR_NOTSUP; the ring keeps its place
 * in storage but is neither read nor written, and every event reaches the
 * application flagged LK_EVF_NOT_LOGGED.
 */
#ifndef LOCKCORE_AUDIT_H
#define LOCKCORE_AUDIT_H

#include <stdint.h>

#include "lockcore/event.h"
#include "lockcore/lock.h"

/*
 * Sequence numbers of the oldest and newest entries held. Entries between
 * them may be missing only where a write did not complete: torn by a power
 * cut (that event was never reported to the app), or reported as failed by
 * the port (that event reached the app flagged LK_EVF_NOT_LOGGED).
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT, LK_ERR_NOENT (log empty),
 * LK_ERR_NOTSUP (built without the log), or a storage read error. Reads
 * storage; never writes.
 */
int lk_audit_bounds(struct lk_lock *lk, uint32_t *oldest, uint32_t *newest);

/*
 * Copy the entry with sequence number seq into *ev.
 * Errors: LK_ERR_INVAL (NULL), LK_ERR_NOT_INIT, LK_ERR_NOENT (overwritten,
 * not written yet, or torn), LK_ERR_NOTSUP (built without the log), or a
 * storage read error. Reads storage only.
 */
int lk_audit_read(struct lk_lock *lk, uint32_t seq, struct lk_event *ev);

#endif /* LOCKCORE_AUDIT_H */
