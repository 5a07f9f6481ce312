-- A new store's DDL: generated from studyapp/store/tables.py by
-- `python -m studyapp.store.snapshot`; do not edit (see studyapp/store/snapshot.py).
-- definition: 3:74d84be001e53b78864a54413c4fe253e915f6865c0a583d40826934e7d9fee6

CREATE TABLE course_module (
	course VARCHAR NOT NULL, 
	number INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	release VARCHAR, 
	PRIMARY KEY (course, number)
);

CREATE TABLE data_migration (
	name VARCHAR NOT NULL, 
	applied_at INTEGER NOT NULL, 
	PRIMARY KEY (name)
);

CREATE TABLE deck (
	id VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	family VARCHAR NOT NULL, 
	description VARCHAR DEFAULT '' NOT NULL, 
	path VARCHAR NOT NULL, 
	digest VARCHAR NOT NULL, 
	active BOOLEAN DEFAULT 1 NOT NULL, 
	course VARCHAR DEFAULT '' NOT NULL, 
	preset_id INTEGER DEFAULT 1 NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE deck_folder (
	path VARCHAR NOT NULL, 
	PRIMARY KEY (path)
);

CREATE TABLE media (
	hash VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	width INTEGER NOT NULL, 
	height INTEGER NOT NULL, 
	data BLOB NOT NULL, 
	PRIMARY KEY (hash)
);

CREATE TABLE preset (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	desired_retention FLOAT DEFAULT (0.9) NOT NULL, 
	new_per_day INTEGER DEFAULT 20 NOT NULL, 
	reviews_per_day INTEGER DEFAULT 200 NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE review_tally (
	quarter INTEGER NOT NULL, 
	kind INTEGER DEFAULT 0 NOT NULL, 
	queue INTEGER NOT NULL, 
	failed BOOLEAN NOT NULL, 
	ivl INTEGER NOT NULL, 
	answers INTEGER DEFAULT 0 NOT NULL, 
	ms INTEGER DEFAULT 0 NOT NULL, 
	PRIMARY KEY (quarter, kind, queue, failed, ivl)
)
 WITHOUT ROWID;

CREATE TABLE setting (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE source (
	id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	authors VARCHAR NOT NULL, 
	year INTEGER, 
	title VARCHAR NOT NULL, 
	venue VARCHAR, 
	doi VARCHAR, 
	url VARCHAR, 
	retracted VARCHAR, 
	PRIMARY KEY (id)
);

CREATE TABLE store_meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE user_note (
	note_id VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (note_id)
);

CREATE TABLE note (
	id VARCHAR NOT NULL, 
	deck_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	front VARCHAR DEFAULT '' NOT NULL, 
	back VARCHAR DEFAULT '' NOT NULL, 
	text VARCHAR DEFAULT '' NOT NULL, 
	extra VARCHAR DEFAULT '' NOT NULL, 
	correction VARCHAR DEFAULT '' NOT NULL, 
	tags VARCHAR DEFAULT '' NOT NULL, 
	sources VARCHAR DEFAULT '' NOT NULL, 
	cites VARCHAR DEFAULT '' NOT NULL, 
	as_of INTEGER, 
	revision INTEGER DEFAULT 1 NOT NULL, 
	digest VARCHAR DEFAULT '' NOT NULL, 
	retired BOOLEAN DEFAULT 0 NOT NULL, 
	retired_reason VARCHAR, 
	replaced_by VARCHAR, 
	line INTEGER DEFAULT 0 NOT NULL, 
	critical INTEGER DEFAULT 0 NOT NULL, 
	sensitive INTEGER DEFAULT 0 NOT NULL, 
	content_note VARCHAR, 
	module INTEGER, 
	image_file VARCHAR, 
	image_alt VARCHAR, 
	image_side VARCHAR, 
	image_hash VARCHAR, 
	changed_at INTEGER DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(deck_id) REFERENCES deck (id)
);

CREATE TABLE card (
	id INTEGER NOT NULL, 
	note_id VARCHAR NOT NULL, 
	deck_id VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	new_order INTEGER DEFAULT 0 NOT NULL, 
	queue INTEGER DEFAULT 0 NOT NULL, 
	step INTEGER, 
	stability FLOAT, 
	difficulty FLOAT, 
	due INTEGER DEFAULT 0 NOT NULL, 
	last_review INTEGER, 
	reps INTEGER DEFAULT 0 NOT NULL, 
	lapses INTEGER DEFAULT 0 NOT NULL, 
	interval INTEGER DEFAULT 0 NOT NULL, 
	retired BOOLEAN DEFAULT 0 NOT NULL, 
	suspended INTEGER DEFAULT 0 NOT NULL, 
	buried_until INTEGER DEFAULT 0 NOT NULL, 
	flag INTEGER DEFAULT 0 NOT NULL, 
	leech INTEGER DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (note_id, "key"), 
	FOREIGN KEY(note_id) REFERENCES note (id), 
	FOREIGN KEY(deck_id) REFERENCES deck (id)
);

CREATE TABLE deferral (
	id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	at_ms INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES card (id)
);

CREATE TABLE review (
	id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	reviewed_at INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	duration_ms INTEGER NOT NULL, 
	queue_before INTEGER NOT NULL, 
	queue_after INTEGER NOT NULL, 
	stability_after FLOAT, 
	difficulty_after FLOAT, 
	due_after INTEGER DEFAULT 0 NOT NULL, 
	"before" VARCHAR NOT NULL, 
	kind INTEGER DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES card (id)
);

CREATE INDEX ix_deck_family ON deck (family);

CREATE INDEX ix_note_critical ON note (critical) WHERE critical = 1;

CREATE INDEX ix_note_deck_id ON note (deck_id, retired);

CREATE INDEX ix_note_module ON note (module);

CREATE INDEX ix_note_replaced_by ON note (replaced_by) WHERE replaced_by IS NOT NULL;

CREATE INDEX ix_card_buried ON card (buried_until) WHERE buried_until > 0;

CREATE INDEX ix_card_deck_queue_due ON card (deck_id, retired, queue, due);

CREATE INDEX ix_card_due ON card (due);

CREATE INDEX ix_card_flag ON card (flag) WHERE flag > 0;

CREATE INDEX ix_card_leech ON card (leech) WHERE leech = 1;

CREATE INDEX ix_card_new_order ON card (retired, queue, new_order);

CREATE INDEX ix_card_queue_deck ON card (retired, queue, deck_id);

CREATE INDEX ix_card_queue_due ON card (retired, queue, due);

CREATE INDEX ix_card_suspended ON card (suspended) WHERE suspended = 1;

CREATE INDEX ix_deferral_card_id ON deferral (card_id);

CREATE INDEX ix_review_card_log ON review (card_id, reviewed_at, rating, queue_before, queue_after, kind);

CREATE INDEX ix_review_time ON review (reviewed_at);
