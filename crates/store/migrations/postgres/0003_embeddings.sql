-- Text embeddings of listings; see the SQLite migration of the same number.
CREATE TABLE embeddings (
    listing_id TEXT COLLATE "C" NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BYTEA NOT NULL,
    PRIMARY KEY (listing_id, model)
);
