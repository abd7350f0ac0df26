-- Latent terms beside each vector; see the SQLite migration of the same number.
ALTER TABLE embeddings ADD COLUMN latent BYTEA;
