//! A fake Hugging Face Hub on 127.0.0.1 for tests: two listeners (the Hub and a "CDN" on another
//! port, i.e. another origin), plain HTTP/1.1 with `Connection: close`, std only.
//!
//! Hub routes: `HEAD|GET /{ns}/{name}/resolve/{rev}/{file}` (LFS files: 302 to the CDN with
//! `X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size`, `ETag`; other files: 200 with the bytes),
//! `GET /api/models/{ns}/{name}` (`sha`, `siblings` with sizes and `lfs.sha256`),
//! `GET /api/models/{ns}/{name}/tree/{rev}`, search `GET /api/models?search=Q&limit=N` (the
//! repositories whose id contains Q), and the inference router's
//! `POST /v1/chat/completions` (answers queued by the test, else 503). Errors as the Hub sends them: 401 + `X-Error-Code:
//! RepoNotFound` for unknown repositories, 401/403 for gated ones, 404 + `EntryNotFound`.
//! CDN route: `GET /cdn/{sha256}` with `Range: bytes=N-` (206, `Content-Range`, `Accept-Ranges`).
//! Faults, queued and used once each: a cut connection, corrupt bytes, an ignored `Range`, an
//! error status. Every request is recorded.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Where a file's bytes come from.
#[derive(Clone)]
pub enum Content {
    Bytes(Arc<Vec<u8>>),
    /// A file on disk (a real model), streamed.
    Path(PathBuf),
}

#[derive(Clone)]
pub struct FakeFile {
    pub name: String,
    pub content: Content,
    pub size: u64,
    pub sha256: String,
    /// Served through the CDN redirect (GGUFs); otherwise straight from the resolve URL.
    pub lfs: bool,
}

impl FakeFile {
    pub fn bytes(name: &str, data: Vec<u8>) -> Self {
        let sha256 = cmdai_hub::sha256_hex(&data);
        let lfs = name.ends_with(".gguf");
        FakeFile { name: name.into(), size: data.len() as u64, content: Content::Bytes(Arc::new(data)), sha256, lfs }
    }

    /// A file on disk whose size and SHA-256 are known (no need to hash it again).
    pub fn path(name: &str, path: PathBuf, size: u64, sha256: &str) -> Self {
        FakeFile { name: name.into(), content: Content::Path(path), size, sha256: sha256.into(), lfs: true }
    }

    /// The git blob id the Hub would send as `ETag` for a non-LFS file (any 40 hex digits will do).
    fn git_etag(&self) -> String {
        self.sha256[..40].to_string()
    }
}

#[derive(Clone)]
pub struct FakeRepo {
    pub id: String,
    pub commit: String,
    pub files: Vec<FakeFile>,
    /// A gated repository: requests need `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Hub tags, as search results list them (`gguf`, `llama`, ...).
    pub tags: Vec<String>,
}

impl FakeRepo {
    pub fn new(id: &str, commit: &str, files: Vec<FakeFile>) -> Self {
        FakeRepo { id: id.into(), commit: commit.into(), files, token: None, tags: Vec::new() }
    }
}

/// A request the fake Hub received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Received by the CDN listener.
    pub cdn: bool,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub enum Fault {
    /// The next CDN download sends `after` bytes of the body, then closes the connection.
    CutAfter(u64),
    /// The next CDN download has one byte flipped (in the middle of the file).
    Corrupt,
    /// The next CDN download ignores `Range` and sends the whole file with 200.
    IgnoreRange,
    /// The next Hub request (resolve or API) gets this status and headers, empty body.
    Status { code: u16, headers: Vec<(String, String)> },
    /// The next CDN request gets this status, empty body.
    CdnStatus(u16),
}

#[derive(Default)]
struct State {
    repos: Vec<FakeRepo>,
    requests: Vec<Request>,
    cdn_faults: VecDeque<Fault>,
    hub_faults: VecDeque<Fault>,
    router_answers: VecDeque<String>,
}

pub struct FakeHub {
    state: Arc<Mutex<State>>,
    hub: SocketAddr,
    cdn: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeHub {
    pub fn start(repos: Vec<FakeRepo>) -> Self {
        let state = Arc::new(Mutex::new(State { repos, ..State::default() }));
        let stop = Arc::new(AtomicBool::new(false));
        let hub_listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake hub");
        let cdn_listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake cdn");
        let hub = hub_listener.local_addr().unwrap();
        let cdn = cdn_listener.local_addr().unwrap();
        let mut threads = Vec::new();
        for (listener, is_cdn) in [(hub_listener, false), (cdn_listener, true)] {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            threads.push(thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let state = Arc::clone(&state);
                    thread::spawn(move || {
                        let _ = handle(conn, &state, is_cdn, cdn);
                    });
                }
            }));
        }
        FakeHub { state, hub, cdn, stop, threads }
    }

    /// The value for `HF_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.hub)
    }

    pub fn push_fault(&self, fault: Fault) {
        let mut st = self.state.lock().unwrap();
        match fault {
            Fault::Status { .. } => st.hub_faults.push_back(fault),
            _ => st.cdn_faults.push_back(fault),
        }
    }

    /// The assistant message content of the router's next answer.
    pub fn push_router_answer(&self, content: &str) {
        self.state.lock().unwrap().router_answers.push_back(content.to_string());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().unwrap().requests.clear();
    }

    /// Replaces a repository's content (a new commit).
    pub fn set_repo(&self, repo: FakeRepo) {
        let mut st = self.state.lock().unwrap();
        st.repos.retain(|r| r.id != repo.id);
        st.repos.push(repo);
    }

    /// Closes both listeners: later connections are refused.
    pub fn stop(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        for addr in [self.hub, self.cdn] {
            let _ = TcpStream::connect(addr);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    Empty,
    Text(String),
    /// `len` bytes of `content` from `start`, with the faults that apply.
    Slice {
        content: Content,
        start: u64,
        len: u64,
        file_size: u64,
        cut_after: Option<u64>,
        corrupt: bool,
    },
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        _ => "Status",
    }
}

fn status_only(status: u16, headers: Vec<(String, String)>) -> Response {
    Response { status, headers, body: Body::Empty }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    status_only(status, vec![("X-Error-Code".into(), code.into()), ("X-Error-Message".into(), message.into())])
}

fn handle(stream: TcpStream, state: &Mutex<State>, is_cdn: bool, cdn: SocketAddr) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return Ok(()) };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = vec![0u8; length.unwrap_or(0)];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let request = Request { method, path: target, headers, cdn: is_cdn, body };
    let response = {
        let mut st = state.lock().unwrap();
        st.requests.push(request.clone());
        if is_cdn {
            route_cdn(&mut st, &request)
        } else {
            route_hub(&mut st, &request, cdn)
        }
    };
    write_response(stream, &request, response)
}

fn route_hub(st: &mut State, req: &Request, cdn: SocketAddr) -> Response {
    if let Some(Fault::Status { code, headers }) = st.hub_faults.pop_front() {
        return status_only(code, headers);
    }
    let path = req.path.split('?').next().unwrap_or("").to_string();
    if path == "/api/models" {
        return search(st, req);
    }
    if path == "/v1/chat/completions" && req.method == "POST" {
        return match st.router_answers.pop_front() {
            Some(content) => Response { status: 200, headers: json_type(), body: Body::Text(router_answer(&content)) },
            None => error(503, "", "no model is loaded"),
        };
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (repo_id, rest): (String, &[&str]) = if segs.first() == Some(&"api") && segs.get(1) == Some(&"models") && segs.len() >= 4 {
        (format!("{}/{}", segs[2], segs[3]), &segs[4..])
    } else if segs.len() >= 2 {
        (format!("{}/{}", segs[0], segs[1]), &segs[2..])
    } else {
        return error(404, "", "not found");
    };
    let Some(repo) = st.repos.iter().find(|r| r.id == repo_id).cloned() else {
        return error(401, "RepoNotFound", "Repository not found");
    };
    if let Some(token) = &repo.token {
        match req.header("authorization") {
            None => return error(401, "GatedRepo", "Access to this model is restricted"),
            Some(a) if a != format!("Bearer {token}") => return error(403, "GatedRepo", "Access to this model is restricted"),
            Some(_) => {}
        }
    }
    if segs[0] == "api" {
        return match rest {
            [] => Response { status: 200, headers: json_type(), body: Body::Text(model_info(&repo)) },
            ["tree", _rev] => Response { status: 200, headers: json_type(), body: Body::Text(tree(&repo)) },
            _ => error(404, "", "not found"),
        };
    }
    let ["resolve", rev, file @ ..] = rest else { return error(404, "", "not found") };
    if *rev != "main" && *rev != repo.commit {
        return error(404, "RevisionNotFound", "Revision not found");
    }
    let name = percent_decode(&file.join("/"));
    let Some(f) = repo.files.iter().find(|f| f.name == name) else {
        return error(404, "EntryNotFound", "Entry not found");
    };
    let mut headers = vec![("X-Repo-Commit".to_string(), repo.commit.clone())];
    if f.lfs {
        headers.extend([
            ("X-Linked-Etag".to_string(), format!("\"{}\"", f.sha256)),
            ("X-Linked-Size".to_string(), f.size.to_string()),
            ("ETag".to_string(), format!("\"{}\"", f.git_etag())),
            ("Location".to_string(), format!("http://{cdn}/cdn/{}?expires=fake", f.sha256)),
        ]);
        status_only(302, headers)
    } else {
        headers.push(("ETag".to_string(), format!("\"{}\"", f.git_etag())));
        headers.push(("Accept-Ranges".to_string(), "bytes".into()));
        let body = Body::Slice { content: f.content.clone(), start: 0, len: f.size, file_size: f.size, cut_after: None, corrupt: false };
        Response { status: 200, headers, body }
    }
}

fn route_cdn(st: &mut State, req: &Request) -> Response {
    let path = req.path.split('?').next().unwrap_or("");
    let Some(sha) = path.strip_prefix("/cdn/") else { return error(404, "", "not found") };
    let Some(f) = st.repos.iter().flat_map(|r| r.files.iter()).find(|f| f.sha256 == sha).cloned() else {
        return error(404, "", "no such blob");
    };
    let (mut cut_after, mut corrupt, mut ignore_range) = (None, false, false);
    match st.cdn_faults.pop_front() {
        Some(Fault::CutAfter(n)) => cut_after = Some(n),
        Some(Fault::Corrupt) => corrupt = true,
        Some(Fault::IgnoreRange) => ignore_range = true,
        Some(Fault::CdnStatus(code)) => return status_only(code, vec![]),
        _ => {}
    }
    let mut headers = vec![("Accept-Ranges".to_string(), "bytes".to_string()), ("ETag".to_string(), format!("\"{}\"", f.sha256))];
    let range_start = req
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|_| !ignore_range);
    let (status, start) = match range_start {
        Some(s) if s >= f.size => {
            headers.push(("Content-Range".into(), format!("bytes */{}", f.size)));
            return status_only(416, headers);
        }
        Some(s) => {
            headers.push(("Content-Range".into(), format!("bytes {s}-{}/{}", f.size - 1, f.size)));
            (206, s)
        }
        None => (200, 0),
    };
    let body = Body::Slice { content: f.content.clone(), start, len: f.size - start, file_size: f.size, cut_after, corrupt };
    Response { status, headers, body }
}

fn json_type() -> Vec<(String, String)> {
    vec![("Content-Type".into(), "application/json".into())]
}

fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

fn query_param(path: &str, name: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=').map(percent_decode))
}

fn search(st: &State, req: &Request) -> Response {
    let q = query_param(&req.path, "search").unwrap_or_default().to_lowercase();
    let limit = query_param(&req.path, "limit").and_then(|l| l.parse().ok()).unwrap_or(usize::MAX);
    let results: Vec<String> = st
        .repos
        .iter()
        .filter(|r| r.id.to_lowercase().contains(&q))
        .take(limit)
        .enumerate()
        .map(|(i, r)| {
            let tags: Vec<String> = r.tags.iter().map(|t| json_str(t)).collect();
            let library = if r.tags.iter().any(|t| t == "gguf") { "\"gguf\"" } else { "null" };
            format!(
                "{{\"_id\":\"x{i}\",\"id\":{},\"downloads\":{},\"likes\":{},\"lastModified\":\"2026-11-0{}T12:00:00.000Z\",\"pipeline_tag\":\"text-generation\",\"tags\":[{}],\"library_name\":{library}}}",
                json_str(&r.id),
                1000 - i,
                10 + i,
                1 + i % 9,
                tags.join(",")
            )
        })
        .collect();
    Response { status: 200, headers: json_type(), body: Body::Text(format!("[{}]", results.join(","))) }
}

fn router_answer(content: &str) -> String {
    let message = format!("{{\"role\":\"assistant\",\"content\":{}}}", json_str(content));
    format!(
        "{{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{{\"index\":0,\"message\":{message},\"finish_reason\":\"stop\"}}]}}"
    )
}

fn model_info(repo: &FakeRepo) -> String {
    let siblings: Vec<String> = repo
        .files
        .iter()
        .map(|f| {
            let lfs = if f.lfs {
                format!(",\"lfs\":{{\"sha256\":\"{}\",\"size\":{},\"pointerSize\":134}}", f.sha256, f.size)
            } else {
                String::new()
            };
            format!("{{\"rfilename\":{},\"blobId\":\"{}\",\"size\":{}{lfs}}}", json_str(&f.name), f.git_etag(), f.size)
        })
        .collect();
    format!(
        "{{\"_id\":\"x\",\"id\":{},\"sha\":\"{}\",\"private\":false,\"siblings\":[{}]}}",
        json_str(&repo.id),
        repo.commit,
        siblings.join(",")
    )
}

fn tree(repo: &FakeRepo) -> String {
    let entries: Vec<String> = repo
        .files
        .iter()
        .map(|f| {
            let lfs = if f.lfs {
                format!(",\"lfs\":{{\"oid\":\"{}\",\"size\":{},\"pointerSize\":134}}", f.sha256, f.size)
            } else {
                String::new()
            };
            format!("{{\"type\":\"file\",\"oid\":\"{}\",\"size\":{},\"path\":{}{lfs}}}", f.git_etag(), f.size, json_str(&f.name))
        })
        .collect();
    format!("[{}]", entries.join(","))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_response(mut stream: TcpStream, req: &Request, resp: Response) -> std::io::Result<()> {
    let length = match &resp.body {
        Body::Empty => 0,
        Body::Text(t) => t.len() as u64,
        Body::Slice { len, .. } => *len,
    };
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {length}\r\nConnection: close\r\n\r\n"));
    stream.write_all(head.as_bytes())?;
    if req.method != "HEAD" {
        match resp.body {
            Body::Empty => {}
            Body::Text(t) => stream.write_all(t.as_bytes())?,
            Body::Slice { content, start, len, file_size, cut_after, corrupt } => {
                let limit = cut_after.map_or(len, |c| c.min(len));
                let flip_at = corrupt.then_some(file_size / 2);
                send_slice(&mut stream, &content, start, limit, flip_at)?;
                if cut_after.is_some() {
                    stream.flush()?;
                    let _ = stream.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    }
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(())
}

/// Writes `len` bytes of `content` from `start`, flipping the byte at absolute offset `flip_at`.
fn send_slice(stream: &mut TcpStream, content: &Content, start: u64, len: u64, flip_at: Option<u64>) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut pos = start;
    let end = start + len;
    let mut file = match content {
        Content::Path(p) => {
            let mut f = File::open(p)?;
            f.seek(SeekFrom::Start(start))?;
            Some(f)
        }
        Content::Bytes(_) => None,
    };
    while pos < end {
        let n = ((end - pos) as usize).min(buf.len());
        match (&mut file, content) {
            (Some(f), _) => f.read_exact(&mut buf[..n])?,
            (None, Content::Bytes(b)) => buf[..n].copy_from_slice(&b[pos as usize..pos as usize + n]),
            (None, Content::Path(_)) => unreachable!(),
        }
        if let Some(at) = flip_at.filter(|&at| at >= pos && at < pos + n as u64) {
            buf[(at - pos) as usize] ^= 0xff;
        }
        stream.write_all(&buf[..n])?;
        pos += n as u64;
    }
    Ok(())
}
