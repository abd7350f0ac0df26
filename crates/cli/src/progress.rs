//! Progress bars on stderr (drawn only when stderr is a terminal).

use std::sync::Mutex;

use bridgehub_app::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// An indicatif bar per phase.
pub(crate) struct BarProgress {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl BarProgress {
    pub(crate) fn new(quiet: bool) -> Self {
        BarProgress { quiet, bar: Mutex::new(None) }
    }
}

impl Progress for BarProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:>28} [{bar:30}] {percent:>3}% {elapsed_precise} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        bar.set_message(name.to_owned());
        if let Ok(mut slot) = self.bar.lock()
            && let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
    }

    fn position(&self, done: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref() {
                bar.set_position(done);
            }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
    }
}
