//! Public pages: home, directory, opportunities, organization profile, listing with its
//! matches; and the listing forms of signed-in members. Handlers are thin: they call
//! `Hub`/`Matcher` use cases on the blocking pool and turn records into view models.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bridgehub_app::{AppError, Hub, ListingFilter, MatchMode, OrgFilter, PersonFilter};
use bridgehub_domain::reference::{Locale, reference};
use bridgehub_domain::{Category, Listing, OrgKind, Organization, Person, Sector};
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Ctx;
use super::i18n::dir_of;
use crate::AppState;

// ---------------------------------------------------------------- plumbing

/// Renders a template (a template error is logged and answered with 500).
pub(crate) fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title: String,
    message: String,
}

/// The not-found page for an address no route serves, in the language the request asks
/// for (`lang`, the language cookie, `Accept-Language`); no session is read and no cookie
/// set. Called by the router's fallback for `GET`/`HEAD` outside `/api`.
pub(crate) fn not_found_page(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> Response {
    let ctx = super::context::anonymous(headers, uri);
    error_page(&ctx, StatusCode::NOT_FOUND, "error-not-found")
}

/// An error page with a status and a translated message.
pub(crate) fn error_page(ctx: &Ctx, status: StatusCode, key: &str) -> Response {
    let title = ctx.t(&format!("status-{}", status.as_u16()));
    let page = ErrorPage {
        ctx,
        title,
        message: ctx.t(key),
    };
    (status, render(&page)).into_response()
}

/// The page for a use case's error (status from the API's one code→status match).
pub(crate) fn app_error(ctx: &Ctx, err: AppError) -> Response {
    let err_kind = if matches!(err, AppError::Validation(_) | AppError::InvalidQuery(_)) || err.code() == bridgehub_app::ErrorCode::VersionConflict {
        ErrKind::Translated
    } else {
        ErrKind::Other
    };
    // A refused value in the page's language where the use case coded it.
    let message = match &err {
        AppError::Validation(_) | AppError::InvalidQuery(_) => query_problem(ctx, &err),
        other if other.code() == bridgehub_app::ErrorCode::VersionConflict => ctx.t("error-version-conflict"),
        other => other.to_string(),
    };
    let status = crate::error::ApiError::from(err).into_response().status();
    let message = match status {
        StatusCode::NOT_FOUND => ctx.t("error-not-found"),
        StatusCode::UNAUTHORIZED => ctx.t("error-login"),
        StatusCode::FORBIDDEN => ctx.t("error-forbidden"),
        StatusCode::TOO_MANY_REQUESTS => ctx.t("error-rate-limited"),
        s if s.is_server_error() => ctx.t("error-internal"),
        _ if matches!(err_kind, ErrKind::Translated) => message,
        _ => uncoded(ctx, &message),
    };
    let page = ErrorPage {
        ctx,
        title: ctx.t(&format!("status-{}", status.as_u16())),
        message,
    };
    (status, render(&page)).into_response()
}

/// Runs a use case on the blocking pool (the store is synchronous).
pub(crate) async fn run<T: Send + 'static>(
    hub: &Hub,
    work: impl FnOnce(&Hub) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let hub = hub.clone();
    tokio::task::spawn_blocking(move || work(&hub))
        .await
        .map_err(|_| AppError::Io("worker thread failed".into()))?
}

/// See-other redirect after a form.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Redirect to the log-in page, coming back here afterwards.
pub(crate) fn to_login(ctx: &Ctx) -> Response {
    let next: String = form_urlencoded::byte_serialize(ctx.here.as_bytes()).collect();
    see_other(&format!("/login?next={next}"))
}

/// The signed-in administrator, or the answer for anyone else: the log-in page for a
/// visitor, 403 for a member.
pub(crate) fn administrator(ctx: &Ctx) -> Result<super::context::Viewer, Response> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Err(to_login(ctx));
    };
    if !viewer.is_admin {
        return Err(error_page(ctx, StatusCode::FORBIDDEN, "error-forbidden"));
    }
    Ok(viewer)
}

/// A tie-graph node as a page names it: an organization by its name in `locale`, with its
/// profile's address; a person by their own name; else the id.
pub(crate) fn node_label(hub: &Hub, id: &str, locale: Locale) -> (Option<String>, String) {
    match hub.organization(id) {
        Ok(o) => (Some(format!("/organizations/{id}")), org_names(&o.record, locale).0),
        Err(_) => (None, hub.person(id).map(|p| p.record.name).unwrap_or_else(|_| id.to_owned())),
    }
}

/// A parsed urlencoded form (repeated fields kept).
pub(crate) struct FormData(pub(crate) Vec<(String, String)>);

impl FormData {
    pub(crate) fn parse(body: &[u8]) -> FormData {
        FormData(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }

    pub(crate) fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

fn query_url(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

// ---------------------------------------------------------------- view models

/// An organization's name in the UI language when it has one, and the other name.
pub(crate) fn org_names(org: &Organization, locale: Locale) -> (String, String) {
    let wanted: &[&str] = match locale {
        Locale::En => &["en"],
        Locale::ZhHans => &["zh-Hans", "zh-CN", "zh"],
        Locale::ZhHant => &["zh-Hant", "zh-TW", "zh-HK", "zh"],
    };
    let local = org
        .names
        .iter()
        .find(|(tag, _)| wanted.contains(&tag.as_str()))
        .map(|(_, n)| n.clone());
    match local {
        Some(name) if name != org.name => (name, org.name.clone()),
        _ => (org.name.clone(), String::new()),
    }
}

pub(crate) struct OrgCard {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) other_name: String,
    pub(crate) kind: String,
    pub(crate) country: String,
    pub(crate) city: String,
    pub(crate) sectors: String,
    pub(crate) verified: bool,
}

pub(crate) fn org_card(ctx: &Ctx, org: &Organization) -> OrgCard {
    let (name, other_name) = org_names(org, ctx.locale);
    OrgCard {
        id: org.id.to_string(),
        name,
        other_name,
        kind: ctx.vocab("kind", org.kind.code()),
        country: ctx.country(org.country.as_str()),
        city: org.city.clone().unwrap_or_default(),
        sectors: org
            .sectors
            .iter()
            .map(|s| ctx.sector(s.code()))
            .collect::<Vec<_>>()
            .join(" · "),
        verified: org.verified,
    }
}

pub(crate) struct PersonCard {
    name: String,
    title: String,
    affiliation_id: String,
    affiliation_name: String,
    country: String,
    expertise: String,
}

pub(crate) struct ListingCard {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) snippet: String,
    pub(crate) lang: String,
    pub(crate) dir: &'static str,
    pub(crate) direction: &'static str,
    pub(crate) direction_label: String,
    pub(crate) category: String,
    pub(crate) country: String,
    pub(crate) owner_id: String,
    pub(crate) owner_name: String,
}

fn snippet(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

pub(crate) fn listing_card(
    ctx: &Ctx,
    listing: &Listing,
    owner: Option<&Organization>,
) -> ListingCard {
    ListingCard {
        id: listing.id.to_string(),
        title: listing.title.clone(),
        snippet: snippet(&listing.body, 180),
        lang: listing.language.to_string(),
        dir: dir_of(listing.language.as_str()),
        direction: listing.direction.code(),
        direction_label: ctx.vocab("direction", listing.direction.code()),
        category: ctx.vocab("category", listing.category.code()),
        country: owner
            .map(|o| ctx.country(o.country.as_str()))
            .unwrap_or_default(),
        owner_id: listing.owner.to_string(),
        owner_name: owner
            .map(|o| org_names(o, ctx.locale).0)
            .unwrap_or_else(|| listing.owner.to_string()),
    }
}

/// Cards for listings, with their owners read once each.
fn listing_cards(hub: &Hub, ctx: &Ctx, listings: &[Listing]) -> Result<Vec<ListingCard>, AppError> {
    let mut owners: HashMap<String, Option<Organization>> = HashMap::new();
    for l in listings {
        if !owners.contains_key(l.owner.as_str()) {
            let org = hub.organization(l.owner.as_str()).ok().map(|o| o.record);
            owners.insert(l.owner.to_string(), org);
        }
    }
    Ok(listings
        .iter()
        .map(|l| {
            listing_card(
                ctx,
                l,
                owners.get(l.owner.as_str()).and_then(Option::as_ref),
            )
        })
        .collect())
}

pub(crate) struct Facet {
    name: &'static str,
    label: String,
    options: Vec<(String, String, bool)>,
}

fn facet(
    name: &'static str,
    label: String,
    options: Vec<(String, String)>,
    current: &str,
) -> Facet {
    Facet {
        name,
        label,
        options: options
            .into_iter()
            .map(|(v, l)| {
                let s = v == current;
                (v, l, s)
            })
            .collect(),
    }
}

fn country_options(ctx: &Ctx) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = reference()
        .countries()
        .iter()
        .map(|c| (c.code.to_string(), c.names.get(ctx.locale).to_owned()))
        .collect();
    all.sort_by(|a, b| a.1.cmp(&b.1));
    all
}

fn group_options(ctx: &Ctx) -> Vec<(String, String)> {
    reference()
        .groupings()
        .iter()
        .map(|g| (g.code.clone(), g.name(ctx.locale).to_owned()))
        .collect()
}

fn sector_options(ctx: &Ctx) -> Vec<(String, String)> {
    Sector::ALL
        .iter()
        .map(|s| (s.code().to_owned(), ctx.sector(s.code())))
        .collect()
}

fn kind_options(ctx: &Ctx) -> Vec<(String, String)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), ctx.vocab("kind", k.code())))
        .collect()
}

fn category_options(ctx: &Ctx) -> Vec<(String, String)> {
    Category::ALL
        .iter()
        .map(|c| (c.code().to_owned(), ctx.vocab("category", c.code())))
        .collect()
}

/// Languages offered in forms and filters (the hub's working languages first).
pub(crate) const COMMON_LANGUAGES: [&str; 22] = [
    "en", "zh", "ar", "vi", "th", "ms", "id", "fil", "ja", "ko", "ru", "fr", "es", "pt", "de",
    "tr", "fa", "ur", "hi", "he", "sw", "kk",
];

fn language_options(ctx: &Ctx) -> Vec<(String, String)> {
    COMMON_LANGUAGES
        .iter()
        .map(|t| (t.to_string(), ctx.language(t)))
        .collect()
}

// ---------------------------------------------------------------- home

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
    organizations: u64,
    people: u64,
    listings: u64,
    ties: u64,
    latest: Vec<ListingCard>,
}

/// `GET /`: what the hub is, counts, open opportunities.
pub(crate) async fn home(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let c = ctx.clone();
    let result = run(&state.hub, move |hub| {
        let counts = hub.counts()?;
        let page = hub.list_listings(&ListingFilter {
            limit: Some(8),
            ..Default::default()
        })?;
        let records: Vec<Listing> = page.items.into_iter().map(|l| l.record).collect();
        Ok((counts, listing_cards(hub, &c, &records)?))
    })
    .await;
    match result {
        Ok((counts, latest)) => render(&HomePage {
            ctx: &ctx,
            organizations: counts.organizations,
            people: counts.people,
            listings: counts.listings,
            ties: counts.ties,
            latest,
        }),
        Err(err) => app_error(&ctx, err),
    }
}

// ---------------------------------------------------------------- directory

/// Directory filters as they arrive in the query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DirectoryParams {
    what: Option<String>,
    q: Option<String>,
    country: Option<String>,
    group: Option<String>,
    sector: Option<String>,
    kind: Option<String>,
    language: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage<'a> {
    ctx: &'a Ctx,
    q: String,
    people: bool,
    facets: Vec<Facet>,
    orgs: Vec<OrgCard>,
    persons: Vec<PersonCard>,
    problem: Option<String>,
    first_url: String,
    next_url: String,
}

/// `GET /directory`: organizations or people with facets and cursor paging.
pub(crate) async fn directory(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<DirectoryParams>, QueryRejection>,
) -> Response {
    let p = params.ok().map(|Query(p)| p).unwrap_or_default();
    if let Err(err) = super::account::limit_browsing(&state.hub, &ctx).await {
        return app_error(&ctx, err);
    }
    let people = p.what.as_deref() == Some("people");
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut facets = vec![
        facet(
            "country",
            ctx.t("field-country"),
            country_options(&ctx),
            &text(&p.country),
        ),
        facet(
            "group",
            ctx.t("field-group"),
            group_options(&ctx),
            &text(&p.group),
        ),
        facet(
            "sector",
            ctx.t("field-sector"),
            sector_options(&ctx),
            &text(&p.sector),
        ),
    ];
    if !people {
        facets.push(facet(
            "kind",
            ctx.t("field-kind"),
            kind_options(&ctx),
            &text(&p.kind),
        ));
    }
    facets.push(facet(
        "language",
        ctx.t("field-language"),
        language_options(&ctx),
        &text(&p.language),
    ));
    let limit = Some(20);
    let c = ctx.clone();
    let (what, q, country, group, sector, kind, language) = (
        text(&p.what),
        text(&p.q),
        text(&p.country),
        text(&p.group),
        text(&p.sector),
        text(&p.kind),
        text(&p.language),
    );
    let result = if people {
        let filter = PersonFilter {
            country: p.country.clone(),
            group: p.group.clone(),
            sector: p.sector.clone(),
            language: p.language.clone(),
            q: p.q.clone(),
            cursor: p.cursor.clone(),
            limit,
            ..Default::default()
        };
        run(&state.hub, move |hub| {
            let page = hub.list_people(&filter)?;
            let cards = page
                .items
                .iter()
                .map(|v| person_card(hub, &c, &v.record))
                .collect();
            Ok((Vec::new(), cards, page.next_cursor))
        })
        .await
    } else {
        let filter = OrgFilter {
            country: p.country.clone(),
            group: p.group.clone(),
            sector: p.sector.clone(),
            kind: p.kind.clone(),
            language: p.language.clone(),
            q: p.q.clone(),
            cursor: p.cursor.clone(),
            limit,
            ..Default::default()
        };
        run(&state.hub, move |hub| {
            let page = hub.list_organizations(&filter)?;
            Ok((
                page.items.iter().map(|v| org_card(&c, &v.record)).collect(),
                Vec::new(),
                page.next_cursor,
            ))
        })
        .await
    };
    let base = [
        ("what", what.as_str()),
        ("q", &q),
        ("country", &country),
        ("group", &group),
        ("sector", &sector),
        ("kind", &kind),
        ("language", &language),
    ];
    let first_url = if p.cursor.is_some() {
        query_url("/directory", &base)
    } else {
        String::new()
    };
    let (orgs, persons, next, problem) = match result {
        Ok((orgs, persons, next)) => (orgs, persons, next, None),
        Err(err @ (AppError::InvalidQuery(_) | AppError::Validation(_))) => {
            (Vec::new(), Vec::new(), None, Some(query_problem(&ctx, &err)))
        }
        Err(err) => return app_error(&ctx, err),
    };
    let next_url = match next {
        Some(cursor) => {
            let mut pairs = base.to_vec();
            pairs.push(("cursor", &cursor));
            query_url("/directory", &pairs)
        }
        None => String::new(),
    };
    render(&DirectoryPage {
        ctx: &ctx,
        q,
        people,
        facets,
        orgs,
        persons,
        problem,
        first_url,
        next_url,
    })
}

fn person_card(hub: &Hub, ctx: &Ctx, person: &Person) -> PersonCard {
    let affiliation = person
        .affiliation
        .as_ref()
        .and_then(|id| hub.organization(id.as_str()).ok())
        .map(|o| o.record);
    PersonCard {
        name: person.name.clone(),
        title: person.title.clone().unwrap_or_default(),
        affiliation_id: affiliation
            .as_ref()
            .map(|o| o.id.to_string())
            .unwrap_or_default(),
        affiliation_name: affiliation
            .as_ref()
            .map(|o| org_names(o, ctx.locale).0)
            .unwrap_or_default(),
        country: person
            .country
            .map(|c| ctx.country(c.as_str()))
            .unwrap_or_default(),
        expertise: person.expertise.join(" · "),
    }
}

// ---------------------------------------------------------------- opportunities

/// Listing filters as they arrive in the query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListingParams {
    q: Option<String>,
    direction: Option<String>,
    category: Option<String>,
    sector: Option<String>,
    country: Option<String>,
    group: Option<String>,
    language: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "listings.html")]
struct ListingsPage<'a> {
    ctx: &'a Ctx,
    q: String,
    facets: Vec<Facet>,
    items: Vec<ListingCard>,
    problem: Option<String>,
    first_url: String,
    next_url: String,
}

/// `GET /listings`: live offers and seeks with filters.
pub(crate) async fn listings(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<ListingParams>, QueryRejection>,
) -> Response {
    let p = params.ok().map(|Query(p)| p).unwrap_or_default();
    if let Err(err) = super::account::limit_browsing(&state.hub, &ctx).await {
        return app_error(&ctx, err);
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let directions = vec![
        ("offer".to_owned(), ctx.vocab("direction", "offer")),
        ("seek".to_owned(), ctx.vocab("direction", "seek")),
    ];
    let facets = vec![
        facet(
            "direction",
            ctx.t("field-direction"),
            directions,
            &text(&p.direction),
        ),
        facet(
            "category",
            ctx.t("field-category"),
            category_options(&ctx),
            &text(&p.category),
        ),
        facet(
            "sector",
            ctx.t("field-sector"),
            sector_options(&ctx),
            &text(&p.sector),
        ),
        facet(
            "country",
            ctx.t("field-country"),
            country_options(&ctx),
            &text(&p.country),
        ),
        facet(
            "group",
            ctx.t("field-group"),
            group_options(&ctx),
            &text(&p.group),
        ),
        facet(
            "language",
            ctx.t("field-language"),
            language_options(&ctx),
            &text(&p.language),
        ),
    ];
    let filter = ListingFilter {
        q: p.q.clone(),
        direction: p.direction.clone(),
        category: p.category.clone(),
        sector: p.sector.clone(),
        country: p.country.clone(),
        group: p.group.clone(),
        language: p.language.clone(),
        cursor: p.cursor.clone(),
        limit: Some(20),
        ..Default::default()
    };
    let c = ctx.clone();
    let result = run(&state.hub, move |hub| {
        let page = hub.list_listings(&filter)?;
        let records: Vec<Listing> = page.items.into_iter().map(|l| l.record).collect();
        Ok((listing_cards(hub, &c, &records)?, page.next_cursor))
    })
    .await;
    let (q, direction, category, sector, country, group, language) = (
        text(&p.q),
        text(&p.direction),
        text(&p.category),
        text(&p.sector),
        text(&p.country),
        text(&p.group),
        text(&p.language),
    );
    let base = [
        ("q", q.as_str()),
        ("direction", &direction),
        ("category", &category),
        ("sector", &sector),
        ("country", &country),
        ("group", &group),
        ("language", &language),
    ];
    let first_url = if p.cursor.is_some() {
        query_url("/listings", &base)
    } else {
        String::new()
    };
    let (items, next, problem) = match result {
        Ok((items, next)) => (items, next, None),
        Err(err @ (AppError::InvalidQuery(_) | AppError::Validation(_))) => {
            (Vec::new(), None, Some(query_problem(&ctx, &err)))
        }
        Err(err) => return app_error(&ctx, err),
    };
    let next_url = match next {
        Some(cursor) => {
            let mut pairs = base.to_vec();
            pairs.push(("cursor", &cursor));
            query_url("/listings", &pairs)
        }
        None => String::new(),
    };
    render(&ListingsPage {
        ctx: &ctx,
        q,
        facets,
        items,
        problem,
        first_url,
        next_url,
    })
}

// ---------------------------------------------------------------- organization

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage<'a> {
    ctx: &'a Ctx,
    org: OrgCard,
    other_names: Vec<(String, String)>,
    languages: String,
    website: String,
    description: String,
    contact: Option<(String, String)>,
    own_orgs: Vec<(String, String)>,
    listings: Vec<ListingCard>,
    /// "Who can introduce us?": the best paths from the viewer's organizations.
    paths: Vec<PathView>,
    /// Whether the paths section is shown (a signed-in viewer from another organization).
    show_paths: bool,
}

/// One introduction path, as the page shows it.
pub(crate) struct PathView {
    /// Each node: link (empty for people, who have no page) and name.
    steps: Vec<(String, String)>,
    /// Path score (product of tie strengths), two decimals.
    score: String,
}

/// The best paths (at most 3 hops, 3 per organization) from each of the viewer's
/// organizations to `target`, through the ties the viewer may see, best first.
fn intro_paths(hub: &Hub, network: &bridgehub_app::TieNetwork, ctx: &Ctx, target: &str) -> Vec<PathView> {
    let Some(viewer) = &ctx.viewer else {
        return Vec::new();
    };
    let actor = viewer.actor();
    let mut found: Vec<bridgehub_app::IntroPath> = Vec::new();
    for from in viewer.organizations.iter().filter(|o| o.as_str() != target).take(5) {
        // An organization without any tie is not in the graph: no path, not an error.
        match network.paths(Some(&actor), from, target, 3, 3) {
            Ok(report) => found.extend(report.paths),
            Err(err) => tracing::debug!(error = %err, "no introduction paths"),
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(5);
    found
        .into_iter()
        .map(|p| PathView {
            steps: p
                .nodes
                .iter()
                .map(|id| {
                    let (href, name) = node_label(hub, id, ctx.locale);
                    (href.unwrap_or_default(), name)
                })
                .collect(),
            score: format!("{:.2}", p.score),
        })
        .collect()
}

/// Names of the viewer's organizations (for "introduce us as ...").
pub(crate) fn own_org_names(hub: &Hub, ctx: &Ctx, except: Option<&str>) -> Vec<(String, String)> {
    let Some(viewer) = &ctx.viewer else {
        return Vec::new();
    };
    viewer
        .organizations
        .iter()
        .filter(|id| Some(id.as_str()) != except)
        .filter_map(|id| hub.organization(id).ok())
        .map(|o| (o.record.id.to_string(), org_names(&o.record, ctx.locale).0))
        .collect()
}

/// `GET /organizations/{id}`: the profile; contact only for connected viewers.
pub(crate) async fn organization(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    if let Err(err) = super::account::limit_browsing(&state.hub, &ctx).await {
        return app_error(&ctx, err);
    }
    let c = ctx.clone();
    let network = state.network.clone();
    let result = run(&state.hub, move |hub| {
        let org = hub.organization(&id)?.record;
        let contact = super::account::contact_for(hub, &c, &id)?;
        let page = hub.list_listings(&ListingFilter {
            owner: Some(id.clone()),
            limit: Some(50),
            ..Default::default()
        })?;
        let records: Vec<Listing> = page.items.into_iter().map(|l| l.record).collect();
        let listings = records
            .iter()
            .map(|l| listing_card(&c, l, Some(&org)))
            .collect();
        let own_orgs = own_org_names(hub, &c, Some(&id));
        let paths = intro_paths(hub, &network, &c, &id);
        Ok((org, contact, listings, own_orgs, paths))
    })
    .await;
    let (org, contact, listings, own_orgs, paths) = match result {
        Ok(v) => v,
        Err(err) => return app_error(&ctx, err),
    };
    let card = org_card(&ctx, &org);
    let other_names = org
        .names
        .iter()
        .filter(|(_, n)| **n != card.name)
        .map(|(t, n)| (t.to_string(), n.clone()))
        .chain(
            Some(org.name.clone())
                .filter(|n| *n != card.name)
                .map(|n| (String::new(), n)),
        )
        .collect();
    render(&OrganizationPage {
        ctx: &ctx,
        languages: org
            .languages
            .iter()
            .map(|l| ctx.language(l.as_str()))
            .collect::<Vec<_>>()
            .join(" · "),
        website: org
            .website
            .clone()
            .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
            .unwrap_or_default(),
        description: org.description.clone().unwrap_or_default(),
        org: card,
        other_names,
        show_paths: ctx.viewer.as_ref().is_some_and(|v| v.organizations.iter().any(|o| *o != org.id.as_str())),
        contact,
        own_orgs,
        listings,
        paths,
    })
}

// ---------------------------------------------------------------- listing and matches

pub(crate) struct MatchCard {
    listing: ListingCard,
    score: String,
    explanation: String,
    reasons: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage<'a> {
    ctx: &'a Ctx,
    listing: ListingCard,
    paragraphs: Vec<String>,
    status: String,
    language: String,
    sectors: String,
    targets: String,
    expires: String,
    live: bool,
    can_edit: bool,
    matches: Vec<MatchCard>,
}

/// `GET /listings/{id}`: a listing and its best counterparts with reasons in the UI language.
pub(crate) async fn listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let c = ctx.clone();
    let matcher = state.matcher.clone();
    let result = run(&state.hub, move |hub| {
        let listing = hub.listing(&id)?.record;
        let owner = hub
            .organization(listing.owner.as_str())
            .ok()
            .map(|o| o.record);
        let live = listing.is_live(bridgehub_app::today());
        let found = if live {
            matcher
                .matches(&id, 10, false, MatchMode::Full)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut matches = Vec::new();
        for m in found {
            let Ok(other) = hub.listing(&m.listing_id) else {
                continue;
            };
            let other_owner = hub.organization(&m.organization_id).ok().map(|o| o.record);
            let locale = c.locale;
            matches.push(MatchCard {
                listing: listing_card(&c, &other.record, other_owner.as_ref()),
                score: format!("{:.2}", m.score),
                explanation: match locale {
                    Locale::En => m.line_en.clone(),
                    Locale::ZhHans => m.line_zh.clone(),
                    Locale::ZhHant => m.line_zh_hant.clone(),
                },
                reasons: m
                    .reasons
                    .iter()
                    .map(|r| {
                        let text = match locale {
                            Locale::En => r.en.clone(),
                            Locale::ZhHans => r.zh.clone(),
                            Locale::ZhHant => r.zh_hant.clone(),
                        };
                        (r.signal.code().to_owned(), text)
                    })
                    .collect(),
            });
        }
        Ok((listing, owner, live, matches))
    })
    .await;
    let (listing, owner, live, matches) = match result {
        Ok(v) => v,
        Err(err) => return app_error(&ctx, err),
    };
    let targets: Vec<String> = listing
        .target_countries
        .iter()
        .map(|c| ctx.country(c.as_str()))
        .chain(
            listing
                .target_groups
                .iter()
                .map(|g| ctx.grouping(g.as_str())),
        )
        .collect();
    render(&ListingPage {
        paragraphs: listing
            .body
            .split('\n')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        status: if live {
            ctx.t("status-live")
        } else {
            ctx.vocab("status", listing.status.code())
        },
        language: ctx.language(listing.language.as_str()),
        sectors: listing
            .sectors
            .iter()
            .map(|s| ctx.sector(s.code()))
            .collect::<Vec<_>>()
            .join(" · "),
        targets: targets.join(" · "),
        expires: listing.expires.map(|d| d.to_string()).unwrap_or_default(),
        live,
        can_edit: ctx.acts_for(listing.owner.as_str()),
        listing: listing_card(&ctx, &listing, owner.as_ref()),
        matches,
        ctx: &ctx,
    })
}

// ---------------------------------------------------------------- post, edit, withdraw

#[derive(Debug, Default, Clone)]
pub(crate) struct ListingForm {
    owner: String,
    direction: String,
    category: String,
    title: String,
    body: String,
    language: String,
    sectors: Vec<String>,
    target_countries: String,
    target_groups: Vec<String>,
    expires: String,
    version: String,
}

impl ListingForm {
    fn from_form(form: &FormData) -> ListingForm {
        ListingForm {
            owner: form.get("owner"),
            direction: form.get("direction"),
            category: form.get("category"),
            title: form.get("title"),
            body: form.get("body"),
            language: form.get("language"),
            sectors: form.all("sectors"),
            target_countries: form.get("target_countries"),
            target_groups: form.all("target_groups"),
            expires: form.get("expires"),
            version: form.get("version"),
        }
    }

    fn from_listing(l: &Listing, version: i64) -> ListingForm {
        ListingForm {
            owner: l.owner.to_string(),
            direction: l.direction.code().into(),
            category: l.category.code().into(),
            title: l.title.clone(),
            body: l.body.clone(),
            language: l.language.to_string(),
            sectors: l.sectors.iter().map(|s| s.code().to_owned()).collect(),
            target_countries: l
                .target_countries
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            target_groups: l.target_groups.iter().map(|g| g.to_string()).collect(),
            expires: l.expires.map(|d| d.to_string()).unwrap_or_default(),
            version: version.to_string(),
        }
    }

    fn to_json(&self, id: Option<&str>) -> Value {
        let countries: Vec<String> = self
            .target_countries
            .split([',', ' ', ';', '，', '、'])
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        let mut body = json!({
            "owner": self.owner, "direction": self.direction, "category": self.category,
            "title": self.title, "body": self.body, "language": self.language,
            "sectors": self.sectors, "target_countries": countries, "target_groups": self.target_groups,
            "expires": if self.expires.is_empty() { Value::Null } else { Value::String(self.expires.clone()) },
        });
        if let (Some(id), Some(map)) = (id, body.as_object_mut()) {
            map.insert("id".into(), Value::String(id.to_owned()));
        }
        body
    }
}

#[derive(Template)]
#[template(path = "listing_form.html")]
struct ListingFormPage<'a> {
    ctx: &'a Ctx,
    heading: String,
    action: String,
    version: String,
    form: ListingForm,
    owners: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    languages: Vec<(String, String, bool)>,
    sectors: Vec<(String, String, bool)>,
    groups: Vec<(String, String, bool)>,
    errors: Vec<(String, String)>,
}

fn form_page(
    ctx: &Ctx,
    hub: &Hub,
    heading: String,
    action: String,
    form: ListingForm,
    errors: Vec<(String, String)>,
) -> Response {
    let owners = own_org_names(hub, ctx, None)
        .into_iter()
        .map(|(id, name)| {
            let s = id == form.owner;
            (id, name, s)
        })
        .collect();
    let mark = |options: Vec<(String, String)>, chosen: &dyn Fn(&str) -> bool| {
        options
            .into_iter()
            .map(|(v, l)| {
                let s = chosen(&v);
                (v, l, s)
            })
            .collect::<Vec<_>>()
    };
    let mut languages = language_options(ctx);
    if !form.language.is_empty() && !languages.iter().any(|(v, _)| *v == form.language) {
        languages.push((form.language.clone(), ctx.language(&form.language)));
    }
    let page = ListingFormPage {
        ctx,
        heading,
        action,
        version: form.version.clone(),
        owners,
        categories: mark(category_options(ctx), &|v| v == form.category),
        languages: mark(languages, &|v| v == form.language),
        sectors: mark(sector_options(ctx), &|v| {
            form.sectors.iter().any(|s| s == v)
        }),
        groups: mark(group_options(ctx), &|v| {
            form.target_groups.iter().any(|g| g == v)
        }),
        form,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(&page)).into_response()
}

/// `?owner=` of the new-listing page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewParams {
    owner: Option<String>,
}

/// `GET /listings/new`.
pub(crate) async fn new_listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<NewParams>, QueryRejection>,
) -> Response {
    let Some(viewer) = &ctx.viewer else {
        return to_login(&ctx);
    };
    if viewer.organizations.is_empty() {
        return error_page(&ctx, StatusCode::FORBIDDEN, "listing-need-org");
    }
    let owner = params
        .ok()
        .and_then(|Query(p)| p.owner)
        .filter(|o| viewer.organizations.contains(o))
        .unwrap_or_else(|| viewer.organizations[0].clone());
    let language = if ctx.locale == Locale::En { "en" } else { "zh" };
    let form = ListingForm {
        owner,
        direction: "seek".into(),
        category: "service".into(),
        language: language.into(),
        ..Default::default()
    };
    let hub = state.hub.clone();
    let c = ctx.clone();
    tokio::task::spawn_blocking(move || {
        form_page(
            &c,
            &hub,
            c.t("listing-new-title"),
            "/listings/new".into(),
            form,
            Vec::new(),
        )
    })
    .await
    .unwrap_or_else(|_| error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"))
}

/// Whether an error is a problem with what the form said (shown on the form again).
pub(crate) fn form_problem(err: &AppError) -> bool {
    use bridgehub_app::ErrorCode as C;
    matches!(
        err.code(),
        C::ValidationFailed
            | C::InvalidQuery
            | C::ReferenceNotFound
            | C::VersionConflict
            | C::IdTaken
    )
}

pub(crate) fn field_errors(ctx: &Ctx, err: &AppError) -> Vec<(String, String)> {
    match err {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| (e.field.clone(), problem_text(ctx, e)))
            .collect(),
        AppError::InvalidQuery(e) => vec![(e.field.clone(), problem_text(ctx, e))],
        other => vec![(
            other.field().unwrap_or("").to_owned(),
            if other.code() == bridgehub_app::ErrorCode::VersionConflict {
                ctx.t("error-version-conflict")
            } else {
                uncoded(ctx, &other.to_string())
            },
        )],
    }
}

/// A refused filter or form as one line, `field: problem`, each problem in the page's
/// language (see [`problem_text`]).
pub(crate) fn query_problem(ctx: &Ctx, err: &AppError) -> String {
    let line = |e: &bridgehub_domain::FieldError| format!("{}: {}", e.field, problem_text(ctx, e));
    match err {
        AppError::InvalidQuery(e) => line(e),
        AppError::Validation(errors) => errors.iter().map(line).collect::<Vec<_>>().join("; "),
        other => uncoded(ctx, &other.to_string()),
    }
}

/// Whether an error page's message is already in the page's language.
enum ErrKind {
    Translated,
    Other,
}

/// A use case's refusal that has no message of its own in the catalogues (a conflict, a
/// state that does not allow the action): on a non-English page, a translated lead-in
/// before the English detail, so that the reader knows what happened.
pub(crate) fn uncoded(ctx: &Ctx, english: &str) -> String {
    if ctx.locale == bridgehub_domain::reference::Locale::En {
        english.to_owned()
    } else {
        format!("{} {english}", ctx.t("error-not-possible"))
    }
}

/// A problem in the page's language: a coded problem ([`bridgehub_domain::FieldError::code`])
/// has a message `problem-{code}` in the Chinese catalogues; English pages, and problems
/// without a code or a message, show the use case's own English text.
pub(crate) fn problem_text(ctx: &Ctx, error: &bridgehub_domain::FieldError) -> String {
    coded_text(ctx, error.code, &error.args, &error.problem)
}

/// [`problem_text`] of a problem given as its parts.
pub(crate) fn coded_text(ctx: &Ctx, code: Option<&str>, values: &[(&'static str, String)], english: &str) -> String {
    match code {
        Some(code) if ctx.locale != bridgehub_domain::reference::Locale::En => {
            let mut args = fluent_bundle::FluentArgs::new();
            for (name, value) in values {
                args.set(*name, value.clone());
            }
            super::i18n::text_if_any(ctx.locale, &format!("problem-{code}"), Some(&args)).unwrap_or_else(|| english.to_owned())
        }
        _ => english.to_owned(),
    }
}

/// One refused line of an import, `file:line: field: problem`, the problem in the page's
/// language when it has a code.
pub(crate) fn line_error_text(ctx: &Ctx, e: &bridgehub_exchange::LineError) -> String {
    format!("{}:{}: {}: {}", e.file, e.line, e.field, coded_text(ctx, e.code, &e.args, &e.problem))
}

/// A form field's label in the page's language, from the `field-*` messages: the field's
/// name without a list index, dots and underscores as dashes (`contact.email` →
/// `field-contact-email`, `target_countries[1]` → `field-target-countries`), or with
/// `organization.` read as `org-` or dropped (the sign-up form's organization), or its last part;
/// the field's own name when no message fits.
pub(crate) fn field_label(ctx: &Ctx, field: &str) -> String {
    let bare = field.split('[').next().unwrap_or(field);
    let dashed = |name: &str| name.replace(['.', '_'], "-");
    let mut candidates = vec![dashed(bare)];
    if let Some(rest) = bare.strip_prefix("organization.") {
        candidates.push(format!("org-{}", dashed(rest)));
        // `organization.contact.email` is the organization's contact e-mail, not the account's.
        candidates.push(dashed(rest));
    }
    if let Some((_, last)) = bare.rsplit_once('.') {
        candidates.push(dashed(last));
    }
    candidates
        .iter()
        .find_map(|name| super::i18n::text_if_any(ctx.locale, &format!("field-{name}"), None))
        .unwrap_or_else(|| field.to_owned())
}

/// Refused fields named by their labels (see [`field_label`]).
pub(crate) fn labelled(ctx: &Ctx, errors: Vec<(String, String)>) -> Vec<(String, String)> {
    errors.into_iter().map(|(field, problem)| (if field.is_empty() { field } else { field_label(ctx, &field) }, problem)).collect()
}

/// `POST /listings/new`.
pub(crate) async fn create_listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = ListingForm::from_form(&FormData::parse(&body));
    // The use case refuses (403) an owner the viewer does not act for.
    let json = form.to_json(None);
    let follower = state.follower.clone();
    let actor = viewer.actor();
    let created = run(&state.hub, move |hub| {
        let listing = hub.create_listing(&actor, &json)?;
        // Read-your-writes: this node's match index takes the new listing before the redirect.
        follower.poll()?;
        Ok(listing)
    })
    .await;
    match created {
        Ok(listing) => see_other(&format!("/listings/{}", listing.record.id)),
        Err(err) if form_problem(&err) => {
            let errors = labelled(&ctx, field_errors(&ctx, &err));
            let hub = state.hub.clone();
            let c = ctx.clone();
            tokio::task::spawn_blocking(move || {
                form_page(
                    &c,
                    &hub,
                    c.t("listing-new-title"),
                    "/listings/new".into(),
                    form,
                    errors,
                )
            })
            .await
            .unwrap_or_else(|_| {
                error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            })
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `GET /listings/{id}/edit`.
pub(crate) async fn edit_listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    if ctx.viewer.is_none() {
        return to_login(&ctx);
    }
    let c = ctx.clone();
    let result = run(&state.hub, move |hub| {
        let current = hub.listing(&id)?;
        if !c.acts_for(current.record.owner.as_str()) {
            return Err(AppError::Forbidden(
                "only members of the owner organization may edit a listing".into(),
            ));
        }
        let form = ListingForm::from_listing(&current.record, current.version);
        Ok(form_page(
            &c,
            hub,
            c.t("listing-edit-title"),
            format!("/listings/{id}/edit"),
            form,
            Vec::new(),
        ))
    })
    .await;
    result.unwrap_or_else(|err| app_error(&ctx, err))
}

/// `POST /listings/{id}/edit`.
pub(crate) async fn update_listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(actor) = ctx.viewer.as_ref().map(|v| v.actor()) else {
        return to_login(&ctx);
    };
    let form = ListingForm::from_form(&FormData::parse(&body));
    let c = ctx.clone();
    let follower = state.follower.clone();
    let result = run(&state.hub, move |hub| {
        let version = form.version.parse::<i64>().ok();
        // The use case checks that the viewer acts for the current and the new owner.
        match hub.update_listing(&actor, &id, &form.to_json(Some(&id)), version) {
            Ok(_) => {
                follower.poll()?;
                Ok(see_other(&format!("/listings/{id}")))
            }
            Err(err) if form_problem(&err) => {
                let errors = labelled(&c, field_errors(&c, &err));
                Ok(form_page(
                    &c,
                    hub,
                    c.t("listing-edit-title"),
                    format!("/listings/{id}/edit"),
                    form,
                    errors,
                ))
            }
            Err(err) => Err(err),
        }
    })
    .await;
    result.unwrap_or_else(|err| app_error(&ctx, err))
}

/// `POST /listings/{id}/withdraw`.
pub(crate) async fn withdraw_listing(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = ctx.viewer.as_ref().map(|v| v.actor()) else {
        return to_login(&ctx);
    };
    let follower = state.follower.clone();
    let result = run(&state.hub, move |hub| {
        // The use case checks that the viewer acts for the owner.
        hub.withdraw_listing(&actor, &id, None)?;
        follower.poll()?;
        Ok(see_other(&format!("/listings/{id}")))
    })
    .await;
    result.unwrap_or_else(|err| app_error(&ctx, err))
}

// ---------------------------------------------------------------- thin ties

#[derive(Template)]
#[template(path = "thin_ties.html")]
struct ThinTiesPage<'a> {
    ctx: &'a Ctx,
    by: &'static str,
    views: Vec<(&'static str, String, bool)>,
}

/// `?by=` of the thin-tie map.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ThinParams {
    by: Option<String>,
}

/// `GET /thin-ties`: the heat map of ties between regions (or groupings, sectors, kinds).
pub(crate) async fn thin_ties(
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<ThinParams>, QueryRejection>,
) -> Response {
    const VIEWS: [&str; 4] = ["region", "grouping", "sector", "kind"];
    let wanted = params.ok().and_then(|Query(p)| p.by).unwrap_or_default();
    let by = VIEWS
        .iter()
        .copied()
        .find(|v| *v == wanted)
        .unwrap_or("region");
    let views = VIEWS
        .iter()
        .map(|v| (*v, ctx.t(&format!("thin-by-{v}")), *v == by))
        .collect();
    render(&ThinTiesPage {
        ctx: &ctx,
        by,
        views,
    })
}

// ---------------------------------------------------------------- static files

const STYLE: &str = include_str!("../../static/style.css");
const SCRIPT: &str = include_str!("../../static/app.js");

/// `GET /static/style.css`.
pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// `GET /static/app.js`.
pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}
