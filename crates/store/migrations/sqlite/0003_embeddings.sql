-- Text embeddings of listings, computed once per listing text and model. `text_hash`
-- tells whether the stored vector still belongs to the listing's current text.
CREATE TABLE embeddings (
    listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    PRIMARY KEY (listing_id, model)
);
