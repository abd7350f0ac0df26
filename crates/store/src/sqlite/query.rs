//! Reading: single records, filtered pages with keyset cursors, and the export walk.

use bridgehub_domain::{CountryCode, Listing, Organization, Person, Tie};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::codec;
use crate::cursor::{decode_cursor, encode_cursor, like_escape};
use crate::{
    ExportItem, ListingQuery, OrgQuery, Page, PartyKind, PersonQuery, Result, TieQuery, Versioned,
};

const MAX_PAGE: u32 = 500;

fn one<T>(
    conn: &Connection,
    sql: &str,
    id: &str,
    map: impl Fn(&Row<'_>) -> Result<Versioned<T>>,
) -> Result<Option<Versioned<T>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => map(row).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn organization(conn: &Connection, id: &str) -> Result<Option<Versioned<Organization>>> {
    one(conn, "SELECT * FROM organizations WHERE id = ?1", id, |r| codec::organization(r))
}

pub(crate) fn person(conn: &Connection, id: &str) -> Result<Option<Versioned<Person>>> {
    one(conn, "SELECT * FROM people WHERE id = ?1", id, |r| codec::person(r))
}

pub(crate) fn listing(conn: &Connection, id: &str) -> Result<Option<Versioned<Listing>>> {
    one(conn, "SELECT * FROM listings WHERE id = ?1", id, |r| codec::listing(r))
}

fn ids_json(ids: &[&str]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn party_kinds(conn: &Connection, ids: &[&str]) -> Result<Vec<(String, PartyKind)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, 'organization' FROM organizations WHERE id IN (SELECT value FROM json_each(?1)) \
         UNION ALL SELECT id, 'person' FROM people WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = stmt.query_map([ids_json(ids)], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind) = row?;
        if let Some(kind) = PartyKind::parse(&kind) {
            out.push((id, kind));
        }
    }
    Ok(out)
}

pub(crate) fn existing_ids(conn: &Connection, table: &str, ids: &[&str]) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?1))"))?;
    let rows = stmt.query_map([ids_json(ids)], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A WHERE clause under construction, with its parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Filter {
    /// Adds a clause whose bare `?` placeholders take `values` in order.
    fn push(&mut self, clause: &str, values: impl IntoIterator<Item = Value>) {
        let mut values = values.into_iter();
        let mut numbered = String::with_capacity(clause.len() + 8);
        for ch in clause.chars() {
            if ch == '?' {
                if let Some(value) = values.next() {
                    self.params.push(value);
                }
                numbered.push_str(&format!("?{}", self.params.len()));
            } else {
                numbered.push(ch);
            }
        }
        self.clauses.push(numbered);
    }

    fn countries(&mut self, column: &str, countries: &Option<Vec<CountryCode>>) {
        if let Some(countries) = countries {
            let codes: Vec<&str> = countries.iter().map(CountryCode::as_str).collect();
            self.push(&format!("{column} IN (SELECT value FROM json_each(?))"), [Value::Text(ids_json(&codes))]);
        }
    }

    fn json_contains(&mut self, column: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.push(
                &format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ?)"),
                [Value::Text(value.to_owned())],
            );
        }
    }

    fn language(&mut self, column: &str, json_list: bool, tag: Option<&str>) {
        if let Some(tag) = tag {
            let (exact, prefix) = (Value::Text(tag.to_owned()), Value::Text(format!("{}-%", like_escape(tag))));
            if json_list {
                self.push(
                    &format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = ? OR json_each.value LIKE ? ESCAPE '\\')"),
                    [exact, prefix],
                );
            } else {
                self.push(&format!("({column} = ? OR {column} LIKE ? ESCAPE '\\')"), [exact, prefix]);
            }
        }
    }

    fn text(&mut self, columns: &[&str], text: Option<&str>) {
        if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", like_escape(text));
            let ors: Vec<String> = columns.iter().map(|c| format!("{c} LIKE ? ESCAPE '\\'")).collect();
            self.push(&format!("({})", ors.join(" OR ")), columns.iter().map(|_| Value::Text(pattern.clone())));
        }
    }

    fn cursor(&mut self, column: &str, cursor: Option<&str>) -> Result<()> {
        if let Some(cursor) = cursor {
            let after = decode_cursor(cursor)?;
            self.push(&format!("{column} > ?"), [Value::Text(after)]);
        }
        Ok(())
    }

    fn sql(&self, select: &str, order_column: &str, limit: u32) -> String {
        let where_clause =
            if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) };
        format!("{select}{where_clause} ORDER BY {order_column} LIMIT {}", limit.clamp(1, MAX_PAGE) + 1)
    }
}

fn page<T>(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    limit: u32,
    map: impl Fn(&Row<'_>) -> Result<Versioned<T>>,
    id_of: fn(&T) -> &str,
) -> Result<Page<Versioned<T>>> {
    let limit = limit.clamp(1, MAX_PAGE) as usize;
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut items = Vec::with_capacity(limit + 1);
    while let Some(row) = rows.next()? {
        items.push(map(row)?);
    }
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| encode_cursor(id_of(&last.record)))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub(crate) fn list_organizations(conn: &Connection, q: &OrgQuery) -> Result<Page<Versioned<Organization>>> {
    let mut f = Filter::default();
    f.countries("country", &q.countries);
    f.json_contains("sectors", q.sector.map(|s| s.code()));
    if let Some(kind) = q.kind {
        f.push("kind = ?", [Value::Text(kind.code().into())]);
    }
    f.language("languages", true, q.language.as_deref());
    f.text(&["name", "names", "city", "description"], q.text.as_deref());
    if let Some(verified) = q.verified {
        f.push("verified = ?", [Value::Integer(verified as i64)]);
    }
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql("SELECT * FROM organizations", "id", q.limit);
    page(conn, &sql, &f.params, q.limit, |r| codec::organization(r), |o| o.id.as_str())
}

pub(crate) fn list_people(conn: &Connection, q: &PersonQuery) -> Result<Page<Versioned<Person>>> {
    let mut f = Filter::default();
    if let Some(affiliation) = &q.affiliation {
        f.push("affiliation = ?", [Value::Text(affiliation.clone())]);
    }
    f.countries("country", &q.countries);
    f.json_contains("sectors", q.sector.map(|s| s.code()));
    f.language("languages", true, q.language.as_deref());
    f.text(&["name", "names", "title", "expertise", "bio"], q.text.as_deref());
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql("SELECT * FROM people", "id", q.limit);
    page(conn, &sql, &f.params, q.limit, |r| codec::person(r), |p| p.id.as_str())
}

pub(crate) fn list_listings(conn: &Connection, q: &ListingQuery) -> Result<Page<Versioned<Listing>>> {
    let mut f = Filter::default();
    if let Some(owner) = &q.owner {
        f.push("l.owner = ?", [Value::Text(owner.clone())]);
    }
    if q.countries.is_some() {
        f.countries("o.country", &q.countries);
    }
    f.json_contains("l.sectors", q.sector.map(|s| s.code()));
    f.language("l.language", false, q.language.as_deref());
    if let Some(direction) = q.direction {
        f.push("l.direction = ?", [Value::Text(direction.code().into())]);
    }
    if let Some(category) = q.category {
        f.push("l.category = ?", [Value::Text(category.code().into())]);
    }
    f.text(&["l.title", "l.body"], q.text.as_deref());
    if let Some(day) = q.live_on {
        f.push("l.status = 'active' AND (l.expires IS NULL OR l.expires >= ?)", [Value::Text(day.to_string())]);
    }
    f.cursor("l.id", q.cursor.as_deref())?;
    let sql = f.sql("SELECT l.* FROM listings l JOIN organizations o ON o.id = l.owner", "l.id", q.limit);
    page(conn, &sql, &f.params, q.limit, |r| codec::listing(r), |l| l.id.as_str())
}

pub(crate) fn list_ties(conn: &Connection, q: &TieQuery) -> Result<Page<Versioned<Tie>>> {
    let mut f = Filter::default();
    if let Some(party) = &q.party {
        f.push("(from_id = ? OR to_id = ?)", [Value::Text(party.clone()), Value::Text(party.clone())]);
    }
    f.cursor("id", q.cursor.as_deref())?;
    let sql = f.sql("SELECT * FROM ties", "id", q.limit);
    page(conn, &sql, &f.params, q.limit, |r| codec::tie(r), |t| t.id.as_str())
}

pub(crate) fn for_each_record(conn: &Connection, visit: &mut dyn FnMut(ExportItem) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare("SELECT * FROM organizations ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        visit(ExportItem::Organization(codec::organization(row)?.record))?;
    }
    let mut stmt = conn.prepare("SELECT * FROM people ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        visit(ExportItem::Person(codec::person(row)?.record))?;
    }
    let mut stmt = conn.prepare("SELECT * FROM listings ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        visit(ExportItem::Listing(codec::listing(row)?.record))?;
    }
    let mut stmt = conn.prepare("SELECT * FROM ties ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        visit(ExportItem::Tie(codec::tie(row)?.record))?;
    }
    Ok(())
}
