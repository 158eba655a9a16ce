//! A repository's files, from the Hub's JSON, and the choice of the GGUF file to run.

use serde::Deserialize;

use super::error::HubError;
use super::model_ref::validate_repo_file;
use super::verify::is_sha256;

/// One file of a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoFile {
    /// Path inside the repository, `/`-separated.
    pub path: String,
    pub size: Option<u64>,
    /// Lowercase hex SHA-256 of the content (LFS files).
    pub sha256: Option<String>,
}

/// A repository's files at one commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoListing {
    pub commit: Option<String>,
    pub files: Vec<RepoFile>,
}

#[derive(Deserialize)]
struct ModelInfoJson {
    sha: Option<String>,
    #[serde(default)]
    siblings: Vec<SiblingJson>,
}

#[derive(Deserialize)]
struct SiblingJson {
    rfilename: String,
    size: Option<u64>,
    lfs: Option<LfsJson>,
}

#[derive(Deserialize)]
struct LfsJson {
    sha256: Option<String>,
    oid: Option<String>,
    size: Option<u64>,
}

#[derive(Deserialize)]
struct TreeEntryJson {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    size: Option<u64>,
    lfs: Option<LfsJson>,
}

fn repo_file(path: String, size: Option<u64>, lfs: Option<LfsJson>) -> Option<RepoFile> {
    validate_repo_file(&path).ok()?;
    let (lfs_sha, lfs_size) = match lfs {
        Some(l) => (l.sha256.or(l.oid), l.size),
        None => (None, None),
    };
    let sha256 = lfs_sha.filter(|s| is_sha256(s)).map(|s| s.to_ascii_lowercase());
    Some(RepoFile { path, size: lfs_size.or(size), sha256 })
}

/// Parses `GET /api/models/{repo}` (`?blobs=true` adds sizes and LFS hashes). Entries with unsafe
/// paths are dropped.
pub fn parse_model_info(json: &str) -> Result<RepoListing, String> {
    let info: ModelInfoJson = serde_json::from_str(json).map_err(|e| format!("model info is not the expected JSON: {e}"))?;
    Ok(RepoListing { commit: info.sha, files: info.siblings.into_iter().filter_map(|s| repo_file(s.rfilename, s.size, s.lfs)).collect() })
}

/// Parses `GET /api/models/{repo}/tree/{revision}` (directories are skipped).
pub fn parse_tree(json: &str) -> Result<RepoListing, String> {
    let entries: Vec<TreeEntryJson> = serde_json::from_str(json).map_err(|e| format!("tree listing is not the expected JSON: {e}"))?;
    Ok(RepoListing {
        commit: None,
        files: entries.into_iter().filter(|e| e.kind == "file").filter_map(|e| repo_file(e.path, e.size, e.lfs)).collect(),
    })
}

/// A `.gguf` file (case-insensitive).
pub fn is_gguf(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".gguf")
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A model file rather than a vision projector (`mmproj-*.gguf`) shipped next to it.
fn is_model_gguf(path: &str) -> bool {
    is_gguf(path) && !base_name(path).to_ascii_lowercase().starts_with("mmproj")
}

/// Picks the GGUF to run from a repository's file names: the Q4_K_M one if there is exactly one,
/// else the only GGUF, else an error listing the choices (or the files, when there is no GGUF).
pub fn choose_gguf_name<'a>(repo: &str, names: impl IntoIterator<Item = &'a str>) -> Result<&'a str, HubError> {
    let names: Vec<&str> = names.into_iter().collect();
    let mut ggufs: Vec<&str> = names.iter().copied().filter(|n| is_model_gguf(n)).collect();
    ggufs.sort_unstable();
    ggufs.dedup();
    let q4km: Vec<&str> = ggufs.iter().copied().filter(|n| base_name(n).to_ascii_lowercase().contains("q4_k_m")).collect();
    match (q4km.as_slice(), ggufs.as_slice()) {
        ([one], _) | (_, [one]) => Ok(one),
        (_, []) => {
            let mut files: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            files.sort_unstable();
            Err(HubError::NoGguf { repo: repo.to_string(), files })
        }
        _ => Err(HubError::AmbiguousGguf { repo: repo.to_string(), choices: ggufs.iter().map(|s| s.to_string()).collect() }),
    }
}

/// [`choose_gguf_name`] over a listing.
pub fn choose_gguf<'a>(repo: &str, files: &'a [RepoFile]) -> Result<&'a RepoFile, HubError> {
    let name = choose_gguf_name(repo, files.iter().map(|f| f.path.as_str()))?;
    Ok(files.iter().find(|f| f.path == name).expect("the chosen name comes from the listing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32";

    #[test]
    fn parses_model_info() {
        let json = format!(
            r#"{{"_id":"x","id":"Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF","sha":"0123456789abcdef0123456789abcdef01234567",
            "siblings":[{{"rfilename":".gitattributes","blobId":"b1","size":1519}},
                        {{"rfilename":"qwen2.5-coder-0.5b-instruct-q4_k_m.gguf","blobId":"b2","size":491400064,
                          "lfs":{{"sha256":"{}","size":491400064,"pointerSize":135}}}},
                        {{"rfilename":"../evil.gguf"}},
                        {{"rfilename":"README.md"}}],"tags":["gguf"]}}"#,
            SHA.to_uppercase()
        );
        let listing = parse_model_info(&json).unwrap();
        assert_eq!(listing.commit.as_deref(), Some("0123456789abcdef0123456789abcdef01234567"));
        assert_eq!(
            listing.files,
            vec![
                RepoFile { path: ".gitattributes".into(), size: Some(1519), sha256: None },
                RepoFile { path: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf".into(), size: Some(491400064), sha256: Some(SHA.into()) },
                RepoFile { path: "README.md".into(), size: None, sha256: None },
            ]
        );
        assert!(parse_model_info("[1,2]").is_err());
        assert!(parse_model_info("{").is_err());
    }

    #[test]
    fn parses_tree() {
        let json = format!(
            r#"[{{"type":"file","oid":"abc","size":1519,"path":".gitattributes"}},
               {{"type":"directory","oid":"d","size":0,"path":"sub"}},
               {{"type":"file","oid":"e","size":491400064,"path":"m-Q4_K_M.gguf","lfs":{{"oid":"{SHA}","size":491400064,"pointerSize":135}}}}]"#
        );
        let listing = parse_tree(&json).unwrap();
        assert_eq!(listing.files.len(), 2);
        assert_eq!(listing.files[1], RepoFile { path: "m-Q4_K_M.gguf".into(), size: Some(491400064), sha256: Some(SHA.into()) });
    }

    #[test]
    fn chooses_gguf() {
        let pick = |names: &[&'static str]| choose_gguf_name("o/r", names.iter().copied());
        assert_eq!(pick(&["a-q8_0.gguf", "a-Q4_K_M.gguf", "a-q4_k_s.gguf", "README.md"]).unwrap(), "a-Q4_K_M.gguf");
        assert_eq!(pick(&["README.md", "model.GGUF", "mmproj-model-f16.gguf"]).unwrap(), "model.GGUF");
        assert_eq!(pick(&["mmproj-q4_k_m.gguf", "x-q8_0.gguf"]).unwrap(), "x-q8_0.gguf");
        // The same name twice (two cached versions) is one choice.
        assert_eq!(pick(&["x-q4_k_m.gguf", "x-q8_0.gguf", "x-q4_k_m.gguf"]).unwrap(), "x-q4_k_m.gguf");
        assert_eq!(pick(&["x-q8_0.gguf", "x-q8_0.gguf"]).unwrap(), "x-q8_0.gguf");
        match pick(&["b-q8_0.gguf", "a-f16.gguf", "c.txt"]).unwrap_err() {
            HubError::AmbiguousGguf { choices, .. } => assert_eq!(choices, vec!["a-f16.gguf", "b-q8_0.gguf"]),
            e => panic!("{e}"),
        }
        match pick(&["q4_k_m/a-00001-of-00002.gguf", "q4_k_m/a-00002-of-00002.gguf"]).unwrap_err() {
            HubError::AmbiguousGguf { choices, .. } => assert_eq!(choices.len(), 2),
            e => panic!("{e}"),
        }
        match pick(&["config.json", "model.safetensors"]).unwrap_err() {
            e @ HubError::NoGguf { .. } => assert!(e.to_string().contains("model.safetensors"), "{e}"),
            e => panic!("{e}"),
        }
        let files = vec![
            RepoFile { path: "x-q4_k_m.gguf".into(), size: Some(5), sha256: None },
            RepoFile { path: "x-q8_0.gguf".into(), size: Some(9), sha256: None },
        ];
        assert_eq!(choose_gguf("o/r", &files).unwrap().size, Some(5));
    }
}
