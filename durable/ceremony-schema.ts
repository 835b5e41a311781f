/** The CeremonyDO's SQLite schema. Statements are idempotent: this runs at every start. */
export const CEREMONY_SCHEMA = `
CREATE TABLE IF NOT EXISTS ceremony_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	year INTEGER,
	config TEXT,
	next_certificate INTEGER NOT NULL DEFAULT 1,
	final_stats TEXT,
	final_regions TEXT
);
INSERT OR IGNORE INTO ceremony_state (id) VALUES (1);

CREATE TABLE IF NOT EXISTS certificate_leases (
	start INTEGER PRIMARY KEY, end INTEGER NOT NULL, shard INTEGER NOT NULL, at INTEGER NOT NULL
);

-- The blessing wall: a bounded recent window of published blessings, and all held ones.
CREATE TABLE IF NOT EXISTS wall (
	id TEXT PRIMARY KEY,
	participant_id TEXT NOT NULL,
	text_hans TEXT NOT NULL,
	text_hant TEXT NOT NULL,
	display_name TEXT,
	region TEXT,
	state TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	reports INTEGER NOT NULL DEFAULT 0,
	moderated_by TEXT,
	moderated_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS wall_by_state_time ON wall (state, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS blessing_reports (
	blessing_id TEXT NOT NULL, participant_id TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT,
	PRIMARY KEY (blessing_id, participant_id)
) WITHOUT ROWID;
`;

/** Added with the committee's live socket. */
export const LIVE_SCHEMA = `
CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS wall_by_participant ON wall (participant_id);
`;

/** Reports counted per blessing per address /64 (an HMAC of it) within a day. */
export const REPORT_SCHEMA = `
CREATE TABLE IF NOT EXISTS report_addresses (
	blessing_id TEXT NOT NULL, address_key TEXT NOT NULL, at INTEGER NOT NULL,
	PRIMARY KEY (blessing_id, address_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS report_addresses_by_time ON report_addresses (at);
`;

/** Display names under review: held by the word list, or hidden by the committee. */
export const NAMES_SCHEMA = `
CREATE TABLE IF NOT EXISTS names (
	participant_id TEXT PRIMARY KEY,
	shard INTEGER NOT NULL,
	display_name TEXT NOT NULL,
	state TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	moderated_by TEXT,
	moderated_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_by_state_time ON names (state, created_at DESC, participant_id DESC);
`;

/** Added with the aggregation tree: participants who erased their blessings, so none reaches the wall later. */
export const ERASURE_SCHEMA = `
CREATE TABLE IF NOT EXISTS erased_participants (participant_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;
