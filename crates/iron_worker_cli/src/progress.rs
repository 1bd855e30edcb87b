//! Upload progress on stderr: a progress bar on a terminal, a few plain lines otherwise (logs
//! of CI jobs and pipes should not fill up with redraws).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use iron_worker::client::UploadProgress;

use crate::output::note;

/// Shows the progress of one upload.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// In plain mode, the last quarter (0-4) reported, so each is printed once even when an
    /// upload is resent from the start.
    quarter: Arc<Mutex<u64>>,
}

impl Progress {
    /// Progress of an upload named `label`, drawn as a bar when stderr is a terminal.
    pub fn new(label: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}";
            let style = ProgressStyle::with_template(template)
                .map(|style| style.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("Uploading {label}"));
            bar
        });

        Progress {
            bar,
            quarter: Arc::new(Mutex::new(0)),
        }
    }

    /// The callback given to the core's upload.
    pub fn callback(&self) -> Arc<UploadProgress> {
        if let Some(bar) = &self.bar {
            let bar = bar.clone();
            return Arc::new(move |sent, total| {
                bar.set_length(total);
                bar.set_position(sent);
            });
        }

        let quarter = Arc::clone(&self.quarter);
        Arc::new(move |sent, total| {
            let reached = match sent.checked_mul(4).and_then(|s| s.checked_div(total)) {
                Some(q) => q.min(4),
                None => 4,
            };
            let Ok(mut last) = quarter.lock() else {
                return;
            };
            if reached > *last {
                *last = reached;
                note(&format!(
                    "Uploaded {}% ({} of {})",
                    reached * 25,
                    HumanBytes(sent),
                    HumanBytes(total)
                ));
            }
        })
    }

    /// Removes the bar once the upload is over (whatever its outcome).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
