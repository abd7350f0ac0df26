//! Import: read every input, check every record and every reference, then write all
//! of it in one transaction (or, with `skip_invalid`, write exactly the good records).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bridgehub_exchange::{read_csv, read_jsonl, LineError, Parsed, ReadReport, SourcedRecord};
use bridgehub_store::{ImportBatch, ImportCounts, PartyKind, TypedTie};

use crate::{AppError, AppResult, Hub, Progress};

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Exchange format v1, JSON Lines.
    Jsonl,
    /// CSV of one record type.
    Csv,
}

impl InputFormat {
    /// Guesses the format from the file name: `.csv` is CSV, anything else JSON Lines.
    pub fn from_path(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => InputFormat::Csv,
            _ => InputFormat::Jsonl,
        }
    }
}

/// One file to import.
#[derive(Debug, Clone)]
pub struct ImportSource {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: InputFormat,
    /// For CSV without a `type` column: the record type of every row.
    pub csv_type: Option<String>,
    /// For CSV: column header → exchange field.
    pub mapping: HashMap<String, String>,
}

impl ImportSource {
    /// A file whose format follows from its name.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        ImportSource { format: InputFormat::from_path(&path), path, csv_type: None, mapping: HashMap::new() }
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Store the good records and report the bad ones, instead of storing nothing.
    pub skip_invalid: bool,
    /// Check everything, store nothing.
    pub dry_run: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Records read without problems (before reference checks).
    pub records_read: u64,
    /// Records written (inserted, updated or unchanged).
    pub records_stored: u64,
    /// Per type: inserted, updated, unchanged.
    pub counts: ImportCounts,
    /// Lines skipped because of a problem.
    pub bad_lines: u64,
    /// Every problem.
    pub errors: Vec<LineError>,
    /// Non-fatal notes (unknown fields, repeated identical records).
    pub warnings: Vec<String>,
    /// Time spent reading and checking.
    pub read_time: Duration,
    /// Time spent writing.
    pub write_time: Duration,
    /// False for a dry run.
    pub stored: bool,
}

impl Hub {
    /// Imports files: all or nothing unless `skip_invalid`.
    pub fn import(&self, sources: &[ImportSource], options: ImportOptions, progress: &dyn Progress) -> AppResult<ImportReport> {
        let started = Instant::now();
        let mut read = ReadReport::default();
        for source in sources {
            let name = source.path.display().to_string();
            let file = File::open(&source.path).map_err(|e| AppError::Io(format!("cannot open {name}: {e}")))?;
            let total = file.metadata().map(|m| m.len()).ok();
            progress.phase(&format!("reading {name}"), total);
            let reader = BufReader::with_capacity(1 << 20, file);
            match source.format {
                InputFormat::Jsonl => read_jsonl(&name, reader, &mut read, &mut |done| progress.position(done))
                    .map_err(|e| AppError::Io(format!("cannot read {name}: {e}")))?,
                InputFormat::Csv => read_csv(&name, reader, source.csv_type.as_deref(), &source.mapping, &mut read)
                    .map_err(AppError::Io)?,
            }
            progress.finish();
        }
        self.import_records(read, options, started, progress)
    }

    /// Checks and stores records that were already read (used by `import` and `demo`).
    pub(crate) fn import_records(
        &self,
        read: ReadReport,
        options: ImportOptions,
        started: Instant,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let mut report = ImportReport {
            records_read: read.records.len() as u64,
            bad_lines: read.bad_lines,
            errors: read.errors,
            ..Default::default()
        };
        for record in &read.records {
            for warning in &record.outcome.warnings {
                report.warnings.push(format!("{}:{}: {warning}", record.file, record.line));
            }
        }
        let records = dedupe(read.records, &mut report);
        let batch = self.check_references(records, &mut report)?;
        report.read_time = started.elapsed();
        if !report.errors.is_empty() && !options.skip_invalid {
            return Err(AppError::ImportRejected { bad_lines: report.bad_lines, errors: report.errors });
        }
        if options.dry_run {
            report.records_stored = batch.len() as u64;
            return Ok(report);
        }
        let write_started = Instant::now();
        progress.phase("writing", Some(batch.len() as u64));
        report.counts = self.store.import(&batch, &mut |done| progress.position(done))?;
        progress.finish();
        report.write_time = write_started.elapsed();
        report.records_stored = batch.len() as u64;
        report.stored = true;
        tracing::info!(records = batch.len(), bad_lines = report.bad_lines, "import stored");
        Ok(report)
    }

    /// Every owner, party and affiliation must be in the input or in the store. Records
    /// whose references fail are reported and dropped (so `skip_invalid` stays consistent).
    fn check_references(&self, records: Vec<SourcedRecord>, report: &mut ImportReport) -> AppResult<ImportBatch> {
        let mut kinds: HashMap<String, PartyKind> = HashMap::new();
        let mut conflicting: HashSet<String> = HashSet::new();
        for record in &records {
            let kind = match &record.outcome.record {
                Parsed::Organization(_) => PartyKind::Organization,
                Parsed::Person(_) => PartyKind::Person,
                _ => continue,
            };
            let id = record.outcome.record.id().to_string();
            if let Some(previous) = kinds.insert(id.clone(), kind)
                && previous != kind {
                    conflicting.insert(id);
                }
        }
        let mut wanted: Vec<&str> = Vec::new();
        for record in &records {
            match &record.outcome.record {
                Parsed::Listing(l) => wanted.push(l.owner.as_str()),
                Parsed::Person(p) => wanted.extend(p.affiliation.as_ref().map(|a| a.as_str())),
                Parsed::Tie(t) => {
                    wanted.push(t.from.as_str());
                    wanted.push(t.to.as_str());
                }
                Parsed::Organization(_) => {}
            }
        }
        wanted.retain(|id| !kinds.contains_key(*id));
        wanted.sort_unstable();
        wanted.dedup();
        let mut stored: HashMap<String, PartyKind> = HashMap::new();
        for chunk in wanted.chunks(10_000) {
            stored.extend(self.store.party_kinds(chunk)?);
        }
        // Ids already stored as the other kind of party.
        let existing: Vec<&str> = kinds.keys().map(String::as_str).collect();
        let mut stored_kinds: HashMap<String, PartyKind> = HashMap::new();
        for chunk in existing.chunks(10_000) {
            stored_kinds.extend(self.store.party_kinds(chunk)?);
        }
        let kind_of = |id: &str| kinds.get(id).or_else(|| stored.get(id)).copied();

        let mut batch = ImportBatch::default();
        for record in records {
            let SourcedRecord { file, line, outcome } = record;
            let id = outcome.record.id().to_string();
            let mut fail = |field: &str, problem: String| {
                report.bad_lines += 1;
                report.errors.push(LineError::new(file.clone(), line, field, problem));
            };
            match outcome.record {
                Parsed::Organization(org) => {
                    if conflicting.contains(&id) || stored_kinds.get(&id) == Some(&PartyKind::Person) {
                        fail("id", format!("\"{id}\" is used by both an organization and a person"));
                    } else {
                        batch.organizations.push(org);
                    }
                }
                Parsed::Person(person) => {
                    if conflicting.contains(&id) || stored_kinds.get(&id) == Some(&PartyKind::Organization) {
                        fail("id", format!("\"{id}\" is used by both an organization and a person"));
                    } else if let Some(affiliation) = person.affiliation.as_ref().filter(|a| kind_of(a.as_str()) != Some(PartyKind::Organization)) {
                        fail("affiliation", format!("organization \"{affiliation}\" does not exist"));
                    } else {
                        batch.people.push(person);
                    }
                }
                Parsed::Listing(listing) => {
                    if kind_of(listing.owner.as_str()) != Some(PartyKind::Organization) {
                        fail("owner", format!("organization \"{}\" does not exist", listing.owner));
                    } else {
                        batch.listings.push(listing);
                    }
                }
                Parsed::Tie(tie) => match (kind_of(tie.from.as_str()), kind_of(tie.to.as_str())) {
                    (Some(from_kind), Some(to_kind)) => batch.ties.push(TypedTie { tie, from_kind, to_kind }),
                    (None, _) => fail("from", format!("no organization or person \"{}\" exists", tie.from)),
                    (_, None) => fail("to", format!("no organization or person \"{}\" exists", tie.to)),
                },
            }
        }
        // With skip_invalid a dropped organization takes its dependants with it.
        let kept_orgs: HashSet<&str> = batch.organizations.iter().map(|o| o.id.as_str()).collect();
        let dropped_orgs: HashSet<String> = kinds
            .iter()
            .filter(|(id, kind)| **kind == PartyKind::Organization && !kept_orgs.contains(id.as_str()))
            .map(|(id, _)| id.clone())
            .collect();
        if !dropped_orgs.is_empty() {
            batch.listings.retain(|l| !dropped_orgs.contains(l.owner.as_str()));
            batch.people.retain(|p| p.affiliation.as_ref().is_none_or(|a| !dropped_orgs.contains(a.as_str())));
            batch.ties.retain(|t| !dropped_orgs.contains(t.tie.from.as_str()) && !dropped_orgs.contains(t.tie.to.as_str()));
        }
        Ok(batch)
    }
}

/// The same id twice: identical records are merged with a warning, differing ones are errors.
fn dedupe(records: Vec<SourcedRecord>, report: &mut ImportReport) -> Vec<SourcedRecord> {
    let mut first_seen: HashMap<(String, &'static str), usize> = HashMap::with_capacity(records.len());
    let mut keep = vec![true; records.len()];
    for (idx, record) in records.iter().enumerate() {
        let key = (record.outcome.record.id().to_string(), record.outcome.record.type_name());
        match first_seen.get(&key) {
            None => {
                first_seen.insert(key, idx);
            }
            Some(&first) => {
                let earlier = &records[first];
                keep[idx] = false;
                if earlier.outcome.record == record.outcome.record {
                    report.warnings.push(format!(
                        "{}:{}: id: \"{}\" repeats {}:{} with the same content; stored once",
                        record.file, record.line, key.0, earlier.file, earlier.line
                    ));
                } else {
                    report.bad_lines += 1;
                    report.errors.push(LineError::new(
                        record.file.clone(),
                        record.line,
                        "id",
                        format!("\"{}\" appears again with different content (first at {}:{})", key.0, earlier.file, earlier.line),
                    ));
                }
            }
        }
    }
    records.into_iter().zip(keep).filter_map(|(r, k)| k.then_some(r)).collect()
}
