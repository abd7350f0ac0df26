//! CSV import with a header mapping, and CSV export that imports back to the same data.
//!
//! A CSV file holds records of one type (given by the caller or by a `type` column).
//! Column names are exchange-format field names, or are mapped to them with
//! `"Column Header=field"`; lists are written with `;` between items
//! (`logistics;trade`), names in other languages as `names.<tag>` columns and contact
//! details as `contact.email` / `contact.phone` columns.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};

use serde_json::{Map, Value};

use crate::jsonl::{push_outcome, LineError, ReadReport};
use crate::parse::{parse_organization, parse_person, parse_listing, parse_tie};
use crate::records::{ListingRecord, OrganizationRecord, PersonRecord, TieRecord};

/// The record types a CSV file may hold.
pub const CSV_TYPES: &[&str] = &["organization", "person", "listing", "tie"];

const LIST_FIELDS: &[&str] = &["sectors", "languages", "target_countries", "target_groups", "expertise"];
const LIST_SEPARATOR: char = ';';

/// Parses a header mapping `"Org Name=name,Nation=country"` (or one pair per element).
pub fn parse_mapping(specs: &[String]) -> Result<HashMap<String, String>, String> {
    let mut mapping = HashMap::new();
    for spec in specs {
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((column, field)) = pair.split_once('=') else {
                return Err(format!("mapping \"{pair}\" is not of the form COLUMN=field"));
            };
            mapping.insert(column.trim().to_owned(), field.trim().to_owned());
        }
    }
    Ok(mapping)
}

/// Reads CSV rows as records. `record_type` is used when the file has no `type` column.
pub fn read_csv(
    file: &str,
    reader: impl Read,
    record_type: Option<&str>,
    mapping: &HashMap<String, String>,
    report: &mut ReadReport,
) -> Result<(), String> {
    let mut csv_reader = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
    let headers = csv_reader.headers().map_err(|err| format!("{file}:1: (header): {err}"))?.clone();
    let fields: Vec<String> = headers
        .iter()
        .map(|h| mapping.get(h.trim()).cloned().unwrap_or_else(|| h.trim().to_owned()))
        .collect();
    let type_column = fields.iter().position(|f| f == "type");
    if type_column.is_none() {
        match record_type {
            Some(t) if CSV_TYPES.contains(&t) => {}
            Some(t) => return Err(format!("\"{t}\" is not a record type; expected one of: {}", CSV_TYPES.join(", "))),
            None => return Err(format!("{file}: the file has no \"type\" column; say which records it holds with --type")),
        }
    }
    for row in csv_reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or(0);
                report.bad_lines += 1;
                report.errors.push(LineError::new(file, line, "(csv)", err.to_string()));
                continue;
            }
        };
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let mut map = Map::new();
        for (field, cell) in fields.iter().zip(row.iter()) {
            let cell = cell.trim();
            if cell.is_empty() || field == "-" {
                continue;
            }
            insert_cell(&mut map, field, cell);
        }
        let row_type = type_column
            .and_then(|idx| row.get(idx))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .or(record_type)
            .unwrap_or("");
        map.remove("type");
        let outcome = match row_type {
            "organization" => parse_organization(&map, None),
            "person" => parse_person(&map, None),
            "listing" => parse_listing(&map, None),
            "tie" => parse_tie(&map),
            other => {
                let mut problems = bridgehub_domain::Problems::default();
                problems.push("type", format!("\"{other}\" is not a record type; expected one of: {}", CSV_TYPES.join(", ")));
                Err(problems)
            }
        };
        push_outcome(report, file, line, outcome);
    }
    Ok(())
}

fn insert_cell(map: &mut Map<String, Value>, field: &str, cell: &str) {
    if let Some((parent, child)) = field.split_once('.')
        && (parent == "names" || parent == "contact") {
            let entry = map.entry(parent.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(obj) = entry {
                obj.insert(child.to_owned(), Value::String(cell.to_owned()));
            }
            return;
        }
    let value = if LIST_FIELDS.contains(&field) {
        Value::Array(
            cell.split(LIST_SEPARATOR)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )
    } else if field == "verified" {
        match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => Value::String(cell.to_owned()),
        }
    } else {
        Value::String(cell.to_owned())
    };
    map.insert(field.to_owned(), value);
}

fn join(items: &[String]) -> String {
    items.join(&LIST_SEPARATOR.to_string())
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn name_tags<'a>(names: impl Iterator<Item = &'a std::collections::BTreeMap<String, String>>) -> Vec<String> {
    let tags: BTreeSet<String> = names.flat_map(|n| n.keys().cloned()).collect();
    tags.into_iter().collect()
}

/// Writes organizations as CSV (with a `names.<tag>` column for every tag in use).
pub fn write_organizations_csv(out: impl Write, records: &[OrganizationRecord]) -> csv::Result<()> {
    let tags = name_tags(records.iter().map(|r| &r.names));
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<String> = ["id", "name", "kind", "country", "city", "sectors", "languages", "description", "website", "verified", "contact.email", "contact.phone"]
        .iter().map(|s| s.to_string()).collect();
    header.extend(tags.iter().map(|t| format!("names.{t}")));
    writer.write_record(&header)?;
    for r in records {
        let contact = r.contact.clone().unwrap_or_default();
        let mut row = vec![
            r.id.clone(), r.name.clone(), r.kind.clone(), r.country.clone(), opt(&r.city), join(&r.sectors),
            join(&r.languages), opt(&r.description), opt(&r.website), r.verified.to_string(), opt(&contact.email), opt(&contact.phone),
        ];
        row.extend(tags.iter().map(|t| r.names.get(t).cloned().unwrap_or_default()));
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes people as CSV.
pub fn write_people_csv(out: impl Write, records: &[PersonRecord]) -> csv::Result<()> {
    let tags = name_tags(records.iter().map(|r| &r.names));
    let mut writer = csv::Writer::from_writer(out);
    let mut header: Vec<String> = ["id", "name", "affiliation", "title", "country", "expertise", "sectors", "languages", "bio", "contact.email", "contact.phone"]
        .iter().map(|s| s.to_string()).collect();
    header.extend(tags.iter().map(|t| format!("names.{t}")));
    writer.write_record(&header)?;
    for r in records {
        let contact = r.contact.clone().unwrap_or_default();
        let mut row = vec![
            r.id.clone(), r.name.clone(), opt(&r.affiliation), opt(&r.title), opt(&r.country), join(&r.expertise),
            join(&r.sectors), join(&r.languages), opt(&r.bio), opt(&contact.email), opt(&contact.phone),
        ];
        row.extend(tags.iter().map(|t| r.names.get(t).cloned().unwrap_or_default()));
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes listings as CSV.
pub fn write_listings_csv(out: impl Write, records: &[ListingRecord]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["id", "owner", "direction", "category", "title", "body", "language", "sectors", "target_countries", "target_groups", "expires", "status"])?;
    for r in records {
        writer.write_record([
            &r.id, &r.owner, &r.direction, &r.category, &r.title, &r.body, &r.language, &join(&r.sectors),
            &join(&r.target_countries), &join(&r.target_groups), &opt(&r.expires), &r.status,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes ties as CSV.
pub fn write_ties_csv(out: impl Write, records: &[TieRecord]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["id", "from", "to", "kind", "date", "source", "evidence"])?;
    for r in records {
        writer.write_record([&r.id, &r.from, &r.to, &r.kind, &r.date, &opt(&r.source), &opt(&r.evidence)])?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Parsed;

    #[test]
    fn a_mapped_csv_reads_lists_names_and_contacts() {
        let csv = "Org Name,Nation,kind,Fields,names.en,contact.email\n\
                   新加坡物流公司,sg,enterprise,logistics; trade,Singapore Logistics,ops@sg-log.example\n";
        let mapping = parse_mapping(&["Org Name=name,Nation=country".into(), "Fields=sectors".into()]).unwrap();
        let mut report = ReadReport::default();
        let err = read_csv("orgs.csv", csv.as_bytes(), Some("organization"), &mapping, &mut report);
        assert!(err.is_ok());
        // No id column: every row is reported as missing its id.
        assert_eq!(report.errors[0].to_string(), "orgs.csv:2: id: is required");

        let csv = "id,Org Name,Nation,kind,Fields,names.en,contact.email\n\
                   o1,新加坡物流公司,sg,enterprise,logistics; trade,Singapore Logistics,ops@sg-log.example\n";
        let mut report = ReadReport::default();
        read_csv("orgs.csv", csv.as_bytes(), Some("organization"), &mapping, &mut report).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let Parsed::Organization(org) = &report.records[0].outcome.record else { panic!() };
        assert_eq!(org.country.as_str(), "SG");
        assert_eq!(org.sectors.len(), 2);
        assert_eq!(org.names.values().next().map(String::as_str), Some("Singapore Logistics"));
        assert_eq!(org.contact.email.as_deref(), Some("ops@sg-log.example"));
    }

    #[test]
    fn a_csv_without_type_needs_one() {
        let mut report = ReadReport::default();
        let err = read_csv("x.csv", "id,name\n".as_bytes(), None, &HashMap::new(), &mut report).unwrap_err();
        assert!(err.contains("--type"));
    }
}
