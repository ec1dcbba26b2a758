//! Progress bars: one factory, hidden in quiet mode. indicatif draws nothing when stderr is not
//! a terminal, so logs stay free of control characters.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The sweep's overall bar: runs done / total, ETA, and the outcome counts in its message.
pub fn sweep_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} runs, eta {eta} {msg}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar
}
