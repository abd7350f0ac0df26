//! Bridgehub's HTTP transport: the JSON API under `/api`, described by OpenAPI at
//! `/api/openapi.json`.
//!
//! Invariant: this is the only crate that knows axum, HTTP status codes and wire DTOs.
//! Handlers are thin; every decision is made by a `bridgehub_app::Hub` use case.

#![warn(missing_docs)]

mod api;
pub mod auth;
pub mod dto;
pub mod error;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, MatchedPath, Request};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bridgehub_app::{ChangeFollower, Hub, Matcher};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use error::{ErrorBody, ErrorDetail};

/// The OpenAPI description of every route.
#[derive(OpenApi)]
#[openapi(
    info(title = "Bridgehub API", version = "1", description = "Matchmaking hub for international exchange and cooperation. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}` with stable codes; contact details are never returned."),
    paths(
        api::system::health, api::system::ready, api::system::stats, api::system::changes,
        api::organizations::list, api::organizations::get, api::organizations::create,
        api::organizations::update, api::organizations::delete,
        api::listings::list, api::listings::get, api::listings::create, api::listings::update,
        api::listings::withdraw, api::listings::delete,
        api::matches::for_listing, api::matches::for_organization,
        api::people::list, api::people::get, api::people::ties,
        api::reference::countries, api::reference::regions, api::reference::groupings,
        api::reference::languages, api::reference::vocabulary,
    ),
    tags(
        (name = "organizations", description = "The directory of organizations"),
        (name = "listings", description = "Offers and seeks"),
        (name = "matching", description = "Recommended counterparts with their reasons"),
        (name = "people", description = "Professionals"),
        (name = "ties", description = "Recorded relations"),
        (name = "reference", description = "Countries, regions, groupings, languages, vocabularies"),
        (name = "system", description = "Health and statistics"),
    )
)]
pub struct ApiDoc;

/// The whole API description: [`ApiDoc`] with every module's own document merged in.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(api::events::EventsDoc::openapi());
    doc.merge(api::analytics::AnalyticsDoc::openapi());
    doc.merge(api::introductions::IntroductionsDoc::openapi());
    doc
}

async fn openapi() -> impl IntoResponse {
    Json(api_doc())
}

/// No route serves the address: the API's JSON answer under `/api` and for any method but
/// `GET`/`HEAD`; otherwise the not-found page in the visitor's language.
async fn not_found(method: axum::http::Method, headers: axum::http::HeaderMap, uri: axum::http::Uri) -> axum::response::Response {
    let api = uri.path() == "/api" || uri.path().starts_with("/api/");
    if api || !(method == axum::http::Method::GET || method == axum::http::Method::HEAD) {
        return error::ApiError::RouteNotFound.into_response();
    }
    web::pages::not_found_page(&headers, &uri)
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub hub: Hub,
    /// This node's view of the change log.
    pub follower: Arc<ChangeFollower>,
    /// This node's match index (kept current from the change log).
    pub matcher: Arc<Matcher>,
    /// This node's tie graph (kept current from the change log).
    pub network: Arc<bridgehub_app::TieNetwork>,
}

impl FromRef<AppState> for Arc<bridgehub_app::TieNetwork> {
    fn from_ref(state: &AppState) -> Arc<bridgehub_app::TieNetwork> {
        state.network.clone()
    }
}

impl FromRef<AppState> for Arc<Matcher> {
    fn from_ref(state: &AppState) -> Arc<Matcher> {
        state.matcher.clone()
    }
}

impl FromRef<AppState> for Hub {
    fn from_ref(state: &AppState) -> Hub {
        state.hub.clone()
    }
}

impl FromRef<AppState> for Arc<ChangeFollower> {
    fn from_ref(state: &AppState) -> Arc<ChangeFollower> {
        state.follower.clone()
    }
}

/// How often a node reads the change log.
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// Progress of start-up work, written to the log (a server has no progress bar): each
/// phase, then every tenth of it.
struct LogProgress {
    phase: std::sync::Mutex<(String, Option<u64>, u64)>,
}

impl bridgehub_app::Progress for LogProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        tracing::info!(phase = name, total, "start-up");
        if let Ok(mut phase) = self.phase.lock() {
            *phase = (name.to_owned(), total, 0);
        }
    }

    fn position(&self, done: u64) {
        if let Ok(mut phase) = self.phase.lock()
            && let Some(total) = phase.1.filter(|t| *t > 0) {
                let tenth = done * 10 / total;
                if tenth > phase.2 {
                    phase.2 = tenth;
                    tracing::info!(phase = %phase.0, done, total, "start-up progress {}%", tenth * 10);
                }
            }
    }
}

/// Builds a node's state: reads the change-log position, then builds the match index
/// from the store (embedding listings that have no stored vector yet, with progress in
/// the log) and the tie graph, and subscribes both to the change log. Blocking.
pub fn node_state(hub: Hub) -> Result<AppState, bridgehub_app::AppError> {
    let follower = Arc::new(ChangeFollower::start(hub.clone())?);
    let started = std::time::Instant::now();
    let progress = LogProgress { phase: std::sync::Mutex::new((String::new(), None, 0)) };
    let matcher = hub.build_matcher(&progress)?;
    let stats = matcher.stats();
    tracing::info!(listings = stats.listings, memory_bytes = stats.memory_bytes, ms = started.elapsed().as_millis() as u64, "match index built");
    follower.subscribe(matcher.clone());
    let started = std::time::Instant::now();
    let network = hub.build_tie_network(bridgehub_app::AnalyticsSettings::from_env()?, &progress)?;
    let (nodes, ties) = network.stats();
    tracing::info!(nodes, ties, ms = started.elapsed().as_millis() as u64, "tie graph built");
    follower.subscribe(network.clone());
    matcher.set_network(network.clone());
    Ok(AppState { hub, follower, matcher, network })
}

/// The router over an existing state.
pub fn router_with(state: AppState) -> Router {
    let api = Router::new()
        .route("/organizations", get(api::organizations::list).post(api::organizations::create))
        .route(
            "/organizations/{id}",
            get(api::organizations::get).put(api::organizations::update).delete(api::organizations::delete),
        )
        .route("/listings", get(api::listings::list).post(api::listings::create))
        .route("/listings/{id}", get(api::listings::get).put(api::listings::update).delete(api::listings::delete))
        .route("/listings/{id}/withdraw", post(api::listings::withdraw))
        .route("/listings/{id}/matches", get(api::matches::for_listing))
        .route("/organizations/{id}/recommendations", get(api::matches::for_organization))
        .route("/people", get(api::people::list))
        .route("/people/{id}", get(api::people::get))
        .route("/ties", get(api::people::ties))
        .route("/stats", get(api::system::stats))
        .route("/changes", get(api::system::changes))
        .route("/reference/countries", get(api::reference::countries))
        .route("/reference/regions", get(api::reference::regions))
        .route("/reference/groupings", get(api::reference::groupings))
        .route("/reference/languages", get(api::reference::languages))
        .route("/reference/vocabulary", get(api::reference::vocabulary))
        .merge(api::events::routes())
        .merge(api::analytics::routes())
        .merge(api::introductions::routes());
    Router::new()
        .route("/api/health", get(api::system::health))
        .route("/api/ready", get(api::system::ready))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1", api)
        .merge(web::routes(state.clone()))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(web::security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Method and route template only: no query strings, ids or bodies in logs.
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("(unmatched)");
            tracing::info_span!("http", method = %request.method(), route)
        }))
        .with_state(state)
}

/// Serves the hub on `listener` until `shutdown` completes; requests in flight finish.
/// In the background the node follows the change log (see [`FOLLOW_INTERVAL`]).
pub async fn serve(listener: TcpListener, hub: Hub, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    serve_with(listener, hub, shutdown, || {}).await
}

/// [`serve`], calling `ready` once the node's state is built and requests are answered.
pub async fn serve_with(
    listener: TcpListener,
    hub: Hub,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(),
) -> std::io::Result<()> {
    // The store is blocking (the PostgreSQL client runs its own runtime): build off the runtime.
    let state = tokio::task::spawn_blocking(move || node_state(hub))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let background = state.follower.clone();
    let following = tokio::spawn(async move {
        let mut tick = tokio::time::interval(FOLLOW_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let follower = background.clone();
            match tokio::task::spawn_blocking(move || follower.poll()).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "reading the change log failed; retrying"),
                Err(_) => tracing::warn!("change-log reader stopped unexpectedly; retrying"),
            }
        }
    });
    let jobs = spawn_job_worker(state.hub.clone());
    let sweeping = spawn_sweeper(state.hub.clone());
    ready();
    let result = axum::serve(listener, router_with(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown).await;
    following.abort();
    jobs.abort();
    sweeping.abort();
    result
}

/// The real server on a thread and a runtime of its own (two worker threads), for
/// benchmarks and tests that drive it over HTTP from blocking code. [`BackgroundServer::start`] returns once the
/// node's state is built and requests are answered; dropping it shuts the server down
/// gracefully (requests in flight finish).
pub struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl BackgroundServer {
    /// Serves `hub` on `addr` (`127.0.0.1:0` picks a free port).
    pub fn start(hub: Hub, addr: &str) -> std::io::Result<BackgroundServer> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<SocketAddr>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let addr = addr.to_owned();
        std::thread::Builder::new().name("bridgehub-server".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(runtime) => runtime,
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return;
                }
            };
            runtime.block_on(async move {
                let (listener, bound) = match bind(&addr).await {
                    Ok(bound) => bound,
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                let ready = ready_tx.clone();
                let stopped = async {
                    let _ = stop_rx.await;
                };
                if let Err(err) = serve_with(listener, hub, stopped, move || {
                    let _ = ready.send(Ok(bound));
                })
                .await
                {
                    let _ = ready_tx.send(Err(err));
                }
            });
        })?;
        let addr = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the server thread stopped before it was ready"))??;
        Ok(BackgroundServer { addr, stop: Some(stop_tx) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// How often an idle node looks for queued background jobs (scheduler runs).
pub const JOB_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Runs queued background jobs (scheduler runs) on the blocking pool, one at a time per
/// node; the queue's leases make each job run on one node only.
fn spawn_job_worker(hub: Hub) -> tokio::task::JoinHandle<()> {
    let worker = format!("node-{}-{:08x}", std::process::id(), fastrand::u32(..));
    tokio::spawn(async move {
        loop {
            let (hub, name) = (hub.clone(), worker.clone());
            match tokio::task::spawn_blocking(move || hub.run_jobs_once(&name)).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "running background jobs failed; retrying"),
                Err(_) => tracing::warn!("background job worker stopped unexpectedly; retrying"),
            }
            tokio::time::sleep(JOB_POLL_INTERVAL).await;
        }
    })
}

/// How often a node removes expired sessions and old rate-limit counters
/// ([`Hub::sweep_expired`]); the first sweep runs at start.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Sweeps expired sessions and old rate-limit counters every [`SWEEP_INTERVAL`] (every node
/// does; the deletes are idempotent).
fn spawn_sweeper(hub: Hub) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let hub = hub.clone();
            match tokio::task::spawn_blocking(move || hub.sweep_expired()).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "removing expired sessions failed; retrying at the next sweep"),
                Err(_) => tracing::warn!("the session sweeper stopped unexpectedly; retrying at the next sweep"),
            }
        }
    })
}

/// Binds `addr` (port 0 picks a free one) and returns the listener and its address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
