//! Hugging Face Hub logic without I/O, shared by the terminal app (files + HTTP) and the web app
//! (browser fetch + IndexedDB): what `--model` means, the built-in aliases, the Hub's URLs, its
//! file listings, which GGUF to pick, how HTTP answers map to errors, the cache layout of
//! `huggingface_hub` (as relative paths), resuming, and SHA-256 checks.
//!
//! Hub conventions used here:
//! - download: `GET {endpoint}/{repo}/resolve/{revision}/{file}` (redirects to a CDN for LFS files,
//!   `Range: bytes=N-` answered with 206); the first (unredirected) answer carries `X-Repo-Commit`,
//!   `X-Linked-Etag` (the LFS SHA-256, quoted), `X-Linked-Size`, `ETag`, `Location`;
//! - listing: `GET {endpoint}/api/models/{repo}?blobs=true` (`sha`, `siblings[].rfilename`, sizes
//!   and `lfs.sha256`) or `GET {endpoint}/api/models/{repo}/tree/{revision}`;
//! - cache: `models--ORG--NAME/{blobs/<sha256 or etag>, refs/<revision>, snapshots/<commit>/<file>}`,
//!   partial downloads in `blobs/<hash>.incomplete`.

mod alias;
mod error;
mod layout;
mod listing;
mod model_ref;
mod response;
mod resume;
mod size;
mod url;
mod verify;

pub use alias::{default_alias, find_alias, Alias, ALIASES, DEFAULT_ALIAS};
pub use error::HubError;
pub use layout::{
    blob_name, blob_rel, incomplete_rel, is_commit_hash, lock_rel, ref_rel, repo_folder, repo_from_folder, snapshot_dir_rel,
    snapshot_link_target, snapshot_rel, BLOBS_DIR, LOCKS_DIR, REFS_DIR, SNAPSHOTS_DIR,
};
pub use listing::{choose_gguf, choose_gguf_name, is_gguf, parse_model_info, parse_tree, RepoFile, RepoListing};
pub use model_ref::{validate_repo_file, ModelRef, RepoId};
pub use response::{check_status, file_metadata_from_head, FileMetadata, RequestContext};
pub use resume::{parse_content_range, plan_resume, plan_write, range_header, ContentRange, ResumePlan, WritePlan};
pub use size::{format_duration, format_size};
pub use url::{encode_path, encode_segment, join_location, model_info_url, normalize_endpoint, origin, resolve_url, same_origin, tree_url};
pub use verify::{is_sha256, sha256_hex, verify_download, Sha256Stream};

/// `https://huggingface.co`, unless `HF_ENDPOINT` says otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// The branch models are downloaded from.
pub const DEFAULT_REVISION: &str = "main";
