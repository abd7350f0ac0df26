//! Reading from PostgreSQL: single records, filtered pages with keyset cursors (ids are
//! `COLLATE "C"`, so pages and exports follow the same byte order as SQLite), the export walk.

use bridgehub_domain::{CountryCode, Listing, Organization, Person, Tie};
use postgres::types::ToSql;
use postgres::GenericClient;

use crate::codec;
use crate::cursor::{decode_cursor, encode_cursor, like_escape};
use crate::{ExportItem, ListingQuery, OrgQuery, Page, PartyKind, PersonQuery, Result, TieQuery, Versioned};

const MAX_PAGE: u32 = 500;

pub(crate) const ORG_COLUMNS: &str = "id, name, names::text AS names, kind, country, city, sectors::text AS sectors, \
    languages::text AS languages, description, website, contact_email, contact_phone, verified, version, created_at, updated_at";
pub(crate) const PERSON_COLUMNS: &str = "id, name, names::text AS names, affiliation, title, country, \
    expertise::text AS expertise, sectors::text AS sectors, languages::text AS languages, bio, contact_email, contact_phone, \
    version, created_at, updated_at";
pub(crate) const LISTING_COLUMNS: &str = "l.id, l.owner, l.direction, l.category, l.title, l.body, l.language, \
    l.sectors::text AS sectors, l.target_countries::text AS target_countries, l.target_groups::text AS target_groups, \
    l.expires, l.status, l.version, l.created_at, l.updated_at";
pub(crate) const TIE_COLUMNS: &str = "id, from_id, to_id, kind, date, source, evidence, version, created_at, updated_at";

type Param = Box<dyn ToSql + Sync>;

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

pub(crate) fn organization(client: &mut impl GenericClient, id: &str, for_update: bool) -> Result<Option<Versioned<Organization>>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = client.query_opt(&format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1{lock}"), &[&id])?;
    row.as_ref().map(codec::organization).transpose()
}

pub(crate) fn person(client: &mut impl GenericClient, id: &str) -> Result<Option<Versioned<Person>>> {
    let row = client.query_opt(&format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"), &[&id])?;
    row.as_ref().map(codec::person).transpose()
}

pub(crate) fn listing(client: &mut impl GenericClient, id: &str, for_update: bool) -> Result<Option<Versioned<Listing>>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = client.query_opt(&format!("SELECT {LISTING_COLUMNS} FROM listings l WHERE l.id = $1{lock}"), &[&id])?;
    row.as_ref().map(codec::listing).transpose()
}

pub(crate) fn party_kinds(client: &mut impl GenericClient, ids: &[&str]) -> Result<Vec<(String, PartyKind)>> {
    let ids: Vec<&str> = ids.to_vec();
    let rows = client.query(
        "SELECT id, 'organization' FROM organizations WHERE id = ANY($1) UNION ALL SELECT id, 'person' FROM people WHERE id = ANY($1)",
        &[&ids],
    )?;
    Ok(rows
        .iter()
        .filter_map(|row| PartyKind::parse(row.get::<_, &str>(1)).map(|kind| (row.get::<_, String>(0), kind)))
        .collect())
}

pub(crate) fn existing_ids(client: &mut impl GenericClient, table: &str, ids: &[&str]) -> Result<Vec<String>> {
    let ids: Vec<&str> = ids.to_vec();
    let rows = client.query(&format!("SELECT id FROM {table} WHERE id = ANY($1)"), &[&ids])?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// A WHERE clause under construction with `$n` parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Filter {
    fn next(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }

    fn countries(&mut self, column: &str, countries: &Option<Vec<CountryCode>>) {
        if let Some(countries) = countries {
            let codes: Vec<String> = countries.iter().map(ToString::to_string).collect();
            let p = self.next(Box::new(codes));
            self.clauses.push(format!("{column} = ANY({p})"));
        }
    }

    fn json_contains(&mut self, column: &str, value: Option<&str>) {
        if let Some(value) = value {
            let p = self.next(Box::new(serde_json::json!([value])));
            self.clauses.push(format!("{column} @> {p}"));
        }
    }

    fn equals(&mut self, column: &str, value: Option<String>) {
        if let Some(value) = value {
            let p = self.next(Box::new(value));
            self.clauses.push(format!("{column} = {p}"));
        }
    }

    fn language(&mut self, column: &str, json_list: bool, tag: Option<&str>) {
        if let Some(tag) = tag {
            let exact = self.next(Box::new(tag.to_owned()));
            let prefix = self.next(Box::new(format!("{}-%", like_escape(tag))));
            self.clauses.push(if json_list {
                format!("EXISTS (SELECT 1 FROM jsonb_array_elements_text({column}) v WHERE v = {exact} OR v LIKE {prefix})")
            } else {
                format!("({column} = {exact} OR {column} LIKE {prefix})")
            });
        }
    }

    fn text(&mut self, columns: &[&str], text: Option<&str>) {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            let p = self.next(Box::new(format!("%{}%", like_escape(text))));
            let ors: Vec<String> = columns.iter().map(|c| format!("{c} ILIKE {p}")).collect();
            self.clauses.push(format!("({})", ors.join(" OR ")));
        }
    }

    fn cursor(&mut self, column: &str, cursor: Option<&str>) -> Result<()> {
        if let Some(cursor) = cursor {
            let after = decode_cursor(cursor)?;
            let p = self.next(Box::new(after));
            self.clauses.push(format!("{column} > {p}"));
        }
        Ok(())
    }

    fn sql(&self, select: &str, order_column: &str, limit: u32) -> String {
        let where_clause = if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) };
        format!("{select}{where_clause} ORDER BY {order_column} LIMIT {}", limit.clamp(1, MAX_PAGE) + 1)
    }
}

fn page<T>(
    client: &mut impl GenericClient,
    filter: &Filter,
    sql: &str,
    limit: u32,
    map: fn(&postgres::Row) -> Result<Versioned<T>>,
    id_of: fn(&T) -> &str,
) -> Result<Page<Versioned<T>>> {
    let limit = limit.clamp(1, MAX_PAGE) as usize;
    let rows = client.query(sql, &refs(&filter.params))?;
    let mut items = rows.iter().map(map).collect::<Result<Vec<_>>>()?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| encode_cursor(id_of(&last.record)))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub(crate) fn list_organizations(client: &mut impl GenericClient, q: &OrgQuery) -> Result<Page<Versioned<Organization>>> {
    let mut f = Filter::default();
    f.countries("country", &q.countries);
    f.json_contains("sectors", q.sector.map(|s| s.code()));
    f.equals("kind", q.kind.map(|k| k.code().to_owned()));
    f.language("languages", true, q.language.as_deref());
    f.text(&["name", "names::text", "city", "description"], q.text.as_deref());
    if let Some(verified) = q.verified {
        let p = f.next(Box::new(verified));
        f.clauses.push(format!("verified = {p}"));
    }
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql(&format!("SELECT {ORG_COLUMNS} FROM organizations"), "id", q.limit);
    page(client, &f, &sql, q.limit, codec::organization, |o| o.id.as_str())
}

pub(crate) fn list_people(client: &mut impl GenericClient, q: &PersonQuery) -> Result<Page<Versioned<Person>>> {
    let mut f = Filter::default();
    f.equals("affiliation", q.affiliation.clone());
    f.countries("country", &q.countries);
    f.json_contains("sectors", q.sector.map(|s| s.code()));
    f.language("languages", true, q.language.as_deref());
    f.text(&["name", "names::text", "title", "expertise::text", "bio"], q.text.as_deref());
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql(&format!("SELECT {PERSON_COLUMNS} FROM people"), "id", q.limit);
    page(client, &f, &sql, q.limit, codec::person, |p| p.id.as_str())
}

pub(crate) fn list_listings(client: &mut impl GenericClient, q: &ListingQuery) -> Result<Page<Versioned<Listing>>> {
    let mut f = Filter::default();
    f.equals("l.owner", q.owner.clone());
    f.countries("o.country", &q.countries);
    f.json_contains("l.sectors", q.sector.map(|s| s.code()));
    f.language("l.language", false, q.language.as_deref());
    f.equals("l.direction", q.direction.map(|d| d.code().to_owned()));
    f.equals("l.category", q.category.map(|c| c.code().to_owned()));
    f.text(&["l.title", "l.body"], q.text.as_deref());
    if let Some(day) = q.live_on {
        let p = f.next(Box::new(day.to_string()));
        f.clauses.push(format!("l.status = 'active' AND (l.expires IS NULL OR l.expires >= {p})"));
    }
    f.cursor("l.id", q.cursor.as_deref())?;
    let sql = f.sql(&format!("SELECT {LISTING_COLUMNS} FROM listings l JOIN organizations o ON o.id = l.owner"), "l.id", q.limit);
    page(client, &f, &sql, q.limit, codec::listing, |l| l.id.as_str())
}

pub(crate) fn list_ties(client: &mut impl GenericClient, q: &TieQuery) -> Result<Page<Versioned<Tie>>> {
    let mut f = Filter::default();
    if let Some(party) = &q.party {
        let p = f.next(Box::new(party.clone()));
        f.clauses.push(format!("(from_id = {p} OR to_id = {p})"));
    }
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql(&format!("SELECT {TIE_COLUMNS} FROM ties"), "id", q.limit);
    page(client, &f, &sql, q.limit, codec::tie, |t| t.id.as_str())
}

const EXPORT_BATCH: i32 = 5_000;

/// Walks every table in id order inside one REPEATABLE READ snapshot, in batches.
pub(crate) fn for_each_record(client: &mut postgres::Client, visit: &mut dyn FnMut(ExportItem) -> Result<()>) -> Result<()> {
    let mut tx = client.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
    let tables: [(String, fn(&postgres::Row) -> Result<ExportItem>); 4] = [
        (format!("SELECT {ORG_COLUMNS} FROM organizations ORDER BY id"), |r| codec::organization(r).map(|v| ExportItem::Organization(v.record))),
        (format!("SELECT {PERSON_COLUMNS} FROM people ORDER BY id"), |r| codec::person(r).map(|v| ExportItem::Person(v.record))),
        (format!("SELECT {LISTING_COLUMNS} FROM listings l ORDER BY l.id"), |r| codec::listing(r).map(|v| ExportItem::Listing(v.record))),
        (format!("SELECT {TIE_COLUMNS} FROM ties ORDER BY id"), |r| codec::tie(r).map(|v| ExportItem::Tie(v.record))),
    ];
    for (sql, map) in tables {
        let portal = tx.bind(sql.as_str(), &[])?;
        loop {
            let rows = tx.query_portal(&portal, EXPORT_BATCH)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                visit(map(row)?)?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}
