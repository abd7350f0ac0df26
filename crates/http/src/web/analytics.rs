//! Network analytics pages beside the thin-tie map: who bridges regions (issue #7's
//! brokers: betweenness and Burt's constraint), overall or between two UN M49 regions.
//! The handler only reads the node's tie graph on the blocking pool and names the ids.

use askama::Template;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use bridgehub_domain::reference::{Locale, reference};
use serde::Deserialize;

use super::context::Ctx;
use super::pages::{app_error, org_names, render, run};
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
