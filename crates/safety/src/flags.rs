//! Reading command-line options the many ways they are written: `-rf`, `-r -f`, `--force`,
//! `--force=yes`, PowerShell's `-Recurse` or its prefix `-r`, cmd's `/S`.

/// True when a short-option cluster such as `-rf` contains `letter`. A cluster counts only if
/// all its letters are in `alphabet`, so PowerShell's `-Force` is not read as `-F -o -r -c -e`.
pub fn short(args: &[String], letter: char, alphabet: &str) -> bool {
    options(args).any(|arg| {
        let Some(cluster) = arg.strip_prefix('-') else { return false };
        !cluster.starts_with('-') && !cluster.is_empty() && cluster.chars().all(|c| alphabet.contains(c)) && cluster.contains(letter)
    })
}

/// True when `--name` or `--name=value` is given.
pub fn long(args: &[String], name: &str) -> bool {
    options(args).any(|arg| arg == name || arg.strip_prefix(name).is_some_and(|rest| rest.starts_with('=')))
}

/// True when a PowerShell parameter is given in full or as an unambiguous prefix of at least
/// `min` letters, case-insensitively (`-rec`, `-Recurse`, `-Recurse:$true`).
pub fn powershell(args: &[String], name: &str, min: usize) -> bool {
    options(args).any(|arg| {
        let Some(given) = arg.strip_prefix('-') else { return false };
        let given = given.split(':').next().unwrap_or_default().to_ascii_lowercase();
        given.len() >= min && name.starts_with(&given)
    })
}

/// True when a cmd.exe switch like `/S` is given, case-insensitively.
pub fn slash(args: &[String], switch: char) -> bool {
    args.iter().any(|arg| {
        let mut chars = arg.chars();
        chars.next() == Some('/') && chars.next().is_some_and(|c| c.eq_ignore_ascii_case(&switch)) && chars.next().is_none()
    })
}

/// The value of `-x VALUE`, `-xVALUE`, `--long VALUE` or `--long=VALUE`.
pub fn value<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        for name in names {
            if arg == name {
                return iter.next().map(String::as_str);
            }
            if let Some(rest) = arg.strip_prefix(name) {
                let attached = if name.starts_with("--") { rest.strip_prefix('=') } else { Some(rest) };
                if let Some(attached) = attached.filter(|v| !v.is_empty()) {
                    return Some(attached);
                }
            }
        }
    }
    None
}

/// Arguments that are not options (everything after `--` counts as an operand).
pub fn operands(args: &[String]) -> Vec<&str> {
    operands_after_values(args, &[])
}

/// [`operands`], leaving out the separate value of each option in `with_value`
/// (`truncate -s 0 FILE` has one operand, `FILE`).
pub fn operands_after_values<'a>(args: &'a [String], with_value: &[&str]) -> Vec<&'a str> {
    let mut operands = Vec::new();
    let mut after_dashes = false;
    let mut skip_next = false;
    for arg in args {
        if skip_next {
            skip_next = false;
        } else if after_dashes || !arg.starts_with('-') || arg == "-" {
            operands.push(arg.as_str());
        } else if arg == "--" {
            after_dashes = true;
        } else {
            skip_next = with_value.contains(&arg.as_str());
        }
    }
    operands
}

fn options(args: &[String]) -> impl Iterator<Item = &str> {
    args.iter().map(String::as_str).take_while(|arg| *arg != "--")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn combinations() {
        const RM: &str = "rRfivdIP";
        for line in ["-rf /", "-fr /", "-Rf /", "-r -f /", "-v -r /"] {
            assert!(short(&args(line), 'r', RM) || short(&args(line), 'R', RM), "{line}");
        }
        assert!(!short(&args("-Force x"), 'r', RM));
        assert!(!short(&args("-- -r"), 'r', RM));
        assert!(long(&args("--recursive x"), "--recursive"));
        assert!(long(&args("--force=yes"), "--force"));
        assert!(!long(&args("--force-with-lease"), "--force"));
        assert!(powershell(&args("-Rec"), "recurse", 1));
        assert!(powershell(&args("-fo"), "force", 2));
        assert!(!powershell(&args("-f"), "force", 2));
        assert!(slash(&args("/s /q"), 's') && !slash(&args("/sq"), 's'));
        assert_eq!(value(&args("-s 0 f"), &["-s", "--size"]), Some("0"));
        assert_eq!(value(&args("-s0 f"), &["-s", "--size"]), Some("0"));
        assert_eq!(value(&args("--size=0 f"), &["-s", "--size"]), Some("0"));
        assert_eq!(operands(&args("-rf a -- -b")), ["a", "-b"]);
        assert_eq!(operands_after_values(&args("-s 0 a.log -c"), &["-s"]), ["a.log"]);
    }
}
