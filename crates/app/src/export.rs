//! Export: every stored record, in the exchange format, from one consistent snapshot.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use bridgehub_exchange::{
    write_jsonl, write_listings_csv, write_organizations_csv, write_people_csv, write_ties_csv, ListingRecord,
    OrganizationRecord, PersonRecord, Record, TieRecord,
};
use bridgehub_store::{Counts, ExportItem, StoreError};

use crate::{AppError, AppResult, Hub, Progress};

impl Hub {
    /// Writes every record as JSON Lines (organizations, people, listings, ties; each by id).
    pub fn export_jsonl(&self, out: &mut dyn Write, progress: &dyn Progress) -> AppResult<Counts> {
        let total = self.store.counts()?;
        progress.phase("exporting", Some(total.organizations + total.people + total.listings + total.ties));
        let mut counts = Counts::default();
        let mut written: u64 = 0;
        let mut out = BufWriter::with_capacity(1 << 20, out);
        self.store.for_each_record(&mut |item| {
            let record = match &item {
                ExportItem::Organization(o) => {
                    counts.organizations += 1;
                    Record::Organization(OrganizationRecord::from(o))
                }
                ExportItem::Person(p) => {
                    counts.people += 1;
                    Record::Person(PersonRecord::from(p))
                }
                ExportItem::Listing(l) => {
                    counts.listings += 1;
                    Record::Listing(ListingRecord::from(l))
                }
                ExportItem::Tie(t) => {
                    counts.ties += 1;
                    Record::Tie(TieRecord::from(t))
                }
            };
            write_jsonl(&mut out, &record).map_err(|e| StoreError::Decode(format!("write failed: {e}")))?;
            written += 1;
            if written.is_multiple_of(4096) {
                progress.position(written);
            }
            Ok(())
        })?;
        out.flush().map_err(|e| AppError::Io(format!("write failed: {e}")))?;
        progress.finish();
        Ok(counts)
    }

    /// Writes `organizations.csv`, `people.csv`, `listings.csv` and `ties.csv` into `dir`.
    pub fn export_csv(&self, dir: &Path, progress: &dyn Progress) -> AppResult<Counts> {
        std::fs::create_dir_all(dir).map_err(|e| AppError::Io(format!("cannot create {}: {e}", dir.display())))?;
        let total = self.store.counts()?;
        progress.phase("exporting", Some(total.organizations + total.people + total.listings + total.ties));
        let (mut orgs, mut people, mut listings, mut ties) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        self.store.for_each_record(&mut |item| {
            match &item {
                ExportItem::Organization(o) => orgs.push(OrganizationRecord::from(o)),
                ExportItem::Person(p) => people.push(PersonRecord::from(p)),
                ExportItem::Listing(l) => listings.push(ListingRecord::from(l)),
                ExportItem::Tie(t) => ties.push(TieRecord::from(t)),
            }
            Ok(())
        })?;
        let create = |name: &str| -> AppResult<BufWriter<File>> {
            let path = dir.join(name);
            File::create(&path)
                .map(BufWriter::new)
                .map_err(|e| AppError::Io(format!("cannot create {}: {e}", path.display())))
        };
        let csv_err = |e: bridgehub_exchange::CsvError| AppError::Io(format!("cannot write CSV: {e}"));
        write_organizations_csv(create("organizations.csv")?, &orgs).map_err(csv_err)?;
        write_people_csv(create("people.csv")?, &people).map_err(csv_err)?;
        write_listings_csv(create("listings.csv")?, &listings).map_err(csv_err)?;
        write_ties_csv(create("ties.csv")?, &ties).map_err(csv_err)?;
        progress.finish();
        Ok(Counts {
            organizations: orgs.len() as u64,
            people: people.len() as u64,
            listings: listings.len() as u64,
            ties: ties.len() as u64,
        })
    }
}

