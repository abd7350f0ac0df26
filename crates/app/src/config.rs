//! Configuration: defaults, then `bridgehub.toml` (or the file named by `--config` /
//! `BRIDGEHUB_CONFIG`), then `BRIDGEHUB_*` variables and flags, which the CLI applies on top.

use std::path::Path;

use serde::Deserialize;

use crate::{AccountPolicy, AppError, AppResult};

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
    /// Sessions and login limits (`[accounts]`).
    pub accounts: AccountsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config { db: "./bridgehub.db".into(), bind: "127.0.0.1:8080".into(), model: None, accounts: AccountsConfig::default() }
    }
}

/// `[accounts]`: session lifetimes and login limits (defaults: 30 min idle, 12 h
/// absolute, 10 failed logins per address and 30 per client in 15 min).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u64,
    /// A session ends this many hours after login, whatever happens.
    pub session_absolute_hours: u64,
    /// Failed logins allowed per e-mail address per window.
    pub login_attempts_per_email: u32,
    /// Failed logins allowed per client address per window.
    pub login_attempts_per_client: u32,
    /// The login-limit window in minutes.
    pub login_window_minutes: u64,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        let policy = AccountPolicy::default();
        AccountsConfig {
            session_idle_minutes: policy.session_idle_secs / 60,
            session_absolute_hours: policy.session_absolute_secs / 3600,
            login_attempts_per_email: policy.login_attempts_per_email,
            login_attempts_per_client: policy.login_attempts_per_client,
            login_window_minutes: policy.login_window_secs / 60,
        }
    }
}

impl AccountsConfig {
    /// The policy the hub enforces, or a configuration error naming the key.
    pub fn policy(&self) -> AppResult<AccountPolicy> {
        let bad = |key: &str, problem: &str| Err(AppError::Config(format!("accounts.{key}: {problem}")));
        if !(1..=24 * 60).contains(&self.session_idle_minutes) {
            return bad("session_idle_minutes", "must be between 1 and 1440");
        }
        if !(1..=24 * 30).contains(&self.session_absolute_hours) {
            return bad("session_absolute_hours", "must be between 1 and 720");
        }
        if self.session_absolute_hours * 60 < self.session_idle_minutes {
            return bad("session_absolute_hours", "must not be shorter than session_idle_minutes");
        }
        if self.login_attempts_per_email == 0 {
            return bad("login_attempts_per_email", "must be at least 1");
        }
        if self.login_attempts_per_client == 0 {
            return bad("login_attempts_per_client", "must be at least 1");
        }
        if !(1..=24 * 60).contains(&self.login_window_minutes) {
            return bad("login_window_minutes", "must be between 1 and 1440");
        }
        Ok(AccountPolicy {
            session_idle_secs: self.session_idle_minutes * 60,
            session_absolute_secs: self.session_absolute_hours * 3600,
            login_attempts_per_email: self.login_attempts_per_email,
            login_attempts_per_client: self.login_attempts_per_client,
            login_window_secs: self.login_window_minutes * 60,
        })
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
    fn account_settings_come_from_the_accounts_table_and_are_checked() {
        let defaults = Config::default().accounts.policy().unwrap();
        assert_eq!(defaults, AccountPolicy::default());
        let config = Config::parse("[accounts]\nsession_idle_minutes = 10\nsession_absolute_hours = 2\n").unwrap();
        let policy = config.accounts.policy().unwrap();
        assert_eq!((policy.session_idle_secs, policy.session_absolute_secs), (600, 7200));
        assert_eq!(policy.login_attempts_per_email, AccountPolicy::default().login_attempts_per_email);
        let err = Config::parse("[accounts]\nsession_idle_minutes = 0\n").unwrap().accounts.policy().unwrap_err();
        assert!(err.to_string().contains("accounts.session_idle_minutes"), "{err}");
        assert!(Config::parse("[accounts]\nidle = 3\n").is_err(), "unknown keys are refused");
    }

    #[test]
    fn a_missing_optional_file_means_defaults() {
        let config = Config::load(Path::new("/nonexistent/bridgehub.toml"), false).unwrap();
        assert_eq!(config, Config::default());
        assert!(Config::load(Path::new("/nonexistent/bridgehub.toml"), true).is_err());
    }
}
