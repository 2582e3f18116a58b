/*
 * pgstore — a librelease storage backend on PostgreSQL.
 *
 * One shared release history for deploys that run on several machines: every
 * host that opens the same database (and schema) sees the same apps, builds,
 * releases and active pointers, with the guarantees of the file store —
 * gap-free versions, one active release, nothing acknowledged lost.
 *
 * The backend implements the public storage vtable (librelease/storage.h) and
 * nothing else; it links libpq, the core library does not.
 *
 * Tables live in the connection's current schema (the first existing entry
 * of search_path; choose one with options=-csearch_path=NAME in the
 * connection string). Opening creates them, or migrates an older layout, in
 * one transaction; a layout newer than this code knows is refused, so once a
 * newer program has opened a store, older programs refuse it and say so.
 * Needs PostgreSQL 11 or newer, and PL/pgSQL (installed by default).
 *
 * Every vtable call is one SQL statement in its own transaction, so a store
 * is consistent whatever fails. A lost connection fails the call in progress
 * with RELEASE_EIO; the next call reconnects. Durability is the server's:
 * with its defaults (fsync and synchronous_commit on) a call that returned is
 * on disk.
 *
 * Version 2 of the vtable: commit() sends all its operations in one call of
 * a function the schema holds, so a commit is one round trip and one
 * transaction; a conflict rolls all of it back. A hold is a session-level
 * advisory lock, which the server releases when the session ends: the
 * holding process exiting or being killed, its connection cut, its backend
 * terminated. The holder's info is kept in a table and shown only while
 * its session holds the lock. A hold whose connection was lost (or left in
 * doubt) is taken again by the handle's next session when no other session
 * held the app meanwhile; otherwise it is lost, and the handle's writes to
 * the app (commits, and the single-record put, compare-and-swap and
 * delete) fail with RELEASE_EBUSY, writing nothing, until it is given back.
 * A dead client on another machine is noticed only when the server's TCP
 * keepalives say so (its tcp_keepalives_* settings), which for a hold is
 * how long it outlives its holder. A live one's session is never ended
 * for being idle: pgstore sets idle_session_timeout (PostgreSQL 14) to 0
 * on its sessions, whatever the server's default, so a hold lasts while
 * its holder's deployer runs without a statement.
 *
 * Version 3: the deployment log (records of RELEASE_KIND_DEPLOY), stored as
 * builds and releases are, and wait() through LISTEN/NOTIFY. Schema version
 * 3 adds a trigger on the records table that notifies channel "librelease",
 * with the app's name as payload, whenever a transaction that changed an
 * app's records commits, whoever wrote them. A handle LISTENs from its first
 * wait() with a timeout until it is closed; the notifications it receives
 * meanwhile are read, and dropped, by its next call. A waiter wakes on a
 * notification for its app and, in any case, checks again every second.
 *
 * A handle is used by one thread at a time, as a store handle is.
 */
#ifndef PGSTORE_H
#define PGSTORE_H

#include <librelease/release.h>
#include <librelease/storage.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest table layout this code creates and reads. */
#define PGSTORE_SCHEMA_VERSION 3

/* Non-zero if uri is a PostgreSQL connection URI ("postgresql://..." or
 * "postgres://..."), the form relctl and RELEASE_STORE accept. */
int pgstore_is_uri(const char *uri);

/*
 * Connects with a libpq connection string (a URI or "key=value ..."),
 * creates or migrates the tables, and returns the backend: *storage is
 * static, *ctx is freed by (*storage)->close(*ctx).
 *
 * Returns 0, or RELEASE_EINVAL (a NULL argument), RELEASE_EIO (no connection,
 * or the server refused a statement), RELEASE_EUNSUPPORTED (the tables are of
 * a newer layout than PGSTORE_SCHEMA_VERSION) or RELEASE_ENOMEM; err (may be
 * NULL) then receives a message of at most errlen - 1 bytes.
 */
int pgstore_storage_open(const release_storage **storage, void **ctx, const char *conninfo,
			 char *err, size_t errlen);

/* pgstore_storage_open() and release_store_open_backend() in one call. */
int pgstore_open(release_store **out, const char *conninfo, const release_store_opts *opts,
		 char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
