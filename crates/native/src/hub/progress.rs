//! Download progress on stderr: a bar redrawn in place on a terminal (bytes, speed, ETA), a line
//! every few seconds when stderr is a file or a pipe.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use cmdai_engine::hub::{format_duration, format_size};

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
        ProgressMode::Auto => {
            let tty = std::io::stderr().is_terminal();
            Box::new(TextProgress::new(std::io::stderr(), tty))
        }
        ProgressMode::Off => Box::new(NoProgress),
    }
}

const TTY_REDRAW: Duration = Duration::from_millis(100);
const LINE_EVERY: Duration = Duration::from_secs(5);
const BAR_WIDTH: usize = 24;

/// Progress as text: redrawn in place (`\r`) on a terminal, a line every few seconds otherwise.
pub struct TextProgress<W: Write> {
    out: W,
    tty: bool,
    label: String,
    total: Option<u64>,
    from: u64,
    done: u64,
    started: Instant,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl<W: Write> TextProgress<W> {
    pub fn new(out: W, tty: bool) -> Self {
        TextProgress { out, tty, label: String::new(), total: None, from: 0, done: 0, started: Instant::now(), last_draw: None, drawn: false }
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
        let line = render(&self.label, self.done, self.total, self.speed(), self.tty);
        let _ = if self.tty { write!(self.out, "\r{line}\x1b[K") } else { writeln!(self.out, "{line}") };
        let _ = self.out.flush();
        self.drawn = true;
        self.last_draw = Some(Instant::now());
    }

    /// Ends an in-place line before other output.
    fn end_line(&mut self) {
        if self.tty && self.drawn {
            let _ = writeln!(self.out);
            self.drawn = false;
        }
    }
}

impl<W: Write> Progress for TextProgress<W> {
    fn start(&mut self, label: &str, total: Option<u64>, from: u64) {
        self.end_line();
        self.label = label.to_string();
        self.total = total;
        self.from = from;
        self.done = from;
        self.started = Instant::now();
        self.last_draw = None;
        if from > 0 {
            let _ = writeln!(self.out, "resuming {label} at {}", format_size(from));
        }
        if self.tty {
            self.draw();
        }
    }

    fn advance(&mut self, done: u64) {
        self.done = done;
        let every = if self.tty { TTY_REDRAW } else { LINE_EVERY };
        let due = match self.last_draw {
            Some(t) => t.elapsed() >= every,
            None => self.tty || self.started.elapsed() >= every,
        };
        if due {
            self.draw();
        }
    }

    fn note(&mut self, message: &str) {
        self.end_line();
        let _ = writeln!(self.out, "{message}");
        let _ = self.out.flush();
    }

    fn finish(&mut self, ok: bool) {
        if ok && !self.label.is_empty() {
            if self.tty {
                self.draw();
                self.end_line();
            } else {
                let secs = self.started.elapsed().as_secs();
                let _ = writeln!(self.out, "{}: {} in {}", self.label, format_size(self.done), format_duration(secs));
            }
        } else {
            self.end_line();
        }
        let _ = self.out.flush();
    }
}

/// One progress line: `file  [#####-----]  45%  503 MB / 1.12 GB  12.3 MB/s  ETA 0:48` on a terminal,
/// `file: 45% (503 MB / 1.12 GB, 12.3 MB/s, ETA 0:48)` otherwise.
pub fn render(label: &str, done: u64, total: Option<u64>, bytes_per_sec: f64, tty: bool) -> String {
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
            let sizes = format!("{} / {}", format_size(done), format_size(total));
            if tty {
                let filled = (frac * BAR_WIDTH as f64).round() as usize;
                let bar = format!("{}{}", "#".repeat(filled), "-".repeat(BAR_WIDTH - filled));
                format!("{label}  [{bar}] {pct:>3}%  {sizes}  {speed}  {eta}")
            } else {
                format!("{label}: {pct}% ({sizes}, {speed}, {eta})")
            }
        }
        _ if tty => format!("{label}  {}  {speed}", format_size(done)),
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
    use super::*;

    #[test]
    fn renders_lines() {
        assert_eq!(
            render("m.gguf", 500_000_000, Some(1_000_000_000), 10_000_000.0, true),
            "m.gguf  [############------------]  50%  500 MB / 1.00 GB  10.0 MB/s  ETA 0:50"
        );
        assert_eq!(render("m.gguf", 500_000_000, Some(1_000_000_000), 10_000_000.0, false), "m.gguf: 50% (500 MB / 1.00 GB, 10.0 MB/s, ETA 0:50)");
        assert_eq!(render("m.gguf", 0, Some(10), 0.0, false), "m.gguf: 0% (0 B / 10 B, -- /s, ETA --:--)");
        assert_eq!(render("m.gguf", 10, Some(10), 5.0, false), "m.gguf: 100% (10 B / 10 B, 5 B/s, done)");
        assert_eq!(render("m.gguf", 1500, None, 0.0, false), "m.gguf: 1.50 kB (-- /s)");
        let long = "qwen2.5-coder-1.5b-instruct-with-a-very-long-name-q4_k_m.gguf";
        let line = render(long, 1, Some(2), 1.0, true);
        let label = line.split("  ").next().unwrap();
        assert!(label.starts_with('…') && label.ends_with("-long-name-q4_k_m.gguf") && label.chars().count() == 40, "{line}");
    }

    #[test]
    fn redraws_in_place_on_a_terminal() {
        let mut buf = Vec::new();
        {
            let mut p = TextProgress::new(&mut buf, true);
            p.start("m.gguf", Some(100), 0);
            p.advance(50);
            p.note("connection lost; resuming");
            p.start("m.gguf", Some(100), 50);
            p.advance(100);
            p.finish(true);
        }
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("\rm.gguf  ["), "{text:?}");
        assert!(text.contains("\nconnection lost; resuming\n"), "{text:?}");
        assert!(text.contains("resuming m.gguf at 50 B\n"), "{text:?}");
        assert!(text.contains("100%") && text.ends_with("\x1b[K\n"), "{text:?}");
    }

    #[test]
    fn plain_lines_when_not_a_terminal() {
        let mut buf = Vec::new();
        {
            let mut p = TextProgress::new(&mut buf, false);
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
