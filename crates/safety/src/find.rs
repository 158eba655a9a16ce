//! Understands `find`: where it searches, whether its tests narrow what it matches, and the
//! commands its `-exec` actions run on each match.

use super::invocation::Invocation;
use super::paths;

/// Tests that select some files rather than everything under the search path.
const NARROWING_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-newer",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-user",
    "-group",
    "-nouser",
    "-perm",
    "-empty",
    "-inum",
    "-links",
    "-lname",
    "-samefile",
    "-uid",
    "-gid",
];

const EXEC_ACTIONS: &[&str] = &["-exec", "-execdir", "-ok", "-okdir"];

/// True for `find` and its GNU name on other systems.
pub fn is_find(inv: &Invocation) -> bool {
    inv.program == "find" || inv.program == "gfind"
}

/// The search paths: the operands before the expression starts (`.` when none are given).
pub fn search_paths(inv: &Invocation) -> Vec<String> {
    let starts_expression = |a: &String| a.starts_with('-') || a == "(" || a == "!" || a == ")";
    let paths: Vec<String> = inv.args.iter().take_while(|a| !starts_expression(a)).cloned().collect();
    if paths.is_empty() {
        vec![".".to_string()]
    } else {
        paths
    }
}

/// What each match stands for when a rule judges an action on it: the whole tree `{root}/**`
/// when nothing narrows the matches (so `find / -delete` counts as deleting `/`), else files
/// anywhere below the root, `{root}/**/matching-file` (see [`paths::tree_root`]).
pub fn matched_paths(inv: &Invocation) -> Vec<String> {
    let narrowed = inv.args.iter().any(|a| NARROWING_TESTS.contains(&a.as_str()));
    search_paths(inv)
        .into_iter()
        .map(|path| {
            let root = path.trim_end_matches('/');
            if narrowed {
                format!("{root}/**/{}", paths::MATCHED)
            } else {
                format!("{root}/**")
            }
        })
        .collect()
}

/// True when `find` deletes what it matches.
pub fn deletes(inv: &Invocation) -> bool {
    inv.args.iter().any(|a| a == "-delete")
}

/// The command lines run by `-exec`-style actions, with `{}` replaced by each matched path.
pub fn exec_commands(inv: &Invocation) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let matches = matched_paths(inv);
    let mut args = inv.args.iter();
    while let Some(arg) = args.next() {
        if !EXEC_ACTIONS.contains(&arg.as_str()) {
            continue;
        }
        let template: Vec<&String> = args.by_ref().take_while(|a| *a != ";" && *a != "+").collect();
        for path in &matches {
            commands.push(template.iter().map(|w| w.replace("{}", path)).collect());
        }
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(line: &str) -> Invocation {
        Invocation { program: "find".into(), args: line.split_whitespace().map(String::from).collect(), ..Invocation::default() }
    }

    #[test]
    fn paths_and_actions() {
        assert_eq!(search_paths(&find("-name x")), ["."]);
        assert_eq!(search_paths(&find("/ ~ -type f")), ["/", "~"]);
        assert_eq!(matched_paths(&find("/ -name *.log")), ["/**/matching-file"]);
        assert_eq!(matched_paths(&find("~/ -type f")), ["~/**"]);
        assert_eq!(exec_commands(&find("/ -exec rm -rf {} ; -print")), [["rm", "-rf", "/**"]]);
        assert_eq!(exec_commands(&find(". -name a -execdir grep x {} +")), [["grep", "x", "./**/matching-file"]]);
        assert!(deletes(&find("/tmp -delete")));
    }
}
