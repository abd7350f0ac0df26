//! Validation errors that name the field and the problem.

use std::fmt;

/// One problem with one field of a record, e.g. `country: "XX" is not an ISO 3166-1 alpha-2 code`.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's name as it appears in the exchange format (`target_countries[2]`, `contact.email`).
    pub field: String,
    /// What is wrong with it, as a sentence fragment without a final period (English).
    pub problem: String,
    /// A stable name of the kind of problem (`part-after-noon`), with the values it
    /// names, when one is given: user interfaces in other languages say the problem in
    /// their own words from these. The English `problem` stays the reference text.
    pub code: Option<&'static str>,
    /// The named values of `code` (`("time", "13:00")`).
    pub args: Vec<(&'static str, String)>,
}

impl PartialEq for FieldError {
    /// Field and problem: the code restates the problem.
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field && self.problem == other.problem
    }
}

impl Eq for FieldError {}

impl FieldError {
    /// Creates a field error.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { field: field.into(), problem: problem.into(), code: None, args: Vec::new() }
    }

    /// A field error with the stable name of its kind and the values it names (see
    /// [`FieldError::code`]).
    pub fn coded(
        field: impl Into<String>,
        code: &'static str,
        args: &[(&'static str, &str)],
        problem: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            code: Some(code),
            args: args.iter().map(|(name, value)| (*name, (*value).to_owned())).collect(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Every problem found in one record; validation reports all of them, not just the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    /// Adds a problem.
    pub fn push(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError::new(field, problem));
    }

    /// True when no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no problem was found, otherwise the problems.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Problems> {
        if self.0.is_empty() { Ok(value()) } else { Err(self) }
    }

    /// Records the error of a parse under `field` and returns the parsed value if any.
    pub fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.push(field, problem);
                None
            }
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, err) in self.0.iter().enumerate() {
            if idx > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{err}")?;
        }
        Ok(())
    }
}
