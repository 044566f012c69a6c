//! The database: how it is opened (key, pragmas), its schema and the schema's version.
//!
//! **Pragmas**, in order, and why:
//! - `cipher_log_level = NONE`: SQLCipher would otherwise print to standard error when a key is
//!   wrong; the caller gets an [`IndexError`] instead.
//! - `key` (a raw 32-byte key, `x'…'`): every page of the database and of its write-ahead log
//!   is encrypted (AES-256-CBC) and authenticated (HMAC-SHA512) by SQLCipher; the file header is
//!   encrypted too, except the 16-byte salt. No passphrase derivation: the key is derived
//!   already.
//! - `cipher_compatibility = 4`: pins SQLCipher 4's settings, so a later SQLCipher with other
//!   defaults still reads the file.
//! - `journal_mode = WAL`, `synchronous = NORMAL`: commits append to the (encrypted) log
//!   without an fsync each; a power cut may lose the last commits but never breaks the
//!   database, and since each batch's log positions are committed with its revisions, the app
//!   re-applies exactly what was lost.
//! - `temp_store = MEMORY`: sorts and temporary tables never reach the disk (SQLCipher would
//!   encrypt temporary files too; this keeps them off the disk entirely).
//! - `secure_delete = ON`: freed space is overwritten with zeros, so older versions of a row
//!   do not linger in the file, even as ciphertext.
//! - `cache_size`: 64 MiB of page cache per database (decrypted pages), `busy_timeout` 5 s.
//!
//! `cipher_memory_security = ON`, set before the key: SQLite's freed memory (decrypted pages,
//! rows read, the `PRAGMA key` text) is wiped, so once the app closes the index (when the
//! vault is locked) no plaintext of it lingers in the process's heap, which matters for a
//! laptop that is suspended, not powered off, when it is seized. The cost, measured with the
//! benchmark (20,000 records): applying is about twice as slow (≈6,000 instead of ≈12,000
//! records/s), a case page about 25 % slower (0.6 instead of 0.5 ms). The setting is
//! process-wide and SQLCipher cannot turn it off again; no other SQLite database is used in
//! Khronika's processes. SQLCipher wipes its own key material in any case.
//!
//! The file is created owner-only (0600) before SQLite opens it; the `-wal` and `-shm` files
//! SQLite creates take the same permissions.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::IndexError;
use crate::key::IndexKey;

/// The schema version this crate writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// The schema, version 2 (version 1 had no `defines`; an index of version 1 is rebuilt).
///
/// - `meta`: `schema` (the version) and `records` (how many rows `records` has, so that
///   counting is not a scan).
/// - `applied`: per device, how many entries of its log the index covers.
/// - `revisions`: every revision applied, with the log position it was first applied from.
/// - `refused`: revisions the fold refuses (malformed, or a second content under one id),
///   kept so that a person can see them; they never reach a record.
/// - `records`: each record's folded state: value, heads, conflicts, times, revision count,
///   and for lists its kind and label.
/// - `refs`: the references of each record's current value (`Record::references`, which
///   includes a case's `records`), both ways indexed, for case pages.
/// - `defines`: the ids each record's current value defines besides its own (an event's
///   acts), so that "does this id name something" is one lookup.
const SCHEMA: &str = "
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE applied (
    device BLOB PRIMARY KEY,
    covered INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE revisions (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    record BLOB NOT NULL,
    supersedes BLOB NOT NULL,
    fields TEXT NOT NULL,
    author TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    origin TEXT NOT NULL,
    device BLOB NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX revisions_by_record ON revisions (record);
CREATE TABLE refused (
    device BLOB NOT NULL,
    position INTEGER NOT NULL,
    id BLOB NOT NULL,
    record BLOB NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (device, position)
) WITHOUT ROWID;
CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    kind INTEGER NOT NULL,
    label TEXT NOT NULL,
    value TEXT NOT NULL,
    error TEXT,
    heads BLOB NOT NULL,
    conflicts TEXT,
    conflict_count INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    revisions INTEGER NOT NULL
);
CREATE INDEX records_by_kind_label ON records (kind, label, id);
CREATE TABLE refs (
    src BLOB NOT NULL,
    dst BLOB NOT NULL,
    PRIMARY KEY (src, dst)
) WITHOUT ROWID;
CREATE INDEX refs_by_dst ON refs (dst, src);
CREATE TABLE defines (
    id BLOB PRIMARY KEY,
    owner BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX defines_by_owner ON defines (owner);
";

/// Open (creating if absent) the database at `path` with `key`, set the pragmas, and check or
/// create the schema.
pub(crate) fn open(path: &Path, key: &IndexKey) -> Result<Connection, IndexError> {
    let sql = |e| IndexError::sqlite(path, e);
    create_owner_only(path)?;
    check_size(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sql)?;
    prepare(conn, path, key, "wal")
}

/// Open an empty index that lives in memory only (for vaults on a simulated file system, in
/// tests): the same key, pragmas and schema, with an in-memory journal.
pub(crate) fn open_in_memory(path: &Path, key: &IndexKey) -> Result<Connection, IndexError> {
    let conn = Connection::open_in_memory().map_err(|e| IndexError::sqlite(path, e))?;
    prepare(conn, path, key, "memory")
}

/// Key `conn`, set the pragmas (with `journal` as the journal mode), and check or create the
/// schema.
fn prepare(
    conn: Connection,
    path: &Path,
    key: &IndexKey,
    journal: &str,
) -> Result<Connection, IndexError> {
    let sql = |e| IndexError::sqlite(path, e);
    conn.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA cipher_memory_security = ON;")
        .map_err(sql)?;
    conn.execute_batch(&key.pragma()).map_err(sql)?;
    conn.execute_batch("PRAGMA cipher_compatibility = 4;")
        .map_err(sql)?;
    // The first read decrypts page 1: a wrong key or a damaged header fails here, before
    // anything is written.
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(sql)?;
    let mode: String = conn
        .query_row(&format!("PRAGMA journal_mode = {journal}"), [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case(journal) {
        return Err(IndexError::internal(
            path,
            format!("the journal mode is {mode}, not {journal}"),
        ));
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA cache_size = -65536;
         PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = OFF;",
    )
    .map_err(sql)?;
    if tables == 0 {
        create_schema(&conn).map_err(sql)?;
    } else {
        check_schema(&conn, path)?;
    }
    Ok(conn)
}

/// Create an empty file readable and writable by its owner only, unless it exists. SQLite
/// takes an empty file for a new database, and gives its `-wal` and `-shm` files the
/// database file's permissions.
fn create_owner_only(path: &Path) -> Result<(), IndexError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(IndexError::CannotOpen {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}

/// SQLCipher's page size (SQLCipher 4's default, pinned by `cipher_compatibility = 4`).
const PAGE_SIZE: u64 = 4096;

/// Refuse a file that is not a whole number of pages: SQLite only ever writes whole pages,
/// so such a file was cut short (SQLite would take a file shorter than one page for a new,
/// empty database and write over it). An empty file is a new database.
fn check_size(path: &Path) -> Result<(), IndexError> {
    let len = std::fs::metadata(path)
        .map_err(|e| IndexError::CannotOpen {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
        .len();
    if !len.is_multiple_of(PAGE_SIZE) {
        return Err(IndexError::damaged(
            path,
            format!("the file is {len} bytes, not a whole number of {PAGE_SIZE}-byte pages"),
        ));
    }
    Ok(())
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         {SCHEMA}
         INSERT INTO meta (name, value) VALUES ('schema', {SCHEMA_VERSION}), ('records', 0);
         COMMIT;"
    ))
}

fn check_schema(conn: &Connection, path: &Path) -> Result<(), IndexError> {
    let found: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE name = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| match e {
            // No `meta` table: not an index of ours, or a damaged one.
            rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("no such table") => {
                IndexError::damaged(path, "it has no schema version")
            }
            e => IndexError::sqlite(path, e),
        })?;
    match found {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(found) => Err(IndexError::UnknownSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        }),
        None => Err(IndexError::damaged(path, "it has no schema version")),
    }
}
