//! JSON Lines: one record per line, read with the file and line of every problem.

use std::fmt;
use std::io::{BufRead, Write};

use serde_json::Value;

use crate::parse::{parse_record, ParseOutcome};
use crate::records::Record;

/// One problem on one line of an input file: `file:line: field: problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line number (for CSV: the line of the row, header is line 1).
    pub line: u64,
    /// The field, as named in the exchange format.
    pub field: String,
    /// What is wrong (English).
    pub problem: String,
    /// The stable name of the problem and its values, when the check that found it gave
    /// one (see `bridgehub_domain::FieldError::code`).
    pub code: Option<&'static str>,
    /// The named values of `code`.
    pub args: Vec<(&'static str, String)>,
}

impl LineError {
    /// A problem without a code.
    pub fn new(file: impl Into<String>, line: u64, field: impl Into<String>, problem: impl Into<String>) -> Self {
        LineError { file: file.into(), line, field: field.into(), problem: problem.into(), code: None, args: Vec::new() }
    }

    /// A field's problem on a line, with its code.
    pub fn of_field(file: impl Into<String>, line: u64, error: bridgehub_domain::FieldError) -> Self {
        LineError { file: file.into(), line, field: error.field, problem: error.problem, code: error.code, args: error.args }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.problem)
    }
}

/// A record read from a file with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedRecord {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The record and its warnings.
    pub outcome: ParseOutcome,
}

/// Everything read from a set of inputs: good records, bad lines, and warnings.
#[derive(Debug, Default)]
pub struct ReadReport {
    /// Records that passed every check, in input order.
    pub records: Vec<SourcedRecord>,
    /// One entry per problem; a bad line may have several.
    pub errors: Vec<LineError>,
    /// Lines with at least one problem.
    pub bad_lines: u64,
}

/// Lines parsed per batch; each batch is split across the available cores.
const CHUNK_LINES: usize = 16_384;

/// What one line turned into.
enum LineOutcome {
    Blank,
    BadJson(String),
    Record(Result<ParseOutcome, bridgehub_domain::Problems>),
}

fn parse_line(line: &str) -> LineOutcome {
    if line.trim().is_empty() {
        return LineOutcome::Blank;
    }
    match serde_json::from_str::<Value>(line) {
        Ok(value) => LineOutcome::Record(parse_record(&value)),
        Err(err) => LineOutcome::BadJson(format!("not valid JSON: {err}")),
    }
}

/// Parses a batch of lines on up to `threads` threads, keeping their order.
fn parse_batch(lines: &[String], threads: usize) -> Vec<LineOutcome> {
    if threads <= 1 || lines.len() < 1_024 {
        return lines.iter().map(|l| parse_line(l)).collect();
    }
    let per_thread = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per_thread)
            .map(|part| scope.spawn(move || part.iter().map(|l| parse_line(l)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|_| vec![LineOutcome::BadJson("parser thread failed".into())]))
            .collect()
    })
}

/// Reads JSON Lines from `reader`. Blank lines are skipped. Lines are parsed in batches
/// on every core, and reported in input order. `progress` is called with the number of
/// bytes consumed so far, once per batch.
pub fn read_jsonl(
    file: &str,
    reader: impl BufRead,
    report: &mut ReadReport,
    progress: &mut dyn FnMut(u64),
) -> std::io::Result<()> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let mut bytes_read: u64 = 0;
    let mut first_line: u64 = 1;
    let mut lines = reader.lines();
    loop {
        let mut batch = Vec::with_capacity(CHUNK_LINES);
        for line in lines.by_ref().take(CHUNK_LINES) {
            let line_no = first_line + batch.len() as u64;
            let line = line.map_err(|err| std::io::Error::new(err.kind(), format!("{file}:{line_no}: {err}")))?;
            bytes_read += line.len() as u64 + 1;
            batch.push(line);
        }
        if batch.is_empty() {
            break;
        }
        for (offset, outcome) in parse_batch(&batch, threads).into_iter().enumerate() {
            let line_no = first_line + offset as u64;
            match outcome {
                LineOutcome::Blank => {}
                LineOutcome::BadJson(problem) => {
                    report.bad_lines += 1;
                    report.errors.push(LineError::new(file, line_no, "(json)", problem));
                }
                LineOutcome::Record(result) => push_outcome(report, file, line_no, result),
            }
        }
        first_line += batch.len() as u64;
        progress(bytes_read);
    }
    Ok(())
}

pub(crate) fn push_outcome(
    report: &mut ReadReport,
    file: &str,
    line: u64,
    outcome: Result<ParseOutcome, bridgehub_domain::Problems>,
) {
    match outcome {
        Ok(outcome) => report.records.push(SourcedRecord { file: file.into(), line, outcome }),
        Err(problems) => {
            report.bad_lines += 1;
            for problem in problems.0 {
                report.errors.push(LineError::of_field(file, line, problem));
            }
        }
    }
}

/// Writes one record as one line.
pub fn write_jsonl(out: &mut impl Write, record: &Record) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_reported_with_file_line_and_field() {
        let input = "{\"type\":\"organization\",\"id\":\"o1\",\"name\":\"A\",\"kind\":\"ngo\",\"country\":\"KE\"}\n\
                     \n\
                     {not json\n\
                     {\"type\":\"organization\",\"id\":\"o2\",\"name\":\"B\",\"kind\":\"ngo\",\"country\":\"ZZ\"}\n";
        let mut report = ReadReport::default();
        read_jsonl("orgs.jsonl", input.as_bytes(), &mut report, &mut |_| {}).unwrap();
        assert_eq!(report.records.len(), 1);
        assert_eq!(report.bad_lines, 2);
        let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert!(messages[0].starts_with("orgs.jsonl:3: (json): not valid JSON"), "{messages:?}");
        assert_eq!(messages[1], "orgs.jsonl:4: country: \"ZZ\" is not an ISO 3166-1 alpha-2 country code");
    }
}
