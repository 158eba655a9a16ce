//! Download progress on stderr: an `indicatif` bar redrawn in place on a terminal (bytes, speed,
//! ETA), a plain line every few seconds when stderr is a file or a pipe.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use cmdai_hub::{format_duration, format_size};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::options::ProgressMode;

/// Receives a download's progress.
pub trait Progress {
    /// A transfer begins (again, after an interruption), `from` bytes already on disk.
    fn start(&mut self, label: &str, total: Option<u64>, from: u64);
    /// `done` bytes of the file are on disk.
    fn advance(&mut self, done: u64);
    /// A message between updates (resuming, waiting for a lock, verifying).
    fn note(&mut self, message: &str);
    /// The transfer ended.
    fn finish(&mut self, ok: bool);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _: &str, _: Option<u64>, _: u64) {}
    fn advance(&mut self, _: u64) {}
    fn note(&mut self, _: &str) {}
    fn finish(&mut self, _: bool) {}
}

/// The progress reporter `mode` asks for, on stderr.
pub fn stderr_progress(mode: ProgressMode) -> Box<dyn Progress> {
    match mode {
        ProgressMode::Auto if std::io::stderr().is_terminal() => Box::new(BarProgress::new(ProgressDrawTarget::stderr)),
        ProgressMode::Auto => Box::new(TextProgress::new(std::io::stderr())),
        ProgressMode::Off => Box::new(NoProgress),
    }
}

const LINE_EVERY: Duration = Duration::from_secs(5);

/// A bar redrawn in place: `file  [#####-----]  45%  503 MB / 1.12 GB  12.3 MB/s  ETA 48s`.
/// Each transfer (a resumed one too) gets its own bar; an interrupted one stays on screen.
pub struct BarProgress<T: FnMut() -> ProgressDrawTarget> {
    target: T,
    bar: Option<ProgressBar>,
}

impl<T: FnMut() -> ProgressDrawTarget> BarProgress<T> {
    /// Bars drawn on the targets `target` makes (stderr, or a test's terminal).
    pub fn new(target: T) -> Self {
        Self { target, bar: None }
    }

    fn style(known_total: bool) -> ProgressStyle {
        let template = match known_total {
            true => "{msg}  [{bar:24}] {percent:>3}%  {decimal_bytes} / {decimal_total_bytes}  {decimal_bytes_per_sec}  ETA {eta}",
            false => "{msg}  {decimal_bytes}  {decimal_bytes_per_sec}",
        };
        ProgressStyle::with_template(template).expect("a valid progress template").progress_chars("#-")
    }
}

impl<T: FnMut() -> ProgressDrawTarget> Progress for BarProgress<T> {
    fn start(&mut self, label: &str, total: Option<u64>, from: u64) {
        if let Some(old) = self.bar.take() {
            old.abandon();
        }
        let bar = ProgressBar::hidden().with_style(Self::style(total.is_some())).with_message(shorten(label, 40));
        if let Some(total) = total {
            bar.set_length(total);
        }
        bar.set_position(from);
        bar.reset_eta();
        bar.set_draw_target((self.target)());
        if from > 0 {
            bar.println(format!("resuming {label} at {}", format_size(from)));
        }
        bar.tick();
        self.bar = Some(bar);
    }

    fn advance(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn note(&mut self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => eprintln!("{message}"),
        }
    }

    fn finish(&mut self, ok: bool) {
        match self.bar.take() {
            Some(bar) if ok => bar.finish(),
            Some(bar) => bar.abandon(),
            None => {}
        }
    }
}

/// Progress as plain lines, one every few seconds, for logs and pipes.
pub struct TextProgress<W: Write> {
    out: W,
    label: String,
    total: Option<u64>,
    from: u64,
    done: u64,
    started: Instant,
    last_draw: Option<Instant>,
}

impl<W: Write> TextProgress<W> {
    pub fn new(out: W) -> Self {
        TextProgress { out, label: String::new(), total: None, from: 0, done: 0, started: Instant::now(), last_draw: None }
    }

    /// Bytes per second since `start`, counting only what this transfer fetched.
    fn speed(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        self.done.saturating_sub(self.from) as f64 / secs
    }

    fn draw(&mut self) {
        let line = render(&self.label, self.done, self.total, self.speed());
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
        self.last_draw = Some(Instant::now());
    }
}

impl<W: Write> Progress for TextProgress<W> {
    fn start(&mut self, label: &str, total: Option<u64>, from: u64) {
        self.label = label.to_string();
        self.total = total;
        self.from = from;
        self.done = from;
        self.started = Instant::now();
        self.last_draw = None;
        if from > 0 {
            let _ = writeln!(self.out, "resuming {label} at {}", format_size(from));
        }
    }

    fn advance(&mut self, done: u64) {
        self.done = done;
        let since = self.last_draw.unwrap_or(self.started);
        if since.elapsed() >= LINE_EVERY {
            self.draw();
        }
    }

    fn note(&mut self, message: &str) {
        let _ = writeln!(self.out, "{message}");
        let _ = self.out.flush();
    }

    fn finish(&mut self, ok: bool) {
        if ok && !self.label.is_empty() {
            let secs = self.started.elapsed().as_secs();
            let _ = writeln!(self.out, "{}: {} in {}", self.label, format_size(self.done), format_duration(secs));
        }
        let _ = self.out.flush();
    }
}

/// One progress line: `file: 45% (503 MB / 1.12 GB, 12.3 MB/s, ETA 0:48)`.
pub fn render(label: &str, done: u64, total: Option<u64>, bytes_per_sec: f64) -> String {
    let speed = if bytes_per_sec >= 1.0 { format!("{}/s", format_size(bytes_per_sec as u64)) } else { "-- /s".to_string() };
    let label = shorten(label, 40);
    match total {
        Some(total) if total > 0 => {
            let frac = (done as f64 / total as f64).clamp(0.0, 1.0);
            let pct = (frac * 100.0).floor() as u32;
            let eta = if bytes_per_sec >= 1.0 && done < total {
                format!("ETA {}", format_duration(((total - done) as f64 / bytes_per_sec).ceil() as u64))
            } else if done >= total {
                "done".to_string()
            } else {
                "ETA --:--".to_string()
            };
            format!("{label}: {pct}% ({} / {}, {speed}, {eta})", format_size(done), format_size(total))
        }
        _ => format!("{label}: {} ({speed})", format_size(done)),
    }
}

/// At most `max` characters, keeping the end (the quantization is at the end of a GGUF name).
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    #[test]
    fn renders_lines() {
        assert_eq!(render("m.gguf", 500_000_000, Some(1_000_000_000), 10_000_000.0), "m.gguf: 50% (500 MB / 1.00 GB, 10.0 MB/s, ETA 0:50)");
        assert_eq!(render("m.gguf", 0, Some(10), 0.0), "m.gguf: 0% (0 B / 10 B, -- /s, ETA --:--)");
        assert_eq!(render("m.gguf", 10, Some(10), 5.0), "m.gguf: 100% (10 B / 10 B, 5 B/s, done)");
        assert_eq!(render("m.gguf", 1500, None, 0.0), "m.gguf: 1.50 kB (-- /s)");
        let long = "qwen2.5-coder-1.5b-instruct-with-a-very-long-name-q4_k_m.gguf";
        let line = render(long, 1, Some(2), 1.0);
        let label = line.split(": ").next().unwrap();
        assert!(label.starts_with('…') && label.ends_with("-long-name-q4_k_m.gguf") && label.chars().count() == 40, "{line}");
    }

    /// A terminal that records what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<String>>);

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            120
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.write_str("\r")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn draws_a_bar_on_a_terminal() {
        let term = Recorder::default();
        let recorder = term.clone();
        let mut p = BarProgress::new(move || ProgressDrawTarget::term_like(Box::new(recorder.clone())));
        p.start("m.gguf", Some(100), 0);
        p.advance(50);
        p.note("connection lost; resuming");
        p.start("m.gguf", Some(100), 50);
        p.advance(100);
        p.finish(true);
        let text = term.0.lock().unwrap().clone();
        assert!(text.starts_with("m.gguf  [------------------------]   0%"), "{text:?}");
        assert!(text.contains("connection lost; resuming"), "{text:?}");
        assert!(text.contains("resuming m.gguf at 50 B"), "{text:?}");
        assert!(!text.contains("\r  ["), "every bar is labelled: {text:?}");
        assert!(text.contains("[########################] 100%  100 B / 100 B"), "{text:?}");
    }

    #[test]
    fn plain_lines_when_not_a_terminal() {
        let mut buf = Vec::new();
        {
            let mut p = TextProgress::new(&mut buf);
            p.start("m.gguf", Some(100), 0);
            for i in 0..=100 {
                p.advance(i);
            }
            p.finish(true);
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(!text.contains('\r'), "{text:?}");
        assert_eq!(text.lines().count(), 1, "{text:?}");
        assert!(text.starts_with("m.gguf: 100 B in 0:00"), "{text:?}");
    }
}
