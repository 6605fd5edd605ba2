-- The rulescope index: one SQLite file, rebuilt whole by `rulescope index build`.
-- Bump SCHEMA_VERSION in store.py with any change here.

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- One row per vendor source read by the build.
CREATE TABLE sources (
    vendor TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    files INTEGER NOT NULL
);

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    path TEXT NOT NULL,          -- absolute path of the rule file
    rel_path TEXT NOT NULL,      -- path below the source root, for display
    title TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    product TEXT NOT NULL,
    category TEXT NOT NULL,
    service TEXT NOT NULL,
    query_error TEXT             -- NULL when the query parsed
);
CREATE INDEX rules_vendor ON rules (vendor);

-- ATT&CK technique ids as tagged; `parent` is the id before the dot, so a
-- technique's page can include its sub-techniques with one equality.
CREATE TABLE rule_techniques (
    rule INTEGER NOT NULL REFERENCES rules (id),
    technique TEXT NOT NULL,
    parent TEXT NOT NULL,
    PRIMARY KEY (rule, technique)
) WITHOUT ROWID;
CREATE INDEX rule_techniques_technique ON rule_techniques (technique);
CREATE INDEX rule_techniques_parent ON rule_techniques (parent);

CREATE TABLE rule_tactics (
    rule INTEGER NOT NULL REFERENCES rules (id),
    tactic TEXT NOT NULL,
    PRIMARY KEY (rule, tactic)
) WITHOUT ROWID;

CREATE TABLE rule_events (
    rule INTEGER NOT NULL REFERENCES rules (id),
    provider TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    via TEXT NOT NULL,
    PRIMARY KEY (rule, provider, event_id)
) WITHOUT ROWID;
CREATE INDEX rule_events_event ON rule_events (provider, event_id);

-- `key_*` is the indicator identity (fields.indicator_key): the same
-- indicator in four dialects has one key.
CREATE TABLE predicates (
    rule INTEGER NOT NULL REFERENCES rules (id),
    field TEXT NOT NULL,
    operator TEXT NOT NULL,
    value TEXT NOT NULL,
    negated INTEGER NOT NULL,
    raw_field TEXT NOT NULL,
    clause TEXT NOT NULL,
    line INTEGER NOT NULL,
    key_field TEXT NOT NULL,
    key_operator TEXT NOT NULL,
    key_value TEXT NOT NULL
);
CREATE INDEX predicates_rule ON predicates (rule);
-- Covers reach: the rules (and whether they exclude) for one indicator key,
-- answered from the index alone.
CREATE INDEX predicates_key
    ON predicates (key_field, key_operator, key_value, rule, negated);
CREATE INDEX predicates_field ON predicates (field, operator);

-- Every indicator's reach, computed once at the end of the build: how many
-- rules check it (a predicate not negated) and how many only exclude it.
CREATE TABLE indicators (
    key_field TEXT NOT NULL,
    key_operator TEXT NOT NULL,
    key_value TEXT NOT NULL,
    reach INTEGER NOT NULL,
    excluded_by INTEGER NOT NULL,
    PRIMARY KEY (key_field, key_operator, key_value)
) WITHOUT ROWID;

-- Files that could not be indexed (kind 'file') and queries that did not
-- parse (kind 'query', their rule is kept without predicates).
CREATE TABLE failures (
    vendor TEXT NOT NULL,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    kind TEXT NOT NULL
);

-- Reference catalogs, copied in so readers need the index alone.
CREATE TABLE techniques (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT NOT NULL,
    tactics TEXT NOT NULL,       -- JSON list of tactic short names
    parent TEXT NOT NULL,
    deprecated INTEGER NOT NULL,
    revoked INTEGER NOT NULL,
    revoked_by TEXT NOT NULL
);

CREATE TABLE tactics (
    shortname TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE events (
    provider TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE logsource_events (
    category TEXT NOT NULL,
    provider TEXT NOT NULL,
    event_id INTEGER NOT NULL
);
