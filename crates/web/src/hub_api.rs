//! The page's small requests to the Hub: model search and the inference router. Downloads
//! have their own streaming path (`download`).

use cmdai_hub::{check_status, model_info_url, origin, parse_model_info, HubError, RepoId, RequestContext, DEFAULT_REVISION};
use cmdai_workbench::discover::{gguf_options, parse_search_results, search_url, HubModel, QuantOption, SEARCH_LIMIT};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

fn js_message(e: &JsValue) -> String {
    Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}"))
}

fn network(url: &str, e: &JsValue) -> HubError {
    HubError::Network { host: origin(url).unwrap_or_else(|| url.to_string()), detail: js_message(e) }
}

/// `fetch` (GET, or POST with a JSON body), returning the status check's error or the text.
async fn request(url: &str, token: Option<&str>, json_body: Option<&str>, ctx_repo: &str) -> Result<String, HubError> {
    let net = |e: JsValue| network(url, &e);
    let headers = Headers::new().map_err(net)?;
    if let Some(token) = token {
        headers.set("Authorization", &format!("Bearer {token}")).map_err(net)?;
    }
    let init = RequestInit::new();
    if let Some(body) = json_body {
        init.set_method("POST");
        headers.set("Content-Type", "application/json").map_err(net)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| HubError::Network { host: url.into(), detail: "no window".into() })?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(net)?.dyn_into().map_err(net)?;
    let lookup = |name: &str| response.headers().get(name).ok().flatten();
    let ctx = RequestContext { repo: ctx_repo, file: None, revision: DEFAULT_REVISION, url, had_token: token.is_some() };
    check_status(response.status(), &ctx, &lookup)?;
    let text = JsFuture::from(response.text().map_err(net)?).await.map_err(net)?;
    Ok(text.as_string().unwrap_or_default())
}

/// Hub models matching `query`.
pub async fn search(endpoint: &str, token: Option<&str>, query: &str) -> Result<Vec<HubModel>, HubError> {
    let url = search_url(endpoint, query, SEARCH_LIMIT);
    let text = request(&url, token, None, "search").await?;
    parse_search_results(&text).map_err(|detail| HubError::BadResponse { url, detail })
}

/// The GGUF files of a Hub repository, smallest first.
pub async fn list_gguf(endpoint: &str, token: Option<&str>, repo: &str) -> Result<Vec<QuantOption>, HubError> {
    let url = model_info_url(endpoint, &RepoId::new(repo)?);
    let text = request(&url, token, None, repo).await?;
    let listing = parse_model_info(&text).map_err(|detail| HubError::BadResponse { url, detail })?;
    Ok(gguf_options(&listing))
}

/// The router's answer to a chat-completions request.
pub async fn ask_router(router: &str, token: &str, body: &serde_json::Value) -> Result<String, HubError> {
    let url = format!("{}/chat/completions", router.trim_end_matches('/'));
    request(&url, Some(token), Some(&body.to_string()), "router").await
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
