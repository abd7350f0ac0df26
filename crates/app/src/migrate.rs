//! Moving a whole hub from one store to another (`bridgehub migrate-data`), e.g. from the
//! embedded SQLite file to PostgreSQL when a hub outgrows one machine.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bridgehub_store::{Counts, ExportItem, ImportBatch, PartyKind, TypedTie};

use crate::{AppError, AppResult, Hub, Progress};

/// What a migration did.
#[derive(Debug, Clone)]
pub struct MigrateReport {
    /// Records in the source.
    pub source: Counts,
    /// Records in the target afterwards.
    pub target: Counts,
    /// Wall time.
    pub elapsed: Duration,
}

impl Hub {
    /// Copies every record of this hub into `target` in one transaction, then checks that
    /// the target holds at least as many records of each type as the source.
    pub fn migrate_to(&self, target: &Hub, progress: &dyn Progress) -> AppResult<MigrateReport> {
        let started = Instant::now();
        let source = self.store.counts()?;
        progress.phase("reading", Some(source.organizations + source.people + source.listings + source.ties));
        let mut batch = ImportBatch::default();
        let mut people: HashSet<String> = HashSet::new();
        let mut read: u64 = 0;
        self.store.for_each_record(&mut |item| {
            match item {
                ExportItem::Organization(o) => batch.organizations.push(o),
                ExportItem::Person(p) => {
                    people.insert(p.id.to_string());
                    batch.people.push(p);
                }
                ExportItem::Listing(l) => batch.listings.push(l),
                ExportItem::Tie(tie) => {
                    let kind = |id: &str| if people.contains(id) { PartyKind::Person } else { PartyKind::Organization };
                    let (from_kind, to_kind) = (kind(tie.from.as_str()), kind(tie.to.as_str()));
                    batch.ties.push(TypedTie { tie, from_kind, to_kind });
                }
            }
            read += 1;
            if read.is_multiple_of(4096) {
                progress.position(read);
            }
            Ok(())
        })?;
        progress.finish();
        progress.phase("writing", Some(batch.len() as u64));
        target.store.import(&batch, &mut |done| progress.position(done))?;
        progress.finish();
        let after = target.store.counts()?;
        let short = [
            ("organizations", source.organizations, after.organizations),
            ("people", source.people, after.people),
            ("listings", source.listings, after.listings),
            ("ties", source.ties, after.ties),
        ]
        .into_iter()
        .filter(|(_, from, to)| to < from)
        .map(|(what, from, to)| format!("{what}: {from} in the source, {to} in the target"))
        .collect::<Vec<_>>();
        if !short.is_empty() {
            return Err(AppError::Io(format!("the copy is incomplete: {}", short.join("; "))));
        }
        Ok(MigrateReport { source, target: after, elapsed: started.elapsed() })
    }
}
