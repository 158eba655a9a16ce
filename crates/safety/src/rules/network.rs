//! Running code from the network and handing a shell to it (reverse shells).

use super::super::flags;
use super::super::invocation::{self, Invocation};
use super::super::paths::{self, Device};
use super::super::{Finding, Risk};

const DOWNLOADERS: &[&str] =
    &["curl", "wget", "fetch", "iwr", "irm", "invoke-webrequest", "invoke-restmethod", "aria2c", "http", "xh", "lwp-request"];
const NETCATS: &[&str] = &["nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "telnet", "socat", "openssl"];
const READ_FIRST: &str = "download to a file, read it, then run it";

pub fn is_downloader(program: &str) -> bool {
    DOWNLOADERS.contains(&program)
}

/// True when a script's text mentions a downloader as a word, as in `$(curl -fsSL url)`.
pub fn script_downloads(script: &str) -> bool {
    script.split(|c: char| c.is_whitespace() || "|;&()`$\"'".contains(c)).any(|token| {
        let base = token.rsplit(['/', '\\']).next().unwrap_or(token);
        let base = base.strip_suffix(".exe").unwrap_or(base);
        DOWNLOADERS.iter().any(|name| base.eq_ignore_ascii_case(name))
    })
}

fn runs_download(what: &str) -> Finding {
    Finding::new(Risk::High, format!("{what} runs code downloaded from the internet without showing it")).with_alternative(READ_FIRST)
}

pub fn reverse_shell(how: &str) -> Finding {
    Finding::new(Risk::Critical, format!("reverse shell: {how} gives a remote machine control of this one"))
}

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let program = inv.program.as_str();
    if inv.program_fetched {
        out.push(runs_download("the command"));
    }
    if invocation::executes_arguments(program) && inv.args_fetched {
        out.push(runs_download(program));
    }
    if inv.args.iter().any(|a| paths::device(a) == Some(Device::Network) || a.contains("/dev/tcp/") || a.contains("/dev/udp/")) {
        out.push(reverse_shell("a /dev/tcp connection"));
    }
    let args = &inv.args;
    let gives_shell = match program {
        "nc" | "ncat" | "netcat" | "nc.traditional" | "nc.openbsd" => {
            flags::short(args, 'e', "46bCdDeEhiklLnNpqrsStTuUvwzc")
                || flags::short(args, 'c', "46bCdDeEhiklLnNpqrsStTuUvwzc")
                || ["--exec", "--sh-exec", "--lua-exec"].iter().any(|name| flags::long(args, name))
        }
        "socat" => args.iter().any(|a| {
            let a = a.to_lowercase();
            a.starts_with("exec:") || a.starts_with("system:")
        }),
        _ => false,
    };
    if gives_shell {
        out.push(reverse_shell(program));
    }
}

/// `curl | sh`, `nc host port | sh`, `history | sh`: stages that feed a shell what to run.
pub fn check_pipeline(stages: &[Invocation], out: &mut Vec<Finding>) {
    let has_netcat = stages.iter().any(|s| NETCATS.contains(&s.program.as_str()));
    for (index, stage) in stages.iter().enumerate().skip(1) {
        if !invocation::runs_stdin(stage) {
            continue;
        }
        let earlier = stages.get(..index).unwrap_or_default();
        let finding = if earlier.iter().any(|s| is_downloader(&s.program)) {
            Finding::new(Risk::High, format!("pipes a download straight into {}", stage.program)).with_alternative(READ_FIRST)
        } else if earlier.iter().any(reads_history) {
            Finding::new(Risk::High, "runs commands replayed from the shell history")
                .with_alternative("look at the history first and run the one command you need")
        } else if let Some(decoder) = earlier.iter().find(|s| decodes(s)) {
            Finding::new(Risk::High, format!("runs hidden code: {} decodes it and {} runs it unseen", decoder.program, stage.program))
                .with_alternative("decode it to the terminal first and read it")
        } else {
            Finding::new(Risk::Moderate, format!("runs text produced by another command as a {} script", stage.program))
                .with_alternative("print that text first and check what it would run")
        };
        out.push(finding);
    }
    if has_netcat && stages.iter().any(|s| invocation::is_shell(&s.program)) {
        out.push(reverse_shell("a shell wired to a network connection"));
    }
}

/// Stages that turn an encoded payload back into text: the usual way to hide what a script does.
pub fn decodes(inv: &Invocation) -> bool {
    let args = &inv.args;
    match inv.program.as_str() {
        "base64" | "base32" | "basenc" => flags::short(args, 'd', "diw") || flags::long(args, "--decode"),
        "xxd" => flags::short(args, 'r', "rp"),
        "openssl" => args.iter().any(|a| a == "-d" || a == "base64" || a == "enc"),
        "rev" | "uudecode" | "gunzip" | "zcat" | "gzip" | "bzcat" | "xzcat" | "unxz" | "zstdcat" => true,
        "printf" => args.iter().any(|a| a.contains("\\x") || a.contains("\\0")),
        "echo" => flags::short(args, 'e', "neE") && args.iter().any(|a| a.contains("\\x")),
        _ => false,
    }
}

fn reads_history(inv: &Invocation) -> bool {
    match inv.program.as_str() {
        "history" => true,
        "fc" => flags::short(&inv.args, 'l', "lnr"),
        "cat" | "tail" | "head" | "tac" | "less" | "more" | "grep" => inv.args.iter().any(|a| a.contains("_history")),
        _ => false,
    }
}

/// PowerShell's `iex (iwr url)` and `IEX (New-Object Net.WebClient).DownloadString(url)`, which
/// a POSIX parse cannot see through, so they are matched on the text.
pub fn check_text(script: &str, out: &mut Vec<Finding>) {
    let text = script.to_lowercase();
    if !text.contains("iex") && !text.contains("invoke-expression") {
        return;
    }
    let words: Vec<&str> = text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.')).collect();
    let invokes = words.iter().any(|w| *w == "iex" || *w == "invoke-expression");
    let downloads = words.iter().any(|w| DOWNLOADERS.contains(w)) || text.contains("downloadstring") || text.contains("net.webclient");
    if invokes && downloads {
        out.push(runs_download("Invoke-Expression"));
    }
}
