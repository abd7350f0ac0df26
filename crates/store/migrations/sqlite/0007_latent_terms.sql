-- Latent terms (sparse features of the embedding model's sparse head) beside each vector:
-- (feature u16, weight f32) pairs, little-endian, strongest first. NULL when the embedder
-- ran without the sparse head; such rows are recomputed once it is loaded.
ALTER TABLE embeddings ADD COLUMN latent BLOB;
