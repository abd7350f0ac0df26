//! The engine's error type: bad inputs and bad parameters, each naming what is wrong.

/// Everything the graph engine can fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// A tie joins a party to itself; such ties carry no information about the network.
    #[error("tie \"{id}\" joins \"{party}\" to itself")]
    SelfTie {
        /// The tie's id.
        id: String,
        /// The party at both ends.
        party: String,
    },
    /// An id that is not a node of the graph.
    #[error("\"{0}\" is not an organization or person of the graph")]
    UnknownNode(String),
    /// A parameter is out of its range.
    #[error("{field}: {problem}")]
    InvalidParameter {
        /// The parameter's name.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl GraphError {
    pub(crate) fn param(field: &'static str, problem: impl Into<String>) -> Self {
        GraphError::InvalidParameter {
            field,
            problem: problem.into(),
        }
    }
}
