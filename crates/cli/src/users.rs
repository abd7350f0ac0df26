//! `bridgehub user create|make-admin|list`: accounts, managed by whoever holds the
//! database (the CLI acts with administrator rights, as `Actor::operator()`). Passwords are
//! never taken as arguments (they would end up in shell history and `ps`): they come from
//! standard input (`--password-stdin`) or `BRIDGEHUB_USER_PASSWORD`.

use std::io::BufRead;

use anyhow::{Context, Result, bail};
use bridgehub_app::{Actor, Hub, SignUp};
use clap::Subcommand;

/// `bridgehub user ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create an account (optionally an administrator, optionally a member of an organization).
    Create {
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// UI locale.
        #[arg(long, default_value = "en")]
        locale: String,
        /// Read the password (at least 12 characters) from the first line of standard
        /// input; otherwise it is taken from BRIDGEHUB_USER_PASSWORD.
        #[arg(long)]
        password_stdin: bool,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
        /// Make the account a member of this existing organization.
        #[arg(long)]
        org: Option<String>,
    },
    /// Make an account an administrator (or, with --revoke, no longer one).
    MakeAdmin {
        /// The account's e-mail address.
        email: String,
        /// Take the administrator role away instead.
        #[arg(long)]
        revoke: bool,
    },
    /// List accounts (no password hashes, no secrets).
    List {
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}


fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    match std::env::var("BRIDGEHUB_USER_PASSWORD") {
        Ok(password) if !password.is_empty() => Ok(password),
        _ => bail!(
            "give the password on standard input with --password-stdin, or in BRIDGEHUB_USER_PASSWORD"
        ),
    }
}

fn user_id(hub: &Hub, email: &str) -> Result<String> {
    match hub.find_user_by_email(&Actor::operator(), email)? {
        Some(user) => Ok(user.id),
        None => bail!("no account has the e-mail address {}", email.trim()),
    }
}

/// Runs one `user` subcommand.
pub(crate) fn run(hub: &Hub, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Create {
            email,
            name,
            locale,
            password_stdin,
            admin,
            org,
        } => {
            let password = read_password(password_stdin)?;
            let form = SignUp {
                email,
                password,
                display_name: name,
                locale,
                organization: None,
            };
            let user = hub.sign_up(&form)?;
            if admin {
                hub.set_admin(&Actor::operator(), &user.user_id, true)?;
            }
            if let Some(org) = org {
                hub.add_membership(&Actor::operator(), &user.user_id, &org)?;
            }
            println!("{}", user.user_id);
            Ok(())
        }
        UserCommand::MakeAdmin { email, revoke } => {
            let id = user_id(hub, &email)?;
            hub.set_admin(&Actor::operator(), &id, !revoke)?;
            eprintln!(
                "{} is {}an administrator",
                email.trim(),
                if revoke { "no longer " } else { "" }
            );
            Ok(())
        }
        UserCommand::List { json } => {
            let users = hub.list_users(&Actor::operator())?;
            if json {
                for user in &users {
                    println!("{}", serde_json::to_string(user)?);
                }
            } else {
                println!(
                    "{:<22} {:<32} {:<6} {:<5} organizations",
                    "id", "email", "admin", "totp"
                );
                for u in &users {
                    println!(
                        "{:<22} {:<32} {:<6} {:<5} {}",
                        u.id,
                        u.email,
                        if u.is_admin { "yes" } else { "no" },
                        if u.totp_enabled { "on" } else { "off" },
                        u.organizations.join(",")
                    );
                }
            }
            Ok(())
        }
    }
}
