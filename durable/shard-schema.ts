import { actionColumnDefinitions } from "./action-columns";

/** The shard's SQLite schema. Statements are idempotent: this runs at every start. */
export const SHARD_SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	year INTEGER, shard_count INTEGER, shard_index INTEGER,
	version INTEGER NOT NULL DEFAULT 0,
	sealed INTEGER NOT NULL DEFAULT 0,
	confirmed_version INTEGER NOT NULL DEFAULT 0,
	confirmed_published_seq INTEGER NOT NULL DEFAULT 0,
	confirmed_held_seq INTEGER NOT NULL DEFAULT 0,
	lease_next INTEGER NOT NULL DEFAULT 0,
	lease_end INTEGER NOT NULL DEFAULT 0,
	lease_size INTEGER NOT NULL DEFAULT 0,
	lease_taken_at INTEGER NOT NULL DEFAULT 0,
	folded_seq INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO shard_state (id) VALUES (1);

CREATE TABLE IF NOT EXISTS participants (
	id TEXT PRIMARY KEY,
	display_name TEXT,
	region TEXT,
	certificate INTEGER,
	first_counted_at INTEGER,
	${actionColumnDefinitions("INTEGER NOT NULL DEFAULT 0")}
) WITHOUT ROWID;

-- The salt of the action log's fingerprints, drawn once per shard.
CREATE TABLE IF NOT EXISTS shard_secrets (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint_salt TEXT NOT NULL);

-- The durable action log: every answered action, counted (201) or refused over the limit (409).
-- fingerprint is a salted HMAC of the request body; '' once the participant's blessings are erased.
-- seq is the rowid: no row is ever deleted, so it only grows, without AUTOINCREMENT's write to
-- sqlite_sequence at every commit (shards created before keep that, to the same effect).
CREATE TABLE IF NOT EXISTS actions (
	seq INTEGER PRIMARY KEY,
	participant_id TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	type TEXT NOT NULL,
	counted INTEGER NOT NULL,
	region TEXT,
	at INTEGER NOT NULL,
	status INTEGER NOT NULL,
	UNIQUE (participant_id, idempotency_key)
);

-- Display names caught by the word list ('held') or hidden by the committee; a name without a row is shown.
CREATE TABLE IF NOT EXISTS name_reviews (
	participant_id TEXT PRIMARY KEY,
	state TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS blessings (
	seq INTEGER PRIMARY KEY,
	participant_id TEXT NOT NULL,
	text_hans TEXT NOT NULL,
	text_hant TEXT NOT NULL,
	state TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blessings_by_state ON blessings (state, seq);

-- Counters: metric is an action type, 'participants' or 'blessings_published'.
CREATE TABLE IF NOT EXISTS totals (metric TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- version: the snapshot version that last changed the row, so a snapshot sends only the regions
-- changed since the one its aggregator confirmed (SHARD_REGION_VERSION adds it to older shards).
CREATE TABLE IF NOT EXISTS region_counts (
	region TEXT NOT NULL, metric TEXT NOT NULL, n INTEGER NOT NULL,
	version INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (region, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minute_counts (
	minute INTEGER NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL,
	version INTEGER NOT NULL,
	PRIMARY KEY (minute, type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS minute_counts_by_version ON minute_counts (version);
`;

/** Added with snapshots of changed regions only: shards created before have no version per region row. */
export const SHARD_REGION_VERSION = {
	table: "region_counts",
	column: "version",
	definition: "INTEGER NOT NULL DEFAULT 0",
};

/**
 * Added with counters folded in from the log: a shard created before counted every action as it
 * committed it, so its counters hold its whole log, and its fold starts at the log's end.
 */
export const SHARD_FOLDED_SEQ = {
	table: "shard_state",
	column: "folded_seq",
	definition: "INTEGER NOT NULL DEFAULT 0",
	fill: "UPDATE shard_state SET folded_seq = (SELECT coalesce(max(seq), 0) FROM actions)",
};

/** Added with configuration versions: the newest version of the ceremony's configuration the shard knows. */
export const SHARD_CONFIG_SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_config (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	config_version INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO shard_config (id) VALUES (1);
`;
