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
    /// Creates a field error (keeping the problem's code when it is a coded [`Problem`]).
    pub fn new(field: impl Into<String>, problem: impl Into<Problem>) -> Self {
        problem.into().at(field)
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

/// What is wrong with one value, before it is known which field held it: the English text
/// and, when given, the stable name of its kind and the values it names (see
/// [`FieldError::code`]). The value parsers of this crate return it, so a form in another
/// language can say their problems in its own words.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The problem in English, a sentence fragment without a final period.
    pub text: String,
    /// The stable name of its kind (`not-a-date`).
    pub code: Option<&'static str>,
    /// The named values of `code`.
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    /// A problem with the stable name of its kind and the values it names.
    pub fn coded(code: &'static str, args: &[(&'static str, &str)], text: impl Into<String>) -> Self {
        Self { text: text.into(), code: Some(code), args: args.iter().map(|(name, value)| (*name, (*value).to_owned())).collect() }
    }

    /// The problem as one of `field`.
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), problem: self.text, code: self.code, args: self.args }
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Self {
        Self { text, code: None, args: Vec::new() }
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Problem {}

impl PartialEq for Problem {
    /// The text: the code restates it.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Problem {}

impl PartialEq<str> for Problem {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Problem {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
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
    /// Adds a problem (with its code, when it has one).
    pub fn push(&mut self, field: impl Into<String>, problem: impl Into<Problem>) {
        self.0.push(problem.into().at(field));
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
    pub fn take<T, E: Into<Problem>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
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
