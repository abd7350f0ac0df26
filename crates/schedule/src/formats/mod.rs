//! Instance formats: the JAIR MiniZinc data files (`.dzn`) and Bridgehub's JSON, both
//! parsed from strings (no file access here), and the result JSON.

mod dzn;
mod json;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use dzn::{DznError, parse_dzn};
pub use json::{JsonError, instance_to_json, outcome_to_json, parse_json};

use crate::model::Problem;

/// An id from an instance file: a number or a string, echoed back in the same form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    /// A numeric id.
    Num(i64),
    /// A string id.
    Str(String),
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Num(n) => write!(f, "{n}"),
            Self::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A problem with the ids of its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The problem (0-based indices).
    pub problem: Problem,
    /// Id of each request (`.dzn`: the 1-based meeting number).
    pub request_ids: Vec<Id>,
    /// Id of each slot (`.dzn`: the 1-based slot number).
    pub slot_ids: Vec<Id>,
    /// Id of each participant.
    pub participant_ids: Vec<Id>,
    /// A previous schedule to keep where possible (JSON `previous`), slot per request.
    pub previous: Option<Vec<Option<usize>>>,
}
