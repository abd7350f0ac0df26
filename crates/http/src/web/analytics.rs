//! Network analytics pages beside the thin-tie map: who bridges regions (issue #7's
//! brokers: betweenness and Burt's constraint), overall or between two UN M49 regions; and,
//! for administrators, the conflict-of-interest check of neutrals against parties. The
//! handlers only ask the node's tie graph on the blocking pool and name the ids.

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use bridgehub_app::{AppError, Hub};
use bridgehub_domain::reference::{Locale, reference};
use serde::Deserialize;

use super::context::Ctx;
use super::pages::{administrator, app_error, node_label, org_names, render, run};
use crate::AppState;

/// Brokers shown on the page.
const TOP: usize = 20;

/// `?a=&b=`: the two regions (UN M49 sub-region codes); both or neither.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BrokerParams {
    a: Option<String>,
    b: Option<String>,
}

struct BrokerRow {
    rank: usize,
    /// The organization's name (people are not named: their ties are private).
    name: Option<String>,
    /// Its profile, for organizations.
    href: Option<String>,
    region: String,
    betweenness: String,
    constraint: String,
    degree: usize,
    bridges: String,
}

#[derive(Template)]
#[template(path = "brokers.html")]
struct BrokersPage<'a> {
    ctx: &'a Ctx,
    /// `(code, name, selected as a, selected as b)`, by name.
    regions: Vec<(String, String, bool, bool)>,
    error: Option<String>,
    between: Option<String>,
    exact: bool,
    rows: Vec<BrokerRow>,
}

fn region_name(code: &str, locale: Locale) -> String {
    reference().region(code).map(|r| r.names.get(locale).to_owned()).unwrap_or_else(|| code.to_owned())
}

/// `GET /brokers`: the best-placed brokers of the tie graph, with the region pairs they
/// span.
pub(crate) async fn brokers(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<BrokerParams>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let pick = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (a, b) = (pick(params.a), pick(params.b));
    let known = |code: &str| reference().region(code).is_some_and(|r| r.level == "subregion");
    let (between, error) = match (&a, &b) {
        (None, None) => (None, None),
        (Some(a), Some(b)) if known(a) && known(b) => (Some((a.clone(), b.clone())), None),
        _ => (None, Some(ctx.t("brokers-pick-two"))),
    };
    let network = state.network.clone();
    let locale = ctx.locale;
    let asked = between.clone();
    let result = run(&state.hub, move |hub| {
        let report = network.brokers(asked.as_ref().map(|(a, b)| (a.as_str(), b.as_str())), TOP, None)?;
        let rows = report
            .brokers
            .iter()
            .enumerate()
            .map(|(i, broker)| {
                let org = (broker.kind == "organization").then(|| hub.organization(&broker.id).ok()).flatten();
                BrokerRow {
                    rank: i + 1,
                    name: org.as_ref().map(|o| org_names(&o.record, locale).0),
                    href: org.as_ref().map(|o| format!("/organizations/{}", o.record.id)),
                    region: broker.region.as_deref().map(|r| region_name(r, locale)).unwrap_or_default(),
                    // Overall, betweenness is normalized (a share of all shortest paths);
                    // between two regions it is the pair-restricted sum of path shares.
                    betweenness: if asked.is_some() { format!("{:.1}", broker.betweenness) } else { format!("{:.4}", broker.betweenness) },
                    constraint: broker.constraint.map(|c| format!("{c:.3}")).unwrap_or_else(|| "–".into()),
                    degree: broker.degree,
                    bridges: broker
                        .bridges
                        .iter()
                        .map(|b| format!("{} – {} ({})", region_name(&b.a, locale), region_name(&b.b, locale), b.pairs))
                        .collect::<Vec<_>>()
                        .join(" · "),
                }
            })
            .collect::<Vec<_>>();
        Ok((report.exact, rows))
    })
    .await;
    let (exact, rows) = match result {
        Ok(v) => v,
        Err(err) => return app_error(&ctx, err),
    };
    let mut regions: Vec<(String, String, bool, bool)> = reference()
        .regions()
        .iter()
        .filter(|r| r.level == "subregion")
        .map(|r| (r.code.clone(), r.names.get(ctx.locale).to_owned(), a.as_deref() == Some(r.code.as_str()), b.as_deref() == Some(r.code.as_str())))
        .collect();
    regions.sort_by(|x, y| x.1.cmp(&y.1));
    let between = between.map(|(a, b)| format!("{} – {}", region_name(&a, ctx.locale), region_name(&b, ctx.locale)));
    render(&BrokersPage { ctx: &ctx, regions, error, between, exact, rows })
}

/// `?neutrals=&parties=&years=`: ids separated by commas, spaces or new lines.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConflictParams {
    neutrals: Option<String>,
    parties: Option<String>,
    years: Option<String>,
}

struct EvidenceRow {
    kind: String,
    between: String,
    date: String,
    note: String,
}

struct ConflictRow {
    neutral: String,
    party: String,
    direct: bool,
    path: String,
    evidence: Vec<EvidenceRow>,
}

#[derive(Template)]
#[template(path = "conflicts.html")]
struct ConflictsPage<'a> {
    ctx: &'a Ctx,
    neutrals: String,
    parties: String,
    years: u32,
    /// A problem with the question (an unknown id, a bad window), shown above the form.
    problem: Option<String>,
    /// `None` until a check ran.
    rows: Option<Vec<ConflictRow>>,
}

fn ids(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A node's display name (people are named: administrators only reach this page).
fn node_name(hub: &Hub, id: &str, locale: Locale) -> String {
    node_label(hub, id, locale).1
}

/// `GET /admin/conflicts`: which neutrals (judges, evaluators, mediators) are too close to
/// which parties: direct ties within the window and two-hop links, with the evidence.
/// Administrators only: the check reads private ties.
pub(crate) async fn conflicts(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<ConflictParams>, QueryRejection>,
) -> Response {
    let viewer = match administrator(&ctx) {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let neutrals_text = params.neutrals.unwrap_or_default();
    let parties_text = params.parties.unwrap_or_default();
    let (neutrals, parties) = (ids(&neutrals_text), ids(&parties_text));
    let years_text = params.years.unwrap_or_default();
    let years = match years_text.trim() {
        "" => Ok(5),
        text => text.parse::<u32>().ok().filter(|y| (1..=100).contains(y)).ok_or_else(|| ctx.t("coi-bad-years")),
    };
    let mut page = ConflictsPage {
        ctx: &ctx,
        neutrals: neutrals_text.clone(),
        parties: parties_text.clone(),
        years: years.as_ref().map_or(5, |y| *y),
        problem: years.as_ref().err().cloned(),
        rows: None,
    };
    let Ok(years) = years else {
        return render(&page);
    };
    if neutrals.is_empty() && parties.is_empty() {
        return render(&page);
    }
    if neutrals.is_empty() || parties.is_empty() {
        page.problem = Some(ctx.t("coi-need-both"));
        return render(&page);
    }
    let network = state.network.clone();
    let actor = viewer.actor();
    let locale = ctx.locale;
    let result = run(&state.hub, move |hub| {
        let report = network.conflicts(&actor, &neutrals, &parties, years)?;
        let rows = report
            .conflicts
            .iter()
            .map(|c| ConflictRow {
                neutral: node_name(hub, &c.neutral, locale),
                party: node_name(hub, &c.party, locale),
                direct: matches!(c.kind, bridgehub_app::ConflictKind::Direct),
                path: c.path.iter().map(|id| node_name(hub, id, locale)).collect::<Vec<_>>().join(" → "),
                evidence: c
                    .evidence
                    .iter()
                    .map(|e| EvidenceRow {
                        kind: match bridgehub_domain::TieKind::parse(e.kind) {
                            Ok(_) => super::i18n::text(locale, &format!("tie-kind-{}", e.kind.replace('_', "-")), None),
                            Err(_) => e.kind.to_owned(),
                        },
                        between: format!("{} – {}", node_name(hub, &e.from, locale), node_name(hub, &e.to, locale)),
                        date: e.date.clone().unwrap_or_default(),
                        note: [e.evidence.as_deref(), e.source.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · "),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        Ok(rows)
    })
    .await;
    match result {
        Ok(rows) => page.rows = Some(rows),
        // An unknown id or a bad value: said above the form, which keeps what was typed. The
        // graph does not know whether an unknown id was meant as an organization or a person.
        Err(AppError::NotFound { id, .. }) => page.problem = Some(format!("{} {id}", ctx.t("coi-unknown-id"))),
        Err(err @ (AppError::InvalidQuery(_) | AppError::Validation(_))) => page.problem = Some(super::pages::query_problem(&ctx, &err)),
        Err(err) => return app_error(&ctx, err),
    }
    render(&page)
}
