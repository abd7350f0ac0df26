//! Configuration: defaults, then `bridgehub.toml` (or the file named by `--config` /
//! `BRIDGEHUB_CONFIG`), then `BRIDGEHUB_*` variables and flags, which the CLI applies on top.

use std::path::Path;

use serde::Deserialize;

use crate::{AppError, AppResult};

/// The hub's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Database: a SQLite file path (the default, `./bridgehub.db`).
    pub db: String,
    /// Address `serve` listens on; port 0 picks a free port.
    pub bind: String,
    /// The sentence model file (`e5-small-q4.bin`); default: `BRIDGEHUB_MODEL`,
    /// `BRIDGEHUB_MODEL_DIR`, then `.cache/models/` (see `scripts/fetch-model.sh`).
    pub model: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config { db: "./bridgehub.db".into(), bind: "127.0.0.1:8080".into(), model: None }
    }
}

impl Config {
    /// Reads a TOML file over the defaults. A missing file is an error only when `required`.
    pub fn load(path: &Path, required: bool) -> AppResult<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text).map_err(|e| AppError::Config(format!("{}: {e}", path.display()))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => Ok(Config::default()),
            Err(err) => Err(AppError::Config(format!("cannot read {}: {err}", path.display()))),
        }
    }

    /// Parses TOML text over the defaults.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_overrides_defaults_and_rejects_unknown_keys() {
        let config = Config::parse("db = \"/var/lib/hub.db\"\n").unwrap();
        assert_eq!(config.db, "/var/lib/hub.db");
        assert_eq!(config.bind, "127.0.0.1:8080");
        let err = Config::parse("database = \"x\"\n").unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn a_missing_optional_file_means_defaults() {
        let config = Config::load(Path::new("/nonexistent/bridgehub.toml"), false).unwrap();
        assert_eq!(config, Config::default());
        assert!(Config::load(Path::new("/nonexistent/bridgehub.toml"), true).is_err());
    }
}
