//! The JAIR MiniZinc data format (`.dzn`) of the B2B benchmark set: see
//! `shared/data/b2b-instances/README.md`. Meetings, participants and slots are 1-based in
//! the file and 0-based in the [`Problem`]; every request has weight 1 and the mode is `all`
//! with d = 2 (the paper's default).

use std::collections::HashMap;

use thiserror::Error;

use super::{Id, Instance};
use crate::model::{
    DEFAULT_FAIRNESS, MAX_SLOTS, Mode, Participant, Problem, Request, Session, SessionRule,
};

/// A `.dzn` file that cannot be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DznError {
    /// A token that does not fit the grammar.
    #[error("line {line}: expected {expected}, found {found}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What the parser wanted.
        expected: &'static str,
        /// What it saw.
        found: String,
    },
    /// A required parameter is absent.
    #[error("missing parameter `{0}`")]
    Missing(&'static str),
    /// A parameter with the wrong shape or an out-of-range value.
    #[error("line {line}: `{field}`: {problem}")]
    Field {
        /// 1-based line of the parameter.
        line: usize,
        /// Parameter name.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Int(i64),
    Punct(char),
}

#[derive(Debug, Clone)]
enum Value {
    Int(i64),
    Set(Vec<i64>),
    List(Vec<Value>),
    Matrix(Vec<Vec<i64>>),
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, DznError> {
    let mut tokens = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw_line.split('%').next().unwrap_or("");
        let mut chars = content.char_indices().peekable();
        while let Some(&(start, c)) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
            } else if c.is_ascii_digit() || c == '-' {
                let mut end = start + c.len_utf8();
                chars.next();
                while let Some(&(i, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        end = i + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let number = content[start..end].parse().map_err(|_| DznError::Syntax {
                    line,
                    expected: "a number",
                    found: content[start..end].to_owned(),
                })?;
                tokens.push((Token::Int(number), line));
            } else if c.is_ascii_alphabetic() || c == '_' {
                let mut end = start;
                while let Some(&(i, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        end = i + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push((Token::Ident(content[start..end].to_owned()), line));
            } else if "=;[]{}|,".contains(c) {
                tokens.push((Token::Punct(c), line));
                chars.next();
            } else {
                return Err(DznError::Syntax {
                    line,
                    expected: "a number, name or punctuation",
                    found: c.to_string(),
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    position: usize,
}

impl Parser {
    fn line(&self) -> usize {
        self.tokens
            .get(self.position)
            .or(self.tokens.last())
            .map_or(1, |(_, line)| *line)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(token, _)| token)
    }

    fn next(&mut self, expected: &'static str) -> Result<Token, DznError> {
        let line = self.line();
        let token = self
            .tokens
            .get(self.position)
            .map(|(token, _)| token.clone());
        self.position += 1;
        token.ok_or(DznError::Syntax {
            line,
            expected,
            found: "end of file".to_owned(),
        })
    }

    fn expect(&mut self, punct: char, expected: &'static str) -> Result<(), DznError> {
        let line = self.line();
        match self.next(expected)? {
            Token::Punct(c) if c == punct => Ok(()),
            other => Err(DznError::Syntax {
                line,
                expected,
                found: format!("{other:?}"),
            }),
        }
    }

    fn eat(&mut self, punct: char) -> bool {
        if self.peek() == Some(&Token::Punct(punct)) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn int(&mut self) -> Result<i64, DznError> {
        let line = self.line();
        match self.next("a number")? {
            Token::Int(n) => Ok(n),
            other => Err(DznError::Syntax {
                line,
                expected: "a number",
                found: format!("{other:?}"),
            }),
        }
    }

    fn set(&mut self) -> Result<Vec<i64>, DznError> {
        self.expect('{', "`{`")?;
        let mut items = Vec::new();
        while !self.eat('}') {
            items.push(self.int()?);
            if !self.eat(',') {
                self.expect('}', "`,` or `}`")?;
                break;
            }
        }
        Ok(items)
    }

    fn value(&mut self) -> Result<Value, DznError> {
        match self.peek() {
            Some(Token::Int(_)) => Ok(Value::Int(self.int()?)),
            Some(Token::Punct('{')) => Ok(Value::Set(self.set()?)),
            Some(Token::Punct('[')) => {
                self.position += 1;
                if self.eat('|') {
                    return self.matrix();
                }
                let mut items = Vec::new();
                while !self.eat(']') {
                    items.push(self.value()?);
                    if !self.eat(',') {
                        self.expect(']', "`,` or `]`")?;
                        break;
                    }
                }
                Ok(Value::List(items))
            }
            _ => {
                let line = self.line();
                let found = format!("{:?}", self.next("a value")?);
                Err(DznError::Syntax {
                    line,
                    expected: "a value",
                    found,
                })
            }
        }
    }

    /// After `[|`: rows of numbers separated by `|`, ending with `|]`.
    fn matrix(&mut self) -> Result<Value, DznError> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        loop {
            if self.eat('|') {
                if !row.is_empty() {
                    rows.push(std::mem::take(&mut row));
                }
                if self.eat(']') {
                    return Ok(Value::Matrix(rows));
                }
                continue;
            }
            if self.eat(']') {
                if !row.is_empty() {
                    rows.push(row);
                }
                return Ok(Value::Matrix(rows));
            }
            row.push(self.int()?);
            self.eat(',');
        }
    }
}

/// Parses a JAIR `.dzn` instance.
pub fn parse_dzn(text: &str) -> Result<Instance, DznError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
    };
    let mut values: HashMap<String, (Value, usize)> = HashMap::new();
    while parser.peek().is_some() {
        let line = parser.line();
        let name = match parser.next("a parameter name")? {
            Token::Ident(name) => name,
            other => {
                return Err(DznError::Syntax {
                    line,
                    expected: "a parameter name",
                    found: format!("{other:?}"),
                });
            }
        };
        parser.expect('=', "`=`")?;
        let value = parser.value()?;
        parser.expect(';', "`;`")?;
        values.insert(name, (value, line));
    }
    build(&values)
}

fn get<'v>(
    values: &'v HashMap<String, (Value, usize)>,
    field: &'static str,
) -> Result<&'v (Value, usize), DznError> {
    values.get(field).ok_or(DznError::Missing(field))
}

fn count(
    values: &HashMap<String, (Value, usize)>,
    field: &'static str,
    max: usize,
) -> Result<usize, DznError> {
    let (value, line) = get(values, field)?;
    match value {
        Value::Int(n) if *n >= 0 && (*n as usize) <= max => Ok(*n as usize),
        _ => Err(DznError::Field {
            line: *line,
            field,
            problem: format!("expected a number from 0 to {max}"),
        }),
    }
}

fn list<'v>(
    values: &'v HashMap<String, (Value, usize)>,
    field: &'static str,
    length: usize,
) -> Result<Option<(&'v [Value], usize)>, DznError> {
    let Some((value, line)) = values.get(field) else {
        return Ok(None);
    };
    match value {
        Value::List(items) if items.len() == length => Ok(Some((items, *line))),
        _ => Err(DznError::Field {
            line: *line,
            field,
            problem: format!("expected a list of {length} items"),
        }),
    }
}

fn build(values: &HashMap<String, (Value, usize)>) -> Result<Instance, DznError> {
    let n_participants = count(values, "nBusiness", 1_000_000)?;
    let n_meetings = count(values, "nMeetings", 10_000_000)?;
    let tables = count(values, "nTables", 1_000_000)?;
    let n_slots = count(values, "nTotalSlots", MAX_SLOTS)?;
    let n_morning = count(values, "nMorningSlots", n_slots)?;
    let slots = (0..n_slots)
        .map(|t| {
            if t < n_morning {
                Session::Am
            } else {
                Session::Pm
            }
        })
        .collect();
    let (requested, line) = get(values, "requested")?;
    let rows = match requested {
        Value::Matrix(rows) if rows.len() == n_meetings => rows,
        _ => {
            return Err(DznError::Field {
                line: *line,
                field: "requested",
                problem: format!("expected a table of {n_meetings} rows `a, b, session`"),
            });
        }
    };
    let in_range = |n: i64, max: usize| n >= 1 && (n as usize) <= max;
    let mut requests = Vec::with_capacity(n_meetings);
    for (m, row) in rows.iter().enumerate() {
        let problem = |what: &str| DznError::Field {
            line: *line,
            field: "requested",
            problem: format!("row {}: {what}", m + 1),
        };
        let [a, b, session] = row[..] else {
            return Err(problem("expected 3 numbers"));
        };
        if !in_range(a, n_participants) || !in_range(b, n_participants) || a == b {
            return Err(problem(
                "participants must be distinct and in 1..=nBusiness",
            ));
        }
        let session = match session {
            1 => SessionRule::Am,
            2 => SessionRule::Pm,
            3 => SessionRule::Any,
            _ => return Err(problem("session must be 1, 2 or 3")),
        };
        requests.push(Request {
            a: a as usize - 1,
            b: b as usize - 1,
            weight: 1,
            session,
            fixed: None,
        });
    }
    let mut participants = vec![Participant::default(); n_participants];
    if let Some((items, line)) = list(values, "forbidden", n_participants)? {
        for (p, item) in items.iter().enumerate() {
            let Value::Set(set) = item else {
                return Err(DznError::Field {
                    line,
                    field: "forbidden",
                    problem: format!("item {} is not a set", p + 1),
                });
            };
            for &t in set.iter().filter(|&&t| t != 0) {
                if !in_range(t, n_slots) {
                    return Err(DznError::Field {
                        line,
                        field: "forbidden",
                        problem: format!("slot {t} out of range"),
                    });
                }
                participants[p].unavailable |= 1u128 << (t - 1);
            }
        }
    }
    if let Some((items, line)) = list(values, "fixed", n_meetings)? {
        for (m, item) in items.iter().enumerate() {
            match item {
                Value::Int(0) => {}
                Value::Int(t) if in_range(*t, n_slots) => requests[m].fixed = Some(*t as usize - 1),
                _ => {
                    return Err(DznError::Field {
                        line,
                        field: "fixed",
                        problem: format!("item {} must be 0 or a slot", m + 1),
                    });
                }
            }
        }
    }
    let mut precedences = Vec::new();
    if let Some((items, line)) = list(values, "precedences", n_meetings)? {
        for (m, item) in items.iter().enumerate() {
            let Value::Set(set) = item else {
                return Err(DznError::Field {
                    line,
                    field: "precedences",
                    problem: format!("item {} is not a set", m + 1),
                });
            };
            for &before in set {
                if !in_range(before, n_meetings) {
                    return Err(DznError::Field {
                        line,
                        field: "precedences",
                        problem: format!("meeting {before} out of range"),
                    });
                }
                precedences.push((before as usize - 1, m));
            }
        }
    }
    let problem = Problem {
        slots,
        tables,
        participants,
        requests,
        precedences,
        mode: Mode::All {
            fairness: DEFAULT_FAIRNESS,
        },
    };
    Ok(Instance {
        problem,
        request_ids: (1..=n_meetings as i64).map(Id::Num).collect(),
        slot_ids: (1..=n_slots as i64).map(Id::Num).collect(),
        participant_ids: (1..=n_participants as i64).map(Id::Num).collect(),
        previous: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "nBusiness = 3;\nnMeetings = 2;\nnTables = 1;\nnTotalSlots = 3;\nnMorningSlots = 2;\n\
        requested = [|1, 2,3, \n|2, 3,2, \n|];\n\
        meetingsxBusiness = [{1,2},\n{1,2,3},\n{1,3}];\nnMeetingsBusiness = [1,2,1];\n\
        forbidden = [{0},\n{0,1},\n{0}];\nfixed = [0,3];\nprecedences = [{},\n{1}];\n";

    #[test]
    fn a_small_file_is_read_with_every_parameter() -> Result<(), DznError> {
        let instance = parse_dzn(SMALL)?;
        let problem = &instance.problem;
        assert_eq!(problem.slots, vec![Session::Am, Session::Am, Session::Pm]);
        assert_eq!(problem.requests[1].session, SessionRule::Pm);
        assert_eq!(problem.requests[1].fixed, Some(2));
        assert_eq!(problem.participants[1].unavailable, 0b1);
        assert_eq!(problem.precedences, vec![(0, 1)]);
        assert_eq!(instance.request_ids[1], Id::Num(2));
        Ok(())
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let broken = SMALL.replace("|2, 3,2,", "|2, 3,7,");
        let error = parse_dzn(&broken)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("line 6") && error.contains("requested"),
            "{error}"
        );
        let error = parse_dzn("nBusiness = 3;")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("nMeetings"), "{error}");
        let error = parse_dzn("nBusiness = ;")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("line 1"), "{error}");
    }
}
