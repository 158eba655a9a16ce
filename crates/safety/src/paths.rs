//! What a path argument points at, for deciding how much a deletion or a write can destroy.

/// The kind of place a path names, from the most to the least precious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `/`, `/*`, `C:\`.
    Root,
    /// `~`, `$HOME`, `%USERPROFILE%`.
    Home,
    /// `*`, `.`, `..`: everything where the command runs.
    WorkingDir,
    /// A top-level system directory such as `/etc` or `C:\Windows`.
    SystemDir,
    /// Something inside a system directory, or a whole user's home such as `/home/alice`.
    InsideSystem,
    /// A `.git` directory: the project's history.
    Repository,
    /// `$VAR/...`: becomes `/...` when the variable is empty.
    VariablePrefix,
    /// `/**/name`, `~/**/name`: files matched anywhere below the root, a home or a system
    /// directory (what `find / -name x` lists).
    AcrossTree,
    Other,
}

/// Where the files stand that [`crate::find`] matches below `root` when tests narrow them:
/// `{root}/**/{MATCHED}`. Without tests a search stands for the whole tree: `{root}/**`.
pub const MATCHED: &str = "matching-file";

/// The search root of a `{root}/**` or `{root}/**/...` pattern.
pub fn tree_root(path: &str) -> Option<&str> {
    let (root, _) = path.split_once("/**")?;
    Some(if root.is_empty() { "/" } else { root })
}

const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/system",
    "/library",
    "/applications",
    "/users",
    "/private",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/sbin",
    "/usr/share",
    "/usr/include",
    "/var/lib",
    "/var/log",
    "/c:/windows",
    "/c:/windows/system32",
    "/c:/program files",
    "/c:/program files (x86)",
    "/c:/users",
    "/c:/programdata",
];

const HOME_NAMES: &[&str] = &["~", "$home", "${home}", "$env:userprofile", "%userprofile%", "$env:home", "%homepath%"];

const WINDOWS_DIR_NAMES: &[&str] = &["%systemroot%", "%windir%", "$env:systemroot", "$env:windir", "%programfiles%"];

/// Lower-cases, turns `\` into `/`, drops `/*`, `/.` and trailing slashes, so that `/etc/`,
/// `/etc/*` and `/ETC` compare equal. Windows drive paths become `/c:/...`.
pub fn normalize(path: &str) -> String {
    let mut path = path.trim().to_lowercase().replace('\\', "/");
    if path.as_bytes().get(1) == Some(&b':') && path.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        path.insert(0, '/');
    }
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    while path.contains("/./") {
        path = path.replace("/./", "/");
    }
    loop {
        let trimmed = path.strip_suffix("/*").or_else(|| path.strip_suffix("/.")).or_else(|| path.strip_suffix('/'));
        match trimmed {
            Some(shorter) if !shorter.is_empty() => path = shorter.to_string(),
            Some(_) => return "/".to_string(),
            None => return path,
        }
    }
}

/// Classifies a path as written on the command line.
pub fn classify(path: &str) -> Place {
    if let Some(root) = tree_root(path) {
        let everything = path.trim_end_matches('/').ends_with("/**");
        return match classify(root) {
            // `{root}/**` is the whole tree: the root itself.
            place if everything => place,
            Place::Root | Place::Home | Place::SystemDir => Place::AcrossTree,
            _ => Place::Other,
        };
    }
    let has_slash = path.contains(['/', '\\']);
    let path = normalize(path);
    let is_drive_root = path.len() == 3 && path.ends_with(':') && path.starts_with('/');
    if path == "/" || path == "/.." || path == "/*" || is_drive_root {
        return Place::Root;
    }
    if HOME_NAMES.contains(&path.as_str()) || path == "~/" {
        return Place::Home;
    }
    if matches!(path.as_str(), "*" | "." | ".." | ".*" | "../*" | "./" | "*.*") {
        return Place::WorkingDir;
    }
    if SYSTEM_DIRS.contains(&path.as_str()) || WINDOWS_DIR_NAMES.contains(&path.as_str()) {
        return Place::SystemDir;
    }
    if path.rsplit('/').next() == Some(".git") {
        return Place::Repository;
    }
    if path.starts_with('/') && !is_scratch(&path) {
        let in_system = SYSTEM_DIRS.iter().any(|dir| path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')));
        let a_users_home =
            ["/home/", "/users/", "/c:/users/"].iter().any(|base| path.strip_prefix(base).is_some_and(|user| !user.contains('/')));
        let inside_home_base = ["/home/", "/users/", "/c:/users/"].iter().any(|base| path.starts_with(base));
        if a_users_home || (in_system && !inside_home_base) {
            return Place::InsideSystem;
        }
    }
    let known_variable = WINDOWS_DIR_NAMES.iter().chain(HOME_NAMES).any(|name| path == *name || path.starts_with(&format!("{name}/")));
    let unset_variable = (path.starts_with('$') || path.starts_with('%')) && has_slash && !known_variable;
    if unset_variable {
        return Place::VariablePrefix;
    }
    if WINDOWS_DIR_NAMES.iter().any(|name| path.starts_with(&format!("{name}/"))) {
        return Place::InsideSystem;
    }
    Place::Other
}

/// Temporary and removable-media trees, where deleting is routine.
fn is_scratch(path: &str) -> bool {
    ["/tmp", "/var/tmp", "/mnt", "/media", "/dev/shm"]
        .iter()
        .any(|dir| path == *dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')))
}

/// What a `/dev` path is, for writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// A disk, partition or memory device: writing destroys data or the running system.
    Storage,
    /// `/dev/tcp/..` and `/dev/udp/..`: bash opens a network connection.
    Network,
    /// `/dev/null`, terminals, standard streams.
    Harmless,
    Other,
}

/// Classifies `/dev/...` paths and Windows raw disks (`\\.\PhysicalDrive0`); `None` for anything else.
pub fn device(path: &str) -> Option<Device> {
    let raw = path.trim().to_lowercase().replace('\\', "/");
    // `\\.\PhysicalDrive0`; read as POSIX shell text, its first backslash escapes the second.
    let raw = raw.trim_start_matches('/');
    if ["./physicaldrive", "?/physicaldrive", "./harddisk"].iter().any(|prefix| raw.starts_with(prefix)) {
        return Some(Device::Storage);
    }
    let path = normalize(path);
    let name = path.strip_prefix("/dev/")?;
    const STORAGE: &[&str] = &[
        "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "rdisk", "md", "dm-", "mapper/", "mem", "kmem", "port", "root", "sr", "loop",
        "nbd",
    ];
    const HARMLESS: &[&str] =
        &["null", "zero", "stdout", "stderr", "stdin", "tty", "pts/", "fd/", "random", "urandom", "full", "console", "shm/"];
    if name.starts_with("tcp/") || name.starts_with("udp/") {
        Some(Device::Network)
    } else if HARMLESS.iter().any(|prefix| name.starts_with(prefix)) {
        Some(Device::Harmless)
    } else if STORAGE.iter().any(|prefix| name.starts_with(prefix)) {
        Some(Device::Storage)
    } else {
        Some(Device::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        for (path, place) in [
            ("/", Place::Root),
            ("//", Place::Root),
            ("/*", Place::Root),
            ("C:\\", Place::Root),
            ("c:/", Place::Root),
            ("~", Place::Home),
            ("~/", Place::Home),
            ("$HOME/*", Place::Home),
            ("${HOME}", Place::Home),
            ("*", Place::WorkingDir),
            ("./*", Place::WorkingDir),
            ("/etc/", Place::SystemDir),
            ("/usr/*", Place::SystemDir),
            ("C:\\Windows\\System32", Place::SystemDir),
            ("/etc/nginx", Place::InsideSystem),
            ("/home/alice", Place::InsideSystem),
            ("/home/alice/build", Place::Other),
            ("/tmp/x", Place::Other),
            ("build/", Place::Other),
            ("~/old", Place::Other),
            ("proj/.git", Place::Repository),
            ("$DIR/", Place::VariablePrefix),
            ("$HOME/x", Place::Other),
            ("/**", Place::Root),
            ("~/**", Place::Home),
            ("/**/matching-file", Place::AcrossTree),
            ("$HOME/**/x.log", Place::AcrossTree),
            ("/etc/**/matching-file", Place::AcrossTree),
            ("./**/matching-file", Place::Other),
            ("build/**", Place::Other),
        ] {
            assert_eq!(classify(path), place, "{path}");
        }
    }

    #[test]
    fn devices() {
        assert_eq!(device("/dev/sda1"), Some(Device::Storage));
        assert_eq!(device("/dev/nvme0n1"), Some(Device::Storage));
        assert_eq!(device("/dev/null"), Some(Device::Harmless));
        assert_eq!(device("/dev/tcp/1.2.3.4/80"), Some(Device::Network));
        assert_eq!(device("/etc/passwd"), None);
        assert_eq!(device("\\\\.\\PhysicalDrive1"), Some(Device::Storage));
        assert_eq!(device("/dev/rdisk2"), Some(Device::Storage));
    }
}
